"""The static deck: labware and modules resolved against their definitions.

``build_deck(protocol, custom)`` resolves what it can and returns the problems it met as
``Finding`` records; ``resolve.resolve`` calls it once per protocol. Later stages use only what
resolved.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from labwright.protocols import models as m
from labwright.protocols.errors import DefinitionNotFoundError
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import WellRef
from labwright.protocols.models import Protocol
from labwright.simulators.deck.definitions import (
    DEFAULT_TRASH_SLOT,
    THERMOCYCLER_FOOTPRINT,
    LabwareInfo,
    ModuleInfo,
    PipetteInfo,
    deck_slots,
    load_labware,
    load_module,
    load_pipette,
    modules_beside_staging,
    successor_pipettes,
)
from labwright.simulators.deck.stacking import plate_reader_refusal, slot_refusal, stacking_refusal

# The Flex waste chute is installed in deck cutout D3 (Opentrons deck definition ot3_standard).
WASTE_CHUTE_SLOT = "D3"


@dataclass
class PlacedLabware:
    """Where a labware starts. On another labware, ``slot`` and ``module`` are those of the
    bottom of its stack; off the deck, both are None. Moves change where it is during the run:
    the deck twin keeps that (``placement.Places``)."""

    id: str
    info: LabwareInfo
    slot: str | None
    module: str | None
    index: int  # position in protocol.labware
    parent: str | None = None  # the labware it sits on
    off_deck: bool = False


@dataclass
class PlacedModule:
    id: str
    info: ModuleInfo
    slot: str | None
    index: int


@dataclass
class Deck:
    robot: str
    labware: dict[str, PlacedLabware] = field(default_factory=dict)
    modules: dict[str, PlacedModule] = field(default_factory=dict)
    pipettes: dict[str, PipetteInfo] = field(default_factory=dict)
    tipracks: dict[str, list[str]] = field(default_factory=dict)  # pipette id -> rack ids
    occupied: dict[str, str] = field(default_factory=dict)  # slot -> what holds it at the start
    fixed: dict[str, str] = field(default_factory=dict)  # slot -> module or trash there all run
    # pipettes whose declared tip racks did not all resolve (already reported): running out of
    # tips for them follows from that finding and is not reported again
    tipracks_incomplete: set[str] = field(default_factory=set)
    trash_slot: str = ""
    waste_chute: bool = False  # a move_labware step throws labware into the Flex waste chute

    def module_of_labware(self, labware_id: str) -> PlacedModule | None:
        """The module under a labware (through the adapters below it) where it starts."""
        lw = self.labware.get(labware_id)
        return self.modules.get(lw.module) if lw and lw.module else None

    def labware_on_module(self, module_id: str) -> list[PlacedLabware]:
        """The labware standing directly on a module where the run starts."""
        return [lw for lw in self.labware.values() if lw.module == module_id and lw.parent is None]


def custom_definitions(
    protocol: Protocol, extra: list[dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in [*(extra or []), *protocol.custom_labware]:
        params = d.get("parameters") if isinstance(d, dict) else None
        name = params.get("loadName") if isinstance(params, dict) else None
        if isinstance(name, str) and name:
            out[name] = d
    return out


def build_deck(
    protocol: Protocol, extra_labware: list[dict[str, Any]] | None = None
) -> tuple[Deck, list[Finding]]:
    """Place modules, then labware (which may sit on modules), then pipettes and their racks."""
    builder = _DeckBuilder(protocol, extra_labware)
    builder.place_waste_chute()
    for i, mod in enumerate(protocol.modules):
        builder.place_module(i, mod)
    for i, lw in stack_order(protocol.labware):
        builder.place_labware(i, lw)
    for i, pip in enumerate(protocol.pipettes):
        builder.mount_pipette(i, pip)
    return builder.deck, builder.issues


def stack_order(labware: list[m.Labware]) -> list[tuple[int, m.Labware]]:
    """Labware in the order it can be placed: what sits on other labware after that labware
    (a parent declared later, or never, leaves its children at the end, to be reported)."""
    placed: set[str] = set()
    order: list[tuple[int, m.Labware]] = []
    waiting = list(enumerate(labware))
    while waiting:
        ready = [(i, lw) for i, lw in waiting if lw.on_labware is None or lw.on_labware in placed]
        if not ready:
            order += waiting
            break
        order += ready
        placed |= {lw.id for _, lw in ready}
        waiting = [item for item in waiting if item not in ready]
    return order


class _DeckBuilder:
    """Resolves one protocol's modules, labware and pipettes onto a deck, noting each problem."""

    def __init__(self, protocol: Protocol, extra_labware: list[dict[str, Any]] | None) -> None:
        robot = protocol.metadata.robot.value
        self.protocol = protocol
        self.robot = robot
        self.deck = Deck(robot=robot, trash_slot=DEFAULT_TRASH_SLOT[robot])
        self.issues: list[Finding] = []
        self.slots = set(deck_slots(robot))
        self.custom = custom_definitions(protocol, extra_labware)
        self.seen: dict[str, str] = {}  # id -> the kind of thing that uses it
        self.mounts: dict[str, str] = {}  # mount -> pipette id
        claimed = {mo.slot for mo in protocol.modules} | {lw.slot for lw in protocol.labware}
        claimed |= {s.slot for s in protocol.steps if isinstance(s, m.MoveLabware)}  # moved into
        # a staging slot (A4-D4) is half of a staging-area fixture in cutout X3, which then holds
        # no trash bin and no module (Opentrons deck configuration, ot3_standard)
        staging = {slot for slot in claimed if slot and robot == "flex" and slot[1:] == "4"}
        self.staging_cutouts = {slot[0] + "3" for slot in staging}
        claimed |= self.staging_cutouts
        if robot == "flex" and self.deck.trash_slot in claimed:
            # The Flex has no fixed trash: A3 is only where the app puts the trash bin by default.
            # A protocol that places something in A3 keeps its trash bin / waste chute elsewhere.
            self.deck.trash_slot = ""
        else:
            self.deck.occupied[self.deck.trash_slot] = "the trash"
            self.deck.fixed[self.deck.trash_slot] = "the trash"

    # ------------------------------------------------------------------------- shared checks

    def _issue(self, code: str, category: str, message: str, hint: str, pointer: str, **data: Any) -> None:
        self.issues.append(finding(code, category, "error", message, hint, pointer=pointer, **data))

    def _duplicate(self, kind: str, ident: str, pointer: str) -> bool:
        if ident in self.seen:
            self._issue(
                "DUPLICATE_ID",
                "reference",
                f"id {ident!r} of this {kind} is already used by a {self.seen[ident]}",
                "give every labware, module, pipette and liquid its own id",
                pointer,
            )
            return True
        self.seen[ident] = kind
        return False

    def _occupy(self, slot: str, what: str, pointer: str, *, fixed: bool = False) -> None:
        """Claim ``slot`` for ``what``; ``fixed``: for the whole run (a module, the waste chute)."""
        if fixed and slot not in self.deck.occupied:
            self.deck.fixed[slot] = what
        occupied = self.deck.occupied
        if slot in occupied:
            self._issue(
                "DECK_SLOT_OCCUPIED",
                "deck",
                f"slot {slot} already holds {occupied[slot]}; cannot also place {what}",
                "move one of them to a free slot",
                pointer,
                slot=slot,
            )
        else:
            occupied[slot] = what

    def _slot_exists(self, slot: str, what: str, pointer: str) -> bool:
        if slot in self.slots:
            return True
        self._issue(
            "DECK_SLOT_INVALID",
            "deck",
            f"{what} is placed in slot {slot!r}, which the {_robot_name(self.robot)} deck does not have",
            f"use one of {', '.join(sorted(self.slots, key=_slot_sort))}",
            pointer,
            slot=slot,
        )
        return False

    def _definition_missing(self, code: str, exc: DefinitionNotFoundError, pointer: str) -> None:
        self._issue(code, "reference", exc.message, exc.hint, pointer)

    def place_waste_chute(self) -> None:
        """The Flex waste chute takes cutout D3 when a move throws labware into it."""
        uses = any(isinstance(s, m.MoveLabware) and s.waste_chute for s in self.protocol.steps)
        if uses and self.robot == "flex":
            self.deck.waste_chute = True
            self._occupy(WASTE_CHUTE_SLOT, "the waste chute", "/steps", fixed=True)

    # ------------------------------------------------------------------------------ modules

    def place_module(self, i: int, mod: m.Module) -> None:
        ptr = f"/modules/{i}"
        if self._duplicate("module", mod.id, f"{ptr}/id"):
            return
        try:
            info = load_module(mod.type.value, mod.model)
        except DefinitionNotFoundError as exc:
            self._definition_missing("MODULE_MODEL_UNKNOWN", exc, f"{ptr}/model")
            return
        allowed = info.allowed_slots.get(self.robot)
        if not allowed:
            self._issue(
                "DECK_MODULE_INCOMPATIBLE",
                "deck",
                f"{info.display_name} cannot be used on the {_robot_name(self.robot)}",
                "choose a module model made for this robot",
                f"{ptr}/model",
            )
            return
        slot = self._module_slot(mod, allowed, ptr)
        if slot is None or not self._slot_exists(slot, f"module {mod.id!r}", f"{ptr}/slot"):
            return
        if slot in self.staging_cutouts and info.model not in modules_beside_staging():
            self._issue(
                "DECK_MODULE_SLOT_INVALID",
                "deck",
                f"{info.display_name} cannot go in slot {slot}: staging slot {slot[0]}4 is used, and "
                f"its staging area takes cutout {slot}",
                f"move the module to another slot, or stop using slot {slot[0]}4",
                f"{ptr}/slot",
                slot=slot,
            )
            return
        if slot not in allowed:
            self._issue(
                "DECK_MODULE_SLOT_INVALID",
                "deck",
                f"{info.display_name} cannot go in slot {slot} of the {_robot_name(self.robot)}",
                f"allowed slots: {', '.join(allowed)}",
                f"{ptr}/slot",
                slot=slot,
            )
            return
        is_tc = mod.type.value == "thermocycler"
        for s in THERMOCYCLER_FOOTPRINT[self.robot] if is_tc else (slot,):
            self._occupy(s, f"module {mod.id!r}", f"{ptr}/slot", fixed=True)
        self.deck.modules[mod.id] = PlacedModule(mod.id, info, slot, i)

    def _module_slot(self, mod: m.Module, allowed: list[str], ptr: str) -> str | None:
        """The module's slot: a thermocycler spans fixed slots and is placed by its first one."""
        is_tc = mod.type.value == "thermocycler"
        slot = mod.slot
        if slot is None and not is_tc:
            self._issue("DECK_NO_SLOT", "deck", f"module {mod.id!r} has no slot", "add `slot:`", ptr)
            return None
        if is_tc and (slot is None or slot in THERMOCYCLER_FOOTPRINT[self.robot]):
            return allowed[0]
        return slot

    # ------------------------------------------------------------------------------ labware

    def place_labware(self, i: int, lw: m.Labware) -> None:
        ptr = f"/labware/{i}"
        if self._duplicate("labware", lw.id, f"{ptr}/id"):
            return
        try:
            info = load_labware(lw.load_name, lw.namespace, lw.version, self.custom)
        except DefinitionNotFoundError as exc:
            self._definition_missing("LABWARE_DEFINITION_NOT_FOUND", exc, f"{ptr}/load_name")
            return
        given = [
            name
            for name, value in (
                ("module", lw.module),
                ("on_labware", lw.on_labware),
                ("off_deck", lw.off_deck or None),
                ("slot", lw.slot),
            )
            if value is not None
        ]
        if len(given) > 1 and given != ["module", "slot"]:  # module + slot: reported below
            self._issue(
                "DECK_LABWARE_PLACEMENT_AMBIGUOUS",
                "deck",
                f"labware {lw.id!r} names {' and '.join(given)}; it can start in one place only",
                f"keep `{given[0]}:` and drop the others",
                f"{ptr}/{given[1]}",
            )
        if lw.module is not None:
            self._place_on_module(i, lw, info)
        elif lw.on_labware is not None:
            self._place_on_labware(i, lw, info)
        elif lw.off_deck:
            self.deck.labware[lw.id] = PlacedLabware(lw.id, info, None, None, i, off_deck=True)
        else:
            self._place_in_slot(i, lw, info)

    def _place_on_labware(self, i: int, lw: m.Labware, info: LabwareInfo) -> None:
        ptr = f"/labware/{i}/on_labware"
        deck = self.deck
        parent = deck.labware.get(lw.on_labware or "")
        if parent is None:
            if lw.on_labware not in {other.id for other in self.protocol.labware}:
                self._issue(
                    "UNKNOWN_LABWARE",
                    "reference",
                    f"labware {lw.id!r} sits on {lw.on_labware!r}, which is not declared",
                    f"declare it under labware: ({did_you_mean(lw.on_labware or '', list(deck.labware))})",
                    ptr,
                )
            return
        holder = next((o for o in deck.labware.values() if o.parent == parent.id), None)
        if holder is not None:
            self._issue(
                "DECK_SLOT_OCCUPIED",
                "deck",
                f"labware {parent.id!r} already carries {holder.id!r}; cannot also place {lw.id!r} on it",
                "stack one labware on each adapter or plate",
                ptr,
            )
            return
        on_module = parent.module is not None and parent.parent is None
        refusal = stacking_refusal(info, parent.info, bottom_on_module=on_module)
        if refusal is not None:
            self._issue("DECK_LABWARE_STACKING_INCOMPATIBLE", "deck", refusal, _STACK_HINT, ptr)
            return
        deck.labware[lw.id] = PlacedLabware(
            lw.id, info, parent.slot, parent.module, i, parent=parent.id, off_deck=parent.off_deck
        )

    def _place_on_module(self, i: int, lw: m.Labware, info: LabwareInfo) -> None:
        ptr = f"/labware/{i}"
        deck = self.deck
        if lw.slot is not None:
            self._issue(
                "DECK_LABWARE_PLACEMENT_AMBIGUOUS",
                "deck",
                f"labware {lw.id!r} names both slot {lw.slot} and module {lw.module!r}",
                "keep `module:` and drop `slot:` (the module's slot is used)",
                f"{ptr}/slot",
            )
        if lw.module not in deck.modules:
            if lw.module not in {mod.id for mod in self.protocol.modules}:
                self._issue(
                    "UNKNOWN_MODULE",
                    "reference",
                    f"labware {lw.id!r} sits on module {lw.module!r}, which is not declared",
                    f"declare it under modules: or use one of {sorted(deck.modules) or 'none'}",
                    f"{ptr}/module",
                )
            return
        holder = deck.labware_on_module(lw.module)
        if holder:
            self._issue(
                "DECK_SLOT_OCCUPIED",
                "deck",
                f"module {lw.module!r} already holds labware {holder[0].id!r}",
                "place one labware per module",
                f"{ptr}/module",
            )
            return
        if deck.modules[lw.module].info.type == "plate_reader":
            refusal = plate_reader_refusal(info)
            if refusal is not None:
                code = "DECK_MODULE_LABWARE_INCOMPATIBLE"
                self._issue(code, "deck", refusal, _READER_HINT, f"{ptr}/module")
                return
        deck.labware[lw.id] = PlacedLabware(lw.id, info, deck.modules[lw.module].slot, lw.module, i)

    def _place_in_slot(self, i: int, lw: m.Labware, info: LabwareInfo) -> None:
        ptr = f"/labware/{i}"
        if lw.slot is None:
            self._issue(
                "DECK_NO_SLOT",
                "deck",
                f"labware {lw.id!r} has neither a slot nor a module",
                "add `slot:` or `module:`",
                ptr,
            )
            return
        if not self._slot_exists(lw.slot, f"labware {lw.id!r}", f"{ptr}/slot"):
            return
        if lw.slot == self.deck.trash_slot and self.robot == "ot2":
            self._issue(
                "DECK_SLOT_OCCUPIED",
                "deck",
                f"slot 12 holds the OT-2's fixed trash; cannot place labware {lw.id!r} there",
                "use slots 1-11",
                f"{ptr}/slot",
                slot=lw.slot,
            )
            return
        refusal = slot_refusal(info)
        if refusal is not None:
            self._issue("DECK_LABWARE_STACKING_INCOMPATIBLE", "deck", refusal, _STACK_HINT, f"{ptr}/slot")
            return
        self._occupy(lw.slot, f"labware {lw.id!r}", f"{ptr}/slot")
        self.deck.labware[lw.id] = PlacedLabware(lw.id, info, lw.slot, None, i)

    # ----------------------------------------------------------------------------- pipettes

    def mount_pipette(self, i: int, pip: m.Pipette) -> None:
        ptr = f"/pipettes/{i}"
        if self._duplicate("pipette", pip.id, f"{ptr}/id"):
            return
        try:
            info = load_pipette(pip.model)
        except DefinitionNotFoundError as exc:
            self._definition_missing("PIPETTE_MODEL_UNKNOWN", exc, f"{ptr}/model")
            return
        if info.robot != self.robot:
            self._issue(
                "PIPETTE_ROBOT_MISMATCH",
                "pipette",
                f"{pip.model} is an {_robot_name(info.robot)} pipette; "
                f"this protocol is for the {_robot_name(self.robot)}",
                "use a pipette made for this robot, or change metadata.robot",
                f"{ptr}/model",
            )
            return
        mount = pip.mount.value
        if mount in self.mounts:
            self._issue(
                "PIPETTE_MOUNT_CONFLICT",
                "pipette",
                f"pipettes {self.mounts[mount]!r} and {pip.id!r} are both on the {mount} mount",
                "put one on the left mount and one on the right",
                f"{ptr}/mount",
            )
            return
        self.mounts[mount] = pip.id
        racks = [
            rack
            for j, rack in enumerate(pip.tip_racks)
            if self._tip_rack_fits(pip, info, rack, f"{ptr}/tip_racks/{j}")
        ]
        self.deck.pipettes[pip.id] = info
        self.deck.tipracks[pip.id] = racks

    def _tip_rack_fits(self, pip: m.Pipette, info: PipetteInfo, rack: str, rptr: str) -> bool:
        """Whether ``rack`` is a placed tip rack whose tips ``pip`` takes (else noted)."""
        deck = self.deck
        if rack not in deck.labware:
            deck.tipracks_incomplete.add(pip.id)
            if rack not in {lw.id for lw in self.protocol.labware}:
                self._issue(
                    "UNKNOWN_LABWARE",
                    "reference",
                    f"pipette {pip.id!r} names tip rack {rack!r}, which is not declared",
                    f"declare it under labware: or use one of {_tiprack_ids(deck) or 'none'}",
                    rptr,
                )
            return False
        rinfo = deck.labware[rack].info
        if not rinfo.is_tiprack:
            deck.tipracks_incomplete.add(pip.id)
            self._issue(
                "TIPRACK_NOT_A_TIPRACK",
                "reference",
                f"{rack!r} ({rinfo.load_name}) is not a tip rack",
                "name a tip rack labware in tip_racks",
                rptr,
            )
            return False
        if rinfo.tip_volume_ul is not None and rinfo.tip_volume_ul not in info.tip_volumes_ul:
            return self._fits_a_successor(pip, info, rinfo, rptr)
        return True

    def _fits_a_successor(self, pip: m.Pipette, info: PipetteInfo, rinfo: LabwareInfo, rptr: str) -> bool:
        """Tips the pipette does not take: a warning when a newer model that Opentrons runs the
        protocol on takes them (the robot may carry it: hardware the protocol does not name),
        else an error. Whether the rack is then used."""
        volume = float(rinfo.tip_volume_ul or 0.0)
        newer = [n for n in successor_pipettes(pip.model) if volume in load_pipette(n).tip_volumes_ul]
        sizes = ", ".join(f"{v:g}" for v in info.tip_volumes_ul)
        if newer:
            self.issues.append(
                finding(
                    "PIPETTE_TIPRACK_OLDER_MODEL",
                    "pipette",
                    "warning",
                    f"{pip.model} takes {sizes} uL tips, not {volume:g} uL ({rinfo.load_name}); "
                    f"a {newer[0]} running this protocol as {pip.model} takes them",
                    f"run it with a {newer[0]} attached, or load a {pip.model} tip rack",
                    pointer=rptr,
                )
            )
            return True
        self.deck.tipracks_incomplete.add(pip.id)
        self._issue(
            "PIPETTE_TIPRACK_INCOMPATIBLE",
            "pipette",
            f"{pip.model} does not take {volume:g} uL tips ({rinfo.load_name})",
            f"use a rack of {sizes} uL tips, "
            f"e.g. {info.default_tipracks[0] if info.default_tipracks else ''}",
            rptr,
        )
        return False


_STACK_HINT = (
    "put it on an adapter or labware its Opentrons definition lists (stackingOffsetWithLabware), or in a slot"
)


_READER_HINT = "read a 96-well plate of at most 16 mm in the plate reader"


def _robot_name(robot: str) -> str:
    return "OT-2" if robot == "ot2" else "Flex"


def _slot_sort(slot: str) -> tuple[int, str]:
    return (int(slot), "") if slot.isdigit() else (0, slot)


def _tiprack_ids(deck: Deck) -> list[str]:
    return [k for k, v in deck.labware.items() if v.info.is_tiprack]


def did_you_mean(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"declared: {', '.join(options) if options else 'none'}"


def expand_well_spec(spec: str, deck: Deck) -> tuple[list[WellRef] | None, str]:
    """``lw:A1`` / ``lw:A1..H1`` / ``lw:*`` -> wells; (None, reason) when it does not resolve."""
    if ":" not in spec:
        return None, f"{spec!r} is not LABWARE:WELL"
    lw_id, wells = spec.split(":", 1)
    if lw_id not in deck.labware:
        return None, f"labware {lw_id!r} is not declared ({did_you_mean(lw_id, list(deck.labware))})"
    names = deck.labware[lw_id].info.well_names
    if wells == "*":
        return [WellRef(lw_id, w) for w in names], ""
    if ".." in wells:
        first, last = wells.split("..", 1)
        if first not in names or last not in names:
            return None, f"{spec!r}: {first if first not in names else last} is not a well of {lw_id!r}"
        i, j = names.index(first), names.index(last)
        if j < i:
            return None, f"{spec!r}: {last} comes before {first} in the labware's order"
        return [WellRef(lw_id, w) for w in names[i : j + 1]], ""
    if wells not in names:
        return None, f"{wells!r} is not a well of {lw_id!r} ({deck.labware[lw_id].info.load_name})"
    return [WellRef(lw_id, wells)], ""
