"""The deck twin: a reducer that replays primitive actions over the state of the deck.

State (after Opentrons protocol_engine's substores, ``state``): wells (volume intervals
``[low, high]`` in uL, with composition), tips (in rack, attached, returned, dropped; what each
carried and where it has been), pipettes (attached tips, volume held), modules (temperature,
magnets, lid, shaking). The reducers live by concern (``tips``, ``liquids``, ``modules``);
``DeckTwin.apply(action)`` updates the state and records the issues it met, the mixing and
heating events for the safety pass and the measurements for chemistry twins.

Interval semantics (DESIGN.md, "The verifier"): a declared liquid is exact; in a protocol that
declares liquids, an undeclared well starts ``[0, 0]``; in a protocol that declares none, every
well starts ``[0, capacity]`` with unknown (hand-filled) contents. Capacity is the geometric
volume of the well; the nominal ``totalLiquidVolume`` is a label. ``load_liquid`` places the
declared liquids (see ``replay.initial_twin``). What real protocols rely on without saying it
(an undeclared source filled by hand, a refill during a pause, draining a well) is modelled in
``practice``; ``finish()`` judges what waits on the end of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.events import Exposure, MeasureEvent, MixEvent
from labwright.simulators.deck.layout import Deck
from labwright.simulators.deck.liquids import LiquidHandling
from labwright.simulators.deck.modules import ModuleHandling
from labwright.simulators.deck.moves import MoveHandling
from labwright.simulators.deck.nozzles import full_layout
from labwright.simulators.deck.placement import Places
from labwright.simulators.deck.practice import OperatorPractice
from labwright.simulators.deck.state import (
    AMBIENT_C,
    EPS,
    LidState,
    ModuleState,
    PipetteState,
    TipState,
    TipStatus,
    WellState,
    unknown_key,
)
from labwright.simulators.deck.tips import TipHandling

__all__ = [
    "AMBIENT_C",
    "EPS",
    "DeckTwin",
    "LidState",
    "ModuleState",
    "PipetteState",
    "TipState",
    "TipStatus",
    "WellState",
    "unknown_key",
]


_HANDLERS: dict[type, Callable[[DeckTwin, Any], None]] = {}


class DeckTwin(TipHandling, LiquidHandling, ModuleHandling, MoveHandling, OperatorPractice):
    """Replays actions over the deck state. One instance per replay; ``finish()`` after the
    last action judges what waited on the rest of the run (``practice``).

    ``declares_liquids``: whether the protocol declares any liquid; if not, every well starts
    hand-filled, ``[0, capacity]`` of unknown contents. ``liquid_names``: liquid id -> its
    identity (liquids of one name or CAS number are one liquid).
    """

    def __init__(
        self, deck: Deck, *, declares_liquids: bool, liquid_names: dict[str, str] | None = None
    ) -> None:
        self.deck = deck
        self.places = Places(deck)
        self.wells = {}
        self.tips = {}
        self.pipettes = {p: PipetteState(full_layout(info)) for p, info in deck.pipettes.items()}
        self.modules = {mid: ModuleState() for mid in deck.modules}
        for mid, mod in deck.modules.items():
            if mod.info.type == "heater_shaker" and deck.labware_on_module(mid):
                # the export closes the latch over labware loaded on a Heater-Shaker
                self.modules[mid].latch = LidState.CLOSED
        self.mixes = []
        self.heats = []
        self.measurements = []
        self.issues = []
        self.elapsed_s = 0.0
        self.timeline = []
        self.declares_liquids = declares_liquids
        self._hand_filled_noted = set()
        self._nominal_noted = set()
        self._rack_columns = {}
        self._fresh_from = {}
        self._channel_memo = {}
        self.pauses = []
        self.liquid_names = dict(liquid_names or {})
        self._moved_out = {}
        self._overdraws = []
        self._open_overdraws = {}
        self._carryovers = []
        self._taints = {}
        self._hand_filled = {}
        self._practice_noted = set()
        self._collision_noted = set()
        self._empty_deck()

    # ----------------------------------------------------------------------- initial state

    def _empty_deck(self) -> None:
        """Fresh tips in every rack; every well empty, or hand-filled when no liquid is declared."""
        for lw in self.deck.labware.values():
            for name, geo in lw.info.wells.items():
                ref = WellRef(lw.id, name)
                if lw.info.is_tiprack:
                    self.tips[ref] = TipState(id=str(ref), volume_ul=lw.info.tip_volume_ul or 1e9)
                elif self.declares_liquids:
                    self.wells[ref] = WellState(0.0, 0.0, geo.capacity_ul, geo.nominal_ul, True)
                else:
                    cap = geo.capacity_ul
                    self.wells[ref] = WellState(0.0, cap, cap, geo.nominal_ul, False, {unknown_key(ref): 0.0})
            if lw.info.is_tiprack:
                self._rack_columns[lw.id] = [
                    tuple(WellRef(lw.id, w) for w in col) for col in lw.info.ordering
                ]

    def load_liquid(self, liquid_id: str, wells: Iterable[WellRef], volume_ul: float, pointer: str) -> None:
        """Place a declared liquid before the first step (two liquids in one well meet here)."""
        for ref in wells:
            w = self.wells.get(ref)
            if w is None:
                continue
            w.low += volume_ul
            w.high += volume_ul
            w.declared = True
            w.amounts[liquid_id] = w.amounts.get(liquid_id, 0.0) + volume_ul
            if len(w.amounts) > 1:
                self.mixes.append(
                    MixEvent(
                        step=-1,
                        pointer="/liquids",
                        vessel=str(ref),
                        components=tuple(sorted(w.amounts)),
                        new=(liquid_id,),
                        volume_ul=w.high,
                        volume_low_ul=w.low,
                        at_s=self.elapsed_s,
                    )
                )
            if w.low > w.capacity + EPS:
                self._add(
                    finding(
                        "VOLUME_INITIAL_OVERFLOW",
                        "volume",
                        "error",
                        f"{liquid_id!r} puts {w.low:g} uL in {ref}, which holds at most {w.capacity:.0f} uL",
                        "declare a smaller initial volume or use a larger well",
                        pointer=pointer,
                        well=str(ref),
                    )
                )
                # reported once, here: the replay goes on with the well full, so that what
                # follows is not reported again as overflowing it
                for k in w.amounts:
                    w.amounts[k] *= w.capacity / w.low
                w.low = w.high = w.capacity

    # ------------------------------------------------------------------------------- apply

    def apply(self, act: a.Action) -> None:
        kind = type(act)
        handler = _HANDLERS.get(kind)
        if handler is None:  # the reducer of an action type is DeckTwin._on_<TypeName>
            handler = _HANDLERS[kind] = getattr(DeckTwin, f"_on_{kind.__name__}")
        blocked = self.places.unreachable()
        if blocked:  # some labware is off the deck or covered now: the action must not reach into it
            self._reaches_unreachable(act, blocked, before=True)
        handler(self, act)
        if blocked and kind is a.PickUpTip:
            self._reaches_unreachable(act, blocked, before=False)

    def _reaches_unreachable(self, act: a.Action, blocked: frozenset[str], *, before: bool) -> None:
        """An action in labware that is off the deck (or in the waste chute), LOCATION_OFF_DECK,
        or covered by other labware (a lid), LOCATION_COVERED. ``before``: the place the action
        names; after a pick-up of the next tip, the rack the twin took it from (Opentrons takes the
        next tip from the pipette's racks in order)."""
        if isinstance(act, a.MoveLabware):
            return  # a move carries labware; it does not reach into it
        if before:
            ref = getattr(act, "well", None) or getattr(act, "location", None)
            labware = ref.labware if ref is not None else getattr(act, "labware", None)
        else:
            if getattr(act, "location", None) is not None:
                return
            rack = self.pipettes[act.pipette].last_rack_well  # type: ignore[attr-defined]
            labware = rack.labware if rack is not None else None
        if labware not in blocked:
            return
        if labware in self.places.off_deck():
            code, where = "LOCATION_OFF_DECK", f"is {self.places.base(labware).describe()}"
            hint = f"move {labware!r} onto the deck (move_labware) before this step"
        else:
            code, where = "LOCATION_COVERED", f"is covered by {self.places.stacked_on(labware)!r}"
            hint = f"move {self.places.stacked_on(labware)!r} off {labware!r} (move_labware) before this step"
        self._add(
            finding(
                code,
                "location",
                "error",
                f"step {act.step} reaches into {labware!r}, which {where} at that point",
                hint,
                step=act.step,
                pointer=f"/steps/{act.step}",
            )
        )

    def run(self, acts: Iterable[a.Action]) -> None:
        for act in acts:
            self.apply(act)

    def _on_Wait(self, act: a.Wait) -> None:
        self._advance(act.seconds)
        if act.kind is a.WaitKind.PAUSE:
            self.on_pause(act)

    def _advance(self, seconds: float, shaking: tuple[str, float] | None = None) -> None:
        """Advance the clock; record what each module held meanwhile (temperature, shaking)."""
        start, end = self.elapsed_s, self.elapsed_s + seconds
        if seconds > 0:
            for mid, st in self.modules.items():
                rpm = shaking[1] if shaking is not None and shaking[0] == mid else None
                if st.target_c is not None or rpm:
                    self.timeline.append((start, end, mid, st.target_c, rpm))
        self.elapsed_s = end

    def _on_Measure(self, act: a.Measure) -> None:
        wells: dict[str, dict[str, float]] = {}
        vols: dict[str, tuple[float, float]] = {}
        for name in act.wells:
            w = self.wells.get(WellRef(act.labware, name))
            if w is None:
                continue
            wells[name] = dict(w.amounts)
            vols[name] = (w.low, w.high)
        mod = self.deck.module_of_labware(act.labware)
        segments = [s for s in self.timeline if mod is not None and s[2] == mod.id]
        arrived = _last_arrivals(self.mixes, act.labware)
        self.measurements.append(
            MeasureEvent(
                step=act.step,
                labware=act.labware,
                kind=act.kind,
                wavelength_nm=act.wavelength_nm,
                wells=wells,
                volumes=vols,
                elapsed_s=self.elapsed_s,
                exposures={
                    name: _exposures(segments, arrived.get(name, 0.0), self.elapsed_s) for name in wells
                },
            )
        )

    # ----------------------------------------------------------------------------- summary

    def snapshot(self) -> dict[str, Any]:
        return {
            "wells": {
                str(r): {"low": w.low, "high": w.high, "amounts": dict(w.amounts)}
                for r, w in self.wells.items()
                if w.high > EPS
            },
            "tips_used": sum(1 for t in self.tips.values() if t.status is not TipStatus.RACK),
        }


def _last_arrivals(mixes: list[MixEvent], labware: str) -> dict[str, float]:
    """Per well of ``labware``: the clock time the last new liquid arrived in it."""
    prefix = f"{labware}:"
    out: dict[str, float] = {}
    for ev in mixes:
        if ev.vessel.startswith(prefix) and ev.new:
            out[ev.vessel[len(prefix) :]] = ev.at_s
    return out


def _exposures(
    segments: list[tuple[float, float, str, float | None, float | None]], since: float, until: float
) -> tuple[Exposure, ...]:
    """The module's recorded conditions clipped to ``[since, until]``, gaps filled as ambient."""
    out: list[Exposure] = []
    t = since
    for start, end, _, celsius, rpm in segments:
        start, end = max(start, since), min(end, until)
        if end <= start:
            continue
        if start > t:
            out.append(Exposure(start_s=t, end_s=start))
        out.append(Exposure(start_s=start, end_s=end, celsius=celsius, rpm=rpm))
        t = end
    if until > t:
        out.append(Exposure(start_s=t, end_s=until))
    return tuple(out)
