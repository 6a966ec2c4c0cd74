"""The deck twin's move reducer: ``move_labware`` with the Flex gripper or by hand.

A move changes where the labware is (``places``), never what its wells hold. Before it does,
it is checked the way the Opentrons 9.0.0 protocol engine checks ``moveLabware``
(``protocol_engine/commands/move_labware.py``, ``execution/labware_movement.py``): the
destination is free (no labware, module, trash or waste chute there), what goes on a labware
may sit on it (``stacking``), nothing is stacked on what moves, the gripper exists (Flex) and
may grip the labware and neither end of a gripper move is off the deck, a Thermocycler's lid is
open and a Heater-Shaker's labware latch is open at both ends. Each fault is an error: the
robot refuses the move, or (by hand) the operator cannot do it. The move is then replayed as
meant, so that the steps after it are checked with the labware where the protocol says it is.

Labware that arrives on a heated module heats what it holds (a heating event for the safety
pass). Labware thrown into the waste chute is gone: moving it again is an error; pipetting in
labware off the deck is the twin's ``LOCATION_OFF_DECK``.
"""

from __future__ import annotations

from labwright.protocols.findings import finding
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.placement import LABWARE, MODULE, OFF_DECK, SLOT, WASTE_CHUTE, Place
from labwright.simulators.deck.stacking import (
    gripper_refusal,
    plate_reader_refusal,
    slot_refusal,
    stack_limit,
    stacking_refusal,
)
from labwright.simulators.deck.state import AMBIENT_C, LidState, TwinState

# (code, message, hint) of one fault
Fault = tuple[str, str, str]


class MoveHandling(TwinState):
    def _on_MoveLabware(self, act: a.MoveLabware) -> None:
        if act.labware not in self.deck.labware:
            return  # did not resolve: reported by the reference pass
        to = Place(act.to_kind, act.to_ref)
        for code, message, hint in self._move_faults(act, to):
            self._add(finding(code, "deck", "error", message, hint, step=act.step, pointer=act.pointer))
        self.places.move(act.labware, to)
        self._heat_after_move(act)

    def _move_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        if self.places.base(act.labware).kind == WASTE_CHUTE:
            return [
                (
                    "MOVE_LABWARE_DISPOSED",
                    f"{act.labware!r} went into the waste chute earlier; it cannot be moved again",
                    "remove this move, or move the labware off the deck instead of into the chute",
                )
            ]
        faults = self._gripper_faults(act, to)
        faults += self._stack_faults(act, to)
        faults += self._destination_faults(act, to)
        faults += self._module_state_faults(act, to)
        return faults

    # ---------------------------------------------------------------------------- rules

    def _gripper_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        if not act.use_gripper:
            return []
        if self.deck.robot != "flex":
            return [
                (
                    "MOVE_GRIPPER_UNAVAILABLE",
                    f"step {act.step} moves {act.labware!r} with the gripper; the OT-2 has none",
                    "set use_gripper: false (the robot pauses while the operator moves it)",
                )
            ]
        faults: list[Fault] = []
        refusal = gripper_refusal(self.deck.labware[act.labware].info)
        if refusal is not None:
            faults.append(("MOVE_GRIPPER_INCOMPATIBLE", refusal, "move it by hand: use_gripper: false"))
        for side, place in (("from", self.places.base(act.labware)), ("to", to)):
            if place.kind == OFF_DECK:
                faults.append(
                    (
                        "MOVE_GRIPPER_OFF_DECK",
                        f"the gripper cannot move {act.labware!r} {side} off the deck; it moves labware "
                        "between places on the deck",
                        "set use_gripper: false for moves to or from off the deck",
                    )
                )
        return faults

    def _stack_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        """Nothing but a lid may be stacked on what moves (Opentrons moves one labware)."""
        above = self.places.stacked_on(act.labware)
        if above is None or self.deck.labware[above].info.is_lid:
            return []
        return [
            (
                "MOVE_LABWARE_STACKED",
                f"{act.labware!r} has {above!r} stacked on it; the move would carry or topple it",
                f"move {above!r} off {act.labware!r} first",
            )
        ]

    def _destination_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        info = self.deck.labware[act.labware].info
        if to.kind == LABWARE:
            return self._onto_labware_faults(act, to)
        if to.kind not in (SLOT, MODULE):
            return []
        held = self.places.occupant(to)
        if held == act.labware:
            return [
                (
                    "DECK_SLOT_OCCUPIED",
                    f"step {act.step} moves {act.labware!r} to {to.describe()}, where it already is "
                    "(the robot refuses a move into an occupied place)",
                    "remove this move, or move the labware elsewhere first",
                )
            ]
        if held is not None:
            return [
                (
                    "DECK_SLOT_OCCUPIED",
                    f"step {act.step} moves {act.labware!r} to {to.describe()}, which holds {held!r} then",
                    f"move {held!r} away first, or choose a free place",
                )
            ]
        if to.kind == SLOT:
            what = self.deck.fixed.get(to.ref)
            if what is not None:
                return [
                    (
                        "DECK_SLOT_OCCUPIED",
                        f"step {act.step} moves {act.labware!r} to slot {to.ref}, which holds {what}",
                        "choose a free slot",
                    )
                ]
            refusal = slot_refusal(info)
            hint = "move it onto labware"
            return [] if refusal is None else [("MOVE_STACKING_INCOMPATIBLE", refusal, hint)]
        mod = self.deck.modules.get(to.ref)
        refusal = plate_reader_refusal(info) if mod and mod.info.type == "plate_reader" else None
        return [] if refusal is None else [("MOVE_MODULE_INCOMPATIBLE", refusal, "read another labware")]

    def _onto_labware_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        if to.ref == act.labware or act.labware in self.places.stack_below(to.ref):
            return [
                (
                    "MOVE_ONTO_ITSELF",
                    f"{act.labware!r} cannot be moved onto itself or onto labware stacked on it",
                    "choose another destination",
                )
            ]
        held = self.places.stacked_on(to.ref)
        if held is not None:
            return [
                (
                    "DECK_SLOT_OCCUPIED",
                    f"step {act.step} moves {act.labware!r} onto {to.ref!r}, which carries {held!r} then",
                    f"move {held!r} away first",
                )
            ]
        top, bottom = self.deck.labware[act.labware].info, self.deck.labware[to.ref].info
        below = self.places.where[to.ref]
        refusal = stacking_refusal(top, bottom, bottom_on_module=below.kind == MODULE)
        if refusal is None and below.kind == LABWARE:
            stack = [to.ref, *self.places.stack_below(to.ref)]
            if sum(not self.deck.labware[i].info.is_adapter for i in stack) >= stack_limit(top):
                refusal = f"{top.load_name} may top a stack of at most {stack_limit(top)} labware"
        if refusal is None:
            return []
        hint = "move it onto an adapter or labware its definition lists, or into a slot"
        return [("MOVE_STACKING_INCOMPATIBLE", refusal, hint)]

    def _module_state_faults(self, act: a.MoveLabware, to: Place) -> list[Fault]:
        """A Thermocycler must be open, a Heater-Shaker's latch open, at both ends of a move."""
        faults: list[Fault] = []
        ends = [("from", self.places.module_of(act.labware))]
        dest = to if to.kind != LABWARE else self.places.base(to.ref)
        if dest.kind == MODULE:
            ends.append(("onto", self.deck.modules.get(dest.ref)))
        is_lid = self.deck.labware[act.labware].info.is_lid
        for side, mod in ends:
            if mod is None:
                continue
            st = self.modules[mod.id]
            if mod.info.type == "thermocycler" and st.lid is not LidState.OPEN:
                state = "closed" if st.lid is LidState.CLOSED else "not opened"
                faults.append(
                    (
                        "MOVE_THERMOCYCLER_LID_CLOSED",
                        f"{act.labware!r} is moved {side} thermocycler {mod.id!r}, whose lid is {state}",
                        f"add an open_lid step for {mod.id!r} before the move",
                    )
                )
            if mod.info.type == "heater_shaker" and st.latch is not LidState.OPEN and not is_lid:
                state = "closed" if st.latch is LidState.CLOSED else "not opened"
                faults.append(
                    (
                        "MOVE_HEATER_SHAKER_LATCH_CLOSED",
                        f"{act.labware!r} is moved {side} Heater-Shaker {mod.id!r}, whose labware latch is "
                        f"{state}",
                        f"add an open_latch step for {mod.id!r} before the move (close_latch after it)",
                    )
                )
        return faults

    # ---------------------------------------------------------------------------- after

    def _heat_after_move(self, act: a.MoveLabware) -> None:
        """Labware set down on a heated module: what it holds is heated from now on."""
        mod = self.places.module_of(act.labware)
        if mod is None:
            return
        target = self.modules[mod.id].target_c
        if target is None or target <= AMBIENT_C:
            return
        above = {i for i in self.places.where if act.labware in self.places.stack_below(i)}
        self._heat_labware(act, {act.labware, *above}, target, mod)
