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
declared liquids (see ``replay.initial_twin``).
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


class DeckTwin(TipHandling, LiquidHandling, ModuleHandling):
    """Replays actions over the deck state. One instance per replay.

    ``declares_liquids``: whether the protocol declares any liquid; if not, every well starts
    hand-filled, ``[0, capacity]`` of unknown contents.
    """

    def __init__(self, deck: Deck, *, declares_liquids: bool) -> None:
        self.deck = deck
        self.wells = {}
        self.tips = {}
        self.pipettes = {p: PipetteState() for p in deck.pipettes}
        self.modules = {mid: ModuleState() for mid in deck.modules}
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

    # ------------------------------------------------------------------------------- apply

    def apply(self, act: a.Action) -> None:
        kind = type(act)
        handler = _HANDLERS.get(kind)
        if handler is None:  # the reducer of an action type is DeckTwin._on_<TypeName>
            handler = _HANDLERS[kind] = getattr(DeckTwin, f"_on_{kind.__name__}")
        handler(self, act)

    def run(self, acts: Iterable[a.Action]) -> None:
        for act in acts:
            self.apply(act)

    def _on_Wait(self, act: a.Wait) -> None:
        self._advance(act.seconds)

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
