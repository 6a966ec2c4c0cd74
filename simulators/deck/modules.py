"""The deck twin's module reducer: temperatures, magnets, lids, latches and shaking, the heating
events the safety pass reads, and the lid that blocks pipetting. The module under a labware is
the one it stands on now (``places``): a move takes its liquid onto or off a heated module."""

from __future__ import annotations

from collections.abc import Callable

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.events import HeatEvent
from labwright.simulators.deck.layout import PlacedModule
from labwright.simulators.deck.state import AMBIENT_C, EPS, LidState, ModuleState, TwinState


class ModuleHandling(TwinState):
    def _module_blocks_pipetting(self, ref: WellRef, a_: a.Action) -> None:
        mod = self.places.module_of(ref.labware)
        if mod is None:
            return
        if mod.info.type == "thermocycler" and self.modules[mod.id].lid is LidState.CLOSED:
            self._add(
                finding(
                    "LOCATION_LID_CLOSED",
                    "location",
                    "error",
                    f"the thermocycler lid is closed over {ref.labware!r} at {ref}",
                    "add an open_lid step before pipetting",
                    step=a_.step,
                    pointer=a_.pointer,
                )
            )

    def _on_ModuleAction(self, act: a.ModuleAction) -> None:
        mod = self.deck.modules.get(act.module)
        if mod is None:
            return
        _MODULE_REDUCERS[act.kind](self, act, mod, self.modules[act.module])

    def _set_temperature(self, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
        if act.target == "lid":
            st.lid_target_c = act.value
            return
        st.target_c = act.value
        if act.value is None or act.value <= AMBIENT_C:
            return
        self._heat_labware(act, set(self.places.on_module(act.module)), act.value, mod)

    def _heat_labware(self, act: a.Action, labware: set[str], celsius: float, mod: PlacedModule) -> None:
        """Heating events for the wells with liquid of ``labware`` on a heated module."""
        for ref, w in self.wells.items():
            if ref.labware in labware and w.amounts and (w.high > EPS):
                self._heat(act, ref, celsius, mod)

    def _heat_on_arrival(self, ref: WellRef, act: a.Action) -> None:
        mod = self.places.module_of(ref.labware)
        if mod is None:
            return
        target = self.modules[mod.id].target_c
        if target is not None and target > AMBIENT_C:
            self._heat(act, ref, target, mod)

    def _heat(self, act: a.Action, ref: WellRef, celsius: float, mod: PlacedModule) -> None:
        w = self.wells[ref]
        self.heats.append(
            HeatEvent(
                step=act.step,
                pointer=act.pointer,
                vessel=str(ref),
                celsius=celsius,
                components=tuple(sorted(w.amounts)),
                device=mod.info.type,
                amounts_ul=dict(w.amounts) or None,
            )
        )


def _deactivate(twin: ModuleHandling, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
    st.target_c = st.lid_target_c = None


def _magnets(engaged: bool) -> Callable[[ModuleHandling, a.ModuleAction, PlacedModule, ModuleState], None]:
    def reduce(twin: ModuleHandling, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
        st.magnets_engaged = engaged

    return reduce


def _lid(state: LidState) -> Callable[[ModuleHandling, a.ModuleAction, PlacedModule, ModuleState], None]:
    def reduce(twin: ModuleHandling, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
        st.lid = state

    return reduce


def _latch(state: LidState) -> Callable[[ModuleHandling, a.ModuleAction, PlacedModule, ModuleState], None]:
    def reduce(twin: ModuleHandling, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
        st.latch = state

    return reduce


def _shake(twin: ModuleHandling, act: a.ModuleAction, mod: PlacedModule, st: ModuleState) -> None:
    # the latch holds the plate while it shakes (the export closes it before shaking)
    st.latch = LidState.CLOSED
    twin._advance(act.seconds or 0.0, (act.module, act.value or 0.0))


_MODULE_REDUCERS: dict[
    a.ModuleOp, Callable[[ModuleHandling, a.ModuleAction, PlacedModule, ModuleState], None]
] = {
    a.ModuleOp.SET_TEMPERATURE: ModuleHandling._set_temperature,
    a.ModuleOp.DEACTIVATE: _deactivate,
    a.ModuleOp.ENGAGE: _magnets(True),
    a.ModuleOp.DISENGAGE: _magnets(False),
    a.ModuleOp.SHAKE: _shake,
    a.ModuleOp.OPEN_LID: _lid(LidState.OPEN),
    a.ModuleOp.CLOSE_LID: _lid(LidState.CLOSED),
    a.ModuleOp.OPEN_LATCH: _latch(LidState.OPEN),
    a.ModuleOp.CLOSE_LATCH: _latch(LidState.CLOSED),
}
