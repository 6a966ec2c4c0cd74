"""Where each labware is during the run: the deck twin's labware substore.

The resolved deck (``layout.Deck``) says where each labware starts; ``move_labware`` steps
change that. ``Places`` holds the current place of every labware (a slot, a module, another
labware, off the deck, or thrown into the waste chute) and answers what the other reducers
ask: which module is under a labware now (heating, lids), what stands in a slot or on a module
or labware, whether a labware is on the deck at all. Wells belong to their labware, not to a
slot: a move changes nothing in them.
"""

from __future__ import annotations

from typing import NamedTuple

from labwright.simulators.deck.layout import Deck, PlacedModule

SLOT = "slot"
MODULE = "module"
LABWARE = "labware"
OFF_DECK = "off_deck"
WASTE_CHUTE = "waste_chute"


class Place(NamedTuple):
    """Where a labware is: ``(kind, ref)``; ``ref`` names the slot, module or labware."""

    kind: str
    ref: str = ""

    def describe(self) -> str:
        if self.kind == SLOT:
            return f"slot {self.ref}"
        if self.kind == MODULE:
            return f"module {self.ref!r}"
        if self.kind == LABWARE:
            return f"labware {self.ref!r}"
        return "in the waste chute" if self.kind == WASTE_CHUTE else "off the deck"


class Places:
    """The current place of every labware of a resolved deck; ``move`` changes one."""

    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.where: dict[str, Place] = {}
        for lw in deck.labware.values():
            if lw.parent is not None:
                self.where[lw.id] = Place(LABWARE, lw.parent)
            elif lw.off_deck:
                self.where[lw.id] = Place(OFF_DECK)
            elif lw.module is not None:
                self.where[lw.id] = Place(MODULE, lw.module)
            else:
                self.where[lw.id] = Place(SLOT, lw.slot or "")
        self.moved = False  # no move yet: the resolved deck still says where everything is
        self._off = self._not_on_deck()
        self._unreachable = self._off | self._covered()

    # --------------------------------------------------------------------------- queries

    def base(self, labware: str) -> Place:
        """The place at the bottom of the labware's stack (slot, module, off the deck, chute)."""
        place = self.where.get(labware, Place(OFF_DECK))
        for _ in range(len(self.where)):
            if place.kind != LABWARE:
                return place
            place = self.where.get(place.ref, Place(OFF_DECK))
        return place

    def module_of(self, labware: str) -> PlacedModule | None:
        """The module under a labware now (through the adapters below it), if any."""
        if not self.moved:
            return self.deck.module_of_labware(labware)
        place = self.base(labware)
        return self.deck.modules.get(place.ref) if place.kind == MODULE else None

    def on_module(self, module: str) -> list[str]:
        """Every labware whose stack stands on ``module`` now."""
        if not self.moved:
            return [lw.id for lw in self.deck.labware.values() if lw.module == module]
        return [i for i in self.where if self.base(i) == Place(MODULE, module)]

    def occupant(self, place: Place) -> str | None:
        """The labware standing directly in a slot, on a module or on a labware, if any."""
        return next((i for i, p in self.where.items() if p == place), None)

    def stacked_on(self, labware: str) -> str | None:
        """The labware sitting directly on ``labware``, if any."""
        return self.occupant(Place(LABWARE, labware))

    def stack_below(self, labware: str) -> list[str]:
        """The labware under ``labware``, from the one it sits on down to the bottom."""
        out: list[str] = []
        place = self.where.get(labware)
        while place is not None and place.kind == LABWARE and place.ref not in out:
            out.append(place.ref)
            place = self.where.get(place.ref)
        return out

    def off_deck(self) -> frozenset[str]:
        """The labware not on the deck now (off the deck, thrown away, or on such labware)."""
        return self._off

    def unreachable(self) -> frozenset[str]:
        """The labware a pipette cannot reach into now: off the deck, or covered by other
        labware (a lid, or a plate on an adapter)."""
        return self._unreachable

    # --------------------------------------------------------------------------- update

    def move(self, labware: str, to: Place) -> None:
        self.where[labware] = to
        self.moved = True
        self._off = self._not_on_deck()
        self._unreachable = self._off | self._covered()

    def _covered(self) -> frozenset[str]:
        return frozenset(p.ref for p in self.where.values() if p.kind == LABWARE)

    def _not_on_deck(self) -> frozenset[str]:
        return frozenset(i for i in self.where if self.base(i).kind in (OFF_DECK, WASTE_CHUTE))
