"""The deck twin: a reducer that replays primitive actions over the state of the deck.

State (after Opentrons protocol_engine's substores): wells (volume intervals ``[low, high]`` in
uL, with composition), tips (in rack, attached, returned, dropped; what each carried and where
it has been), pipettes (attached tips, volume held), modules (temperature, magnets, lid,
shaking). ``DeckTwin.apply(action)`` updates the state and returns the issues it met; it records
mixing and heating events for the safety pass and measurements for chemistry twins.

Interval semantics (DESIGN.md, "The verifier"): a declared liquid is exact; in a protocol that
declares liquids, an undeclared well starts ``[0, 0]``; in a protocol that declares none, every
well starts ``[0, capacity]`` with unknown (hand-filled) contents. Capacity is the geometric
volume of the well; the nominal ``totalLiquidVolume`` is a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import WellRef
from labwright.protocols.models import Protocol
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.events import HeatEvent, MeasureEvent, MixEvent
from labwright.simulators.deck.layout import Deck

EPS = 1e-6
AMBIENT_C = 25.0


# (labware info, pipette, first well) -> the well under each nozzle; shipped definitions are
# cached objects, so a layout computed once serves every later replay. Keyed by id() because
# LabwareInfo holds dicts (unhashable); the entry keeps its LabwareInfo so the id stays its own.
# Custom labware makes new objects on every load: past _CHANNEL_LAYOUTS_MAX entries the cache
# starts over rather than grow in a long-running process.
_CHANNEL_LAYOUTS: dict[tuple[int, str, str], tuple[Any, tuple[str, ...], int]] = {}
_CHANNEL_LAYOUTS_MAX = 4096


def _layout_channels(lw: Any, info: Any, well: str) -> tuple[tuple[str, ...], int]:
    """Geometry: the well under each nozzle (from the definitions), and how many miss."""
    first = lw.wells[well]
    out: list[str] = []
    off_labware = 0
    offsets = list(info.nozzle_offsets)
    if "centerMultichannelOnWells" in lw.quirks:
        # reservoirs: Opentrons centres the nozzle array on the well, not the first nozzle
        cx = sum(o[0] for o in offsets) / len(offsets)
        cy = sum(o[1] for o in offsets) / len(offsets)
        offsets = [(dx - cx, dy - cy) for dx, dy in offsets]
    for dx, dy in offsets:
        name = lw.well_at(first.x + dx, first.y + dy)
        if name is None:
            off_labware += 1
        else:
            out.append(name)
    return tuple(out), off_labware


def unknown_key(ref: WellRef) -> str:
    """Composition key for the unknown, hand-filled contents of one well."""
    return f"?{ref.labware}:{ref.well}"


@dataclass
class WellState:
    low: float
    high: float
    capacity: float
    nominal: float
    known: bool  # False: hand-filled, contents unknown
    amounts: dict[str, float] = field(default_factory=dict)  # liquid key -> uL (best estimate)

    @property
    def keys(self) -> set[str]:
        return set(self.amounts)


@dataclass
class TipState:
    id: str  # "rack:A1"
    status: str = "rack"  # rack | attached | returned | dropped
    carried: set[str] = field(default_factory=set)  # every liquid this tip has held
    touched: set[WellRef] = field(default_factory=set)  # wells it has entered with liquid
    amounts: dict[str, float] = field(default_factory=dict)  # what it holds now

    @property
    def used(self) -> bool:
        return bool(self.carried)


@dataclass
class PipetteState:
    tips: list[TipState] = field(default_factory=list)
    low: float = 0.0  # per channel
    high: float = 0.0
    air: float = 0.0
    last_well: WellRef | None = None
    last_rack_well: WellRef | None = None


@dataclass
class ModuleState:
    target_c: float | None = None
    lid_target_c: float | None = None
    magnets_engaged: bool = False
    lid: str = "unknown"  # unknown | open | closed


class DeckTwin:
    """Replays actions over the deck state. One instance per replay."""

    def __init__(self, protocol: Protocol, deck: Deck, well_sets: dict[str, list[WellRef]] | None = None):
        self.deck = deck
        self.protocol = protocol
        self.wells: dict[WellRef, WellState] = {}
        self.tips: dict[WellRef, TipState] = {}
        self.pipettes: dict[str, PipetteState] = {p: PipetteState() for p in deck.pipettes}
        self.modules: dict[str, ModuleState] = {mid: ModuleState() for mid in deck.modules}
        self.mixes: list[MixEvent] = []
        self.heats: list[HeatEvent] = []
        self.measurements: list[MeasureEvent] = []
        self.issues: list[Finding] = []
        self.elapsed_s: float = 0.0
        self._declares_liquids = bool(protocol.liquids)
        self._hand_filled_noted: set[WellRef] = set()
        self._nominal_noted: set[WellRef] = set()  # VOLUME_ABOVE_NOMINAL once per well
        self._init_wells(well_sets or {})

    # ----------------------------------------------------------------------- initial state

    def _init_wells(self, well_sets: dict[str, list[WellRef]]) -> None:
        for lw in self.deck.labware.values():
            for name, geo in lw.info.wells.items():
                ref = WellRef(lw.id, name)
                if lw.info.is_tiprack:
                    self.tips[ref] = TipState(id=str(ref))
                    continue
                if self._declares_liquids:
                    self.wells[ref] = WellState(0.0, 0.0, geo.capacity_ul, geo.nominal_ul, True)
                else:
                    self.wells[ref] = WellState(
                        0.0,
                        geo.capacity_ul,
                        geo.capacity_ul,
                        geo.nominal_ul,
                        False,
                        {unknown_key(ref): 0.0},
                    )
        for li, liquid in enumerate(self.protocol.liquids):
            for key, refs in well_sets.items():
                if not key.startswith(f"{liquid.id}|"):
                    continue
                location = key.split("|", 1)[1]
                volume = liquid.initial_volumes_ul[location]
                for ref in refs:
                    w = self.wells.get(ref)
                    if w is None:
                        continue
                    w.low += volume
                    w.high += volume
                    w.amounts[liquid.id] = w.amounts.get(liquid.id, 0.0) + volume
                    if len(w.amounts) > 1:  # two liquids declared in one well meet here
                        self.mixes.append(
                            MixEvent(
                                step=-1,
                                pointer="/liquids",
                                vessel=str(ref),
                                components=tuple(sorted(w.amounts)),
                                new=(liquid.id,),
                                volume_ul=w.high,
                            )
                        )
                    if w.low > w.capacity + EPS:
                        self._add(
                            finding(
                                "VOLUME_INITIAL_OVERFLOW",
                                "volume",
                                "error",
                                f"{liquid.id!r} puts {w.low:g} uL in {ref}, "
                                f"which holds at most {w.capacity:.0f} uL",
                                "declare a smaller initial volume or use a larger well",
                                pointer=f"/liquids/{li}/initial_volumes_ul/"
                                + location.replace("~", "~0").replace("/", "~1"),
                                well=str(ref),
                            )
                        )

    # ---------------------------------------------------------------------------- helpers

    def _add(self, item: Finding) -> None:
        self.issues.append(item)

    def _channel_wells(self, pip: str, ref: WellRef, a_: a.Action, *, tips: bool = False) -> list[WellRef]:
        """The wells each channel of ``pip`` reaches when its first channel is at ``ref``."""
        info = self.deck.pipettes[pip]
        if info.channels == 1:
            return [ref]
        lw = self.deck.labware[ref.labware].info
        key = (id(lw), info.name, ref.well)
        cached = _CHANNEL_LAYOUTS.get(key)
        if cached is None or cached[0] is not lw:
            names, missing = _layout_channels(lw, info, ref.well)
            cached = (lw, names, missing)
            if len(_CHANNEL_LAYOUTS) >= _CHANNEL_LAYOUTS_MAX:
                _CHANNEL_LAYOUTS.clear()
            _CHANNEL_LAYOUTS[key] = cached
        _, names, off_labware = cached
        out = [WellRef(ref.labware, n) for n in names]
        if off_labware:
            self._add(
                finding(
                    "LOCATION_CHANNELS_OFF_LABWARE",
                    "location",
                    # a channel that is not over a well comes down on the labware's edge or the
                    # deck at the same height as the first: a collision, or liquid on the deck
                    "error",
                    f"with its first channel at {ref}, {off_labware} of the {info.channels} channels of "
                    f"{pip!r} are not over a well of {ref.labware!r}",
                    "target row A (the first well of a column) with a multi-channel pipette",
                    step=a_.step,
                    pointer=a_.pointer,
                    well=str(ref),
                )
            )
        return out

    def _check_depth(self, a_: a.Aspirate | a.Dispense, kind: str) -> bool:
        """Location check; returns True when the tip is at or above the top (air, not liquid)."""
        geo = self.deck.labware[a_.well.labware].info.wells[a_.well.well]
        if a_.position == "bottom":
            z = a_.offset_mm
        elif a_.position == "top":
            z = geo.depth + a_.offset_mm
        else:
            z = geo.depth / 2 + a_.offset_mm
        if z < -EPS:
            self._add(
                finding(
                    "LOCATION_BELOW_BOTTOM",
                    "location",
                    "error",
                    f"{kind} at {a_.well} goes {-z:.2f} mm below the well bottom "
                    f"({a_.position} {a_.offset_mm:+g} mm in a {geo.depth:g} mm deep well)",
                    "use a height at or above the bottom, e.g. bottom + 1 mm",
                    step=a_.step,
                    pointer=a_.pointer,
                    z_mm=z,
                )
            )
        return z >= geo.depth - EPS

    def _module_blocks_pipetting(self, ref: WellRef, a_: a.Action) -> None:
        mod = self.deck.module_of_labware(ref.labware)
        if mod is None:
            return
        st = self.modules[mod.id]
        if mod.info.type == "thermocycler" and st.lid == "closed":
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

    def _pipette_ready(self, pip: str, a_: a.Action, what: str) -> PipetteState | None:
        st = self.pipettes[pip]
        if not st.tips:
            self._add(
                finding(
                    "TIP_MISSING",
                    "tip",
                    "error",
                    f"{pip!r} must {what} but has no tip attached",
                    "add a pick_up_tip step before it (or new_tip: once)",
                    step=a_.step,
                    pointer=a_.pointer,
                )
            )
            # carry on with a stand-in tip: one missing pick-up is one finding, and the steps
            # after it are still checked (volumes, wells) instead of each repeating TIP_MISSING
            st.tips = [
                TipState(id=f"{pip}:no-tip#{i}", status="attached")
                for i in range(self.deck.pipettes[pip].channels)
            ]
            st.low = st.high = st.air = 0.0
        return st

    # ------------------------------------------------------------------------------- apply

    def apply(self, act: a.Action) -> None:
        handler = getattr(self, f"_on_{type(act).__name__}")
        handler(act)

    def run(self, acts: list[a.Action]) -> None:
        for act in acts:
            self.apply(act)

    # tips -----------------------------------------------------------------------------

    def _next_tips(self, pip: str, channels: int) -> list[WellRef] | None:
        for rack in self.deck.tipracks.get(pip, []):
            info = self.deck.labware[rack].info
            for column in info.ordering:
                if channels == 1:
                    for w in column:
                        if self.tips[WellRef(rack, w)].status == "rack":
                            return [WellRef(rack, w)]
                else:
                    refs = [WellRef(rack, w) for w in column]
                    if len(refs) >= channels and all(self.tips[r].status == "rack" for r in refs):
                        return refs[:channels]
        return None

    def _on_PickUpTip(self, act: a.PickUpTip) -> None:
        st = self.pipettes[act.pipette]
        info = self.deck.pipettes[act.pipette]
        if st.tips:
            self._add(
                finding(
                    "TIP_ALREADY_ATTACHED",
                    "tip",
                    "error",
                    f"{act.pipette!r} picks up a tip while it still holds one",
                    "drop or return the tip first",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            # the intent is a fresh tip: replay as if the old one had been dropped, so the
            # steps after it are not reported again as contamination by the old tip
            for tip in st.tips:
                tip.status = "dropped"
                tip.amounts = {}
            st.tips, st.low, st.high, st.air = [], 0.0, 0.0, 0.0
        if act.location is None:
            refs = self._next_tips(act.pipette, info.channels)
            if refs is None:
                racks = self.deck.tipracks.get(act.pipette, [])
                if act.pipette not in self.deck.tipracks_incomplete:
                    self._add(
                        finding(
                            "TIP_RACK_EMPTY",
                            "tip",
                            "error",
                            f"{act.pipette!r} has no fresh tips left in {racks or 'any tip rack'}",
                            "add another tip rack to the pipette's tip_racks, "
                            "or reuse tips with new_tip: once",
                            step=act.step,
                            pointer=act.pointer,
                        )
                    )
                # carry on with a stand-in tip so later steps are still checked
                st.tips = [
                    TipState(id=f"{act.pipette}:no-tip-left#{i}", status="attached")
                    for i in range(info.channels)
                ]
                st.low = st.high = st.air = 0.0
                return
        else:
            if (
                act.location.labware not in self.deck.labware
                or not self.deck.labware[act.location.labware].info.is_tiprack
            ):
                self._add(
                    finding(
                        "TIPRACK_NOT_A_TIPRACK",
                        "reference",
                        "error",
                        f"{act.location} is not in a tip rack",
                        "pick up tips from a tip rack",
                        step=act.step,
                        pointer=act.pointer,
                    )
                )
                return
            refs = self._channel_wells(act.pipette, act.location, act, tips=True)
        tips: list[TipState] = []
        reported_dropped = False
        for ref in refs:
            tip = self.tips[ref]
            if tip.status == "dropped":
                if not reported_dropped:  # one finding per pick-up, not one per channel
                    reported_dropped = True
                    self._add(
                        finding(
                            "TIP_PICKED_AFTER_DROP",
                            "tip",
                            "error",
                            f"{act.pipette!r} picks up the tip at {ref}, "
                            "which was dropped in the trash earlier",
                            "pick up a fresh tip (omit the location to take the next one)",
                            step=act.step,
                            pointer=act.pointer,
                            tip=str(ref),
                        )
                    )
                # the intent is a tip: replay on as if it were fresh, so what it carried before
                # is not reported again as cross-contamination of the next source
                tip.carried, tip.touched, tip.amounts = set(), set(), {}
            if tip.status == "attached":
                self._add(
                    finding(
                        "TIP_WELL_EMPTY",
                        "tip",
                        "error",
                        f"the tip at {ref} is already on a pipette",
                        "pick up another tip",
                        step=act.step,
                        pointer=act.pointer,
                    )
                )
                return
            tips.append(tip)
        for tip in tips:
            tip.status = "attached"
        st.tips, st.low, st.high, st.air = tips, 0.0, 0.0, 0.0
        st.last_rack_well = refs[0]

    def _release(self, act: a.Action, status: str) -> None:
        st = self.pipettes[act.pipette]  # type: ignore[attr-defined]
        verb = "drop" if status == "dropped" else "return"
        if not st.tips:
            self._add(
                finding(
                    "TIP_MISSING",
                    "tip",
                    "error",
                    f"{act.pipette!r} has no tip to {verb}",  # type: ignore[attr-defined]
                    "remove this step or pick up a tip before it",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            return
        for tip in st.tips:
            tip.status = status
            tip.amounts = {}
        st.tips, st.low, st.high, st.air = [], 0.0, 0.0, 0.0

    def _on_DropTip(self, act: a.DropTip) -> None:
        if act.location is not None:
            self._release(act, "returned")
        else:
            self._release(act, "dropped")

    def _on_ReturnTip(self, act: a.ReturnTip) -> None:
        self._release(act, "returned")

    # liquid ----------------------------------------------------------------------------

    def _on_Aspirate(self, act: a.Aspirate) -> None:
        st = self._pipette_ready(act.pipette, act, "aspirate")
        if st is None:
            return
        info = self.deck.pipettes[act.pipette]
        tip_cap = min([info.max_volume_ul, *[self._tip_volume(t) for t in st.tips]])
        if st.high + st.air + act.volume_ul > tip_cap + EPS:
            over_pipette = st.high + st.air + act.volume_ul > info.max_volume_ul + EPS
            self._add(
                finding(
                    "PIPETTE_VOLUME_ABOVE_MAX" if over_pipette else "TIP_CAPACITY_EXCEEDED",
                    "pipette" if over_pipette else "tip",
                    "error",
                    f"{act.pipette!r} would hold {st.high + st.air + act.volume_ul:g} uL; "
                    + (
                        f"{info.name} takes at most {info.max_volume_ul:g} uL"
                        if over_pipette
                        else f"its tips hold at most {tip_cap:g} uL"
                    ),
                    "split the volume (a transfer step splits it for you) or use a larger pipette",
                    step=act.step,
                    pointer=act.pointer,
                    volume_ul=act.volume_ul,
                )
            )
            # carry on as if the volume had been drawn, so the dispense that follows is not
            # reported again as dispensing more than the tip holds
        if act.well not in self.wells:
            # a well that did not resolve (reported by the reference pass): the pipette now
            # holds an unknown amount, up to the volume, so the dispense after it is checked
            # with interval semantics rather than reported as dispensing from an empty tip
            st.high += act.volume_ul
            st.last_well = act.well
            return
        self._module_blocks_pipetting(act.well, act)
        is_air = self._check_depth(act, "aspirate")
        if is_air:
            st.air += act.volume_ul
            return
        if act.volume_ul > EPS and act.volume_ul < info.min_volume_ul - EPS:
            self._add(
                finding(
                    "PIPETTE_VOLUME_BELOW_MIN",
                    "pipette",
                    "warning",
                    f"{act.volume_ul:g} uL is below the {info.min_volume_ul:g} uL minimum of {info.name}",
                    "use a smaller pipette or a larger volume",
                    step=act.step,
                    pointer=act.pointer,
                    volume_ul=act.volume_ul,
                )
            )
        targets = self._channel_wells(act.pipette, act.well, act)
        pairs = list(zip(st.tips, targets, strict=False))
        # each channel draws act.volume from the well under it; one well may serve many channels
        per_well: dict[WellRef, int] = {}
        for _, ref in pairs:
            per_well[ref] = per_well.get(ref, 0) + 1
        for tip, ref in pairs:
            self._contamination_check(act, st, tip, ref)
        drawn_by_well: dict[WellRef, dict[str, float]] = {}
        for ref, count in per_well.items():
            w = self.wells[ref]
            need = act.volume_ul * count
            if need > w.high + EPS:
                self._add(
                    finding(
                        "VOLUME_ASPIRATE_EXCEEDS_WELL",
                        "volume",
                        "error",
                        f"aspirating {need:g} uL from {ref}, which holds at most {w.high:g} uL"
                        + (f" ({count} channels x {act.volume_ul:g} uL)" if count > 1 else ""),
                        "aspirate less, or fill the well first (declare it under liquids)",
                        step=act.step,
                        pointer=act.pointer,
                        well=str(ref),
                        volume_ul=need,
                        available_ul=w.high,
                    )
                )
            elif need > w.low + EPS:
                if w.known:
                    self._add(
                        finding(
                            "VOLUME_ASPIRATE_MAY_EXCEED",
                            "volume",
                            "warning",
                            f"aspirating {need:g} uL from {ref}, which may hold as little as {w.low:g} uL",
                            "check the volumes reaching this well",
                            step=act.step,
                            pointer=act.pointer,
                            well=str(ref),
                        )
                    )
                elif ref not in self._hand_filled_noted:
                    self._hand_filled_noted.add(ref)
                    self._add(
                        finding(
                            "VOLUME_HAND_FILLED_ASSUMED",
                            "volume",
                            "info",
                            f"{ref} is assumed filled by hand (no liquids are declared)",
                            "declare liquids to have volumes checked exactly",
                            step=act.step,
                            pointer=act.pointer,
                            well=str(ref),
                        )
                    )
            drawn_by_well[ref] = {k: v / count for k, v in _take(w, need).items()}
            w.low = max(w.low - need, 0.0)
            w.high = max(w.high - need, 0.0)
        for tip, ref in pairs:
            before = set(tip.carried)
            share = drawn_by_well[ref]  # this channel's part of what its own well gave
            keys = set(self.wells[ref].amounts) | set(share)
            for k in keys:
                tip.amounts[k] = tip.amounts.get(k, 0.0) + share.get(k, 0.0)
            tip.carried |= keys
            tip.touched.add(ref)
            new = tuple(sorted(tip.carried - before))
            if new and before:
                self.mixes.append(
                    MixEvent(
                        step=act.step,
                        pointer=act.pointer,
                        vessel=f"tip:{tip.id}",
                        components=tuple(sorted(tip.carried)),
                        new=new,
                    )
                )
        st.low += act.volume_ul
        st.high += act.volume_ul
        st.last_well = act.well

    def _contamination_check(self, act: a.Aspirate, st: PipetteState, tip: TipState, ref: WellRef) -> None:
        """A used tip entering the well under it (its own channel's well only)."""
        w = self.wells[ref]
        if not tip.carried or ref in tip.touched or act.pooling or st.high > EPS:
            return
        foreign = tip.carried - w.keys
        if not foreign:
            return
        # carry-over: the residue on the tip enters this source
        before = set(w.amounts)
        for k in foreign:
            w.amounts.setdefault(k, 0.0)
        self.mixes.append(
            MixEvent(
                step=act.step,
                pointer=act.pointer,
                vessel=str(ref),
                components=tuple(sorted(w.amounts)),
                new=tuple(sorted(foreign)),
                volume_ul=w.high,
            )
        )
        names = ", ".join(sorted(foreign))
        if w.low > EPS or (w.known and w.high > EPS):
            self._add(
                finding(
                    "TIP_CROSS_CONTAMINATION",
                    "tip",
                    "error",
                    f"a used tip ({tip.id}) carrying {names} enters {ref}, "
                    f"a source of {', '.join(sorted(before)) or 'other liquid'}",
                    "use a new tip for this source (new_tip: always, or pick_up_tip before it)",
                    step=act.step,
                    pointer=act.pointer,
                    well=str(ref),
                    tip=tip.id,
                    carried=sorted(foreign),
                )
            )
        else:
            self._add(
                finding(
                    "TIP_POSSIBLE_CONTAMINATION",
                    "tip",
                    "warning",
                    f"a used tip ({tip.id}) carrying {names} enters {ref}, "
                    "whose hand-filled contents are unknown",
                    "use a new tip unless this well holds the same liquid",
                    step=act.step,
                    pointer=act.pointer,
                    well=str(ref),
                    tip=tip.id,
                )
            )

    def _on_Dispense(self, act: a.Dispense) -> None:
        st = self._pipette_ready(act.pipette, act, "dispense")
        if st is None:
            return
        if act.well not in self.wells:
            # unresolved well (already reported): the liquid leaves the pipette all the same
            st.low = max(st.low - act.volume_ul, 0.0)
            st.high = max(st.high - act.volume_ul, 0.0)
            st.air = max(st.air - act.volume_ul, 0.0)
            return
        self._module_blocks_pipetting(act.well, act)
        self._check_depth(act, "dispense")
        air_out = min(st.air, act.volume_ul)
        liquid = act.volume_ul - air_out
        st.air -= air_out
        if liquid > st.high + EPS:
            self._add(
                finding(
                    "VOLUME_DISPENSE_EXCEEDS_TIP",
                    "volume",
                    "error",
                    f"dispensing {liquid:g} uL but {act.pipette!r} holds at most {st.high:g} uL",
                    "aspirate enough first, or dispense less",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            liquid = st.high
        liquid_low = min(liquid, st.low)
        targets = self._channel_wells(act.pipette, act.well, act)
        for tip, ref in zip(st.tips, targets, strict=False):
            w = self.wells[ref]
            geo_cap = w.capacity
            new_low, new_high = w.low + liquid_low, w.high + liquid
            if new_low > geo_cap + EPS:
                self._add(
                    finding(
                        "VOLUME_WELL_OVERFLOW",
                        "volume",
                        "error",
                        f"{ref} would hold at least {new_low:g} uL; the well holds {geo_cap:.0f} uL "
                        f"(nominal {w.nominal:g} uL)",
                        "dispense less or use a larger well",
                        step=act.step,
                        pointer=act.pointer,
                        well=str(ref),
                        volume_ul=new_low,
                        capacity_ul=geo_cap,
                    )
                )
            elif new_high > geo_cap + EPS and w.known:
                self._add(
                    finding(
                        "VOLUME_WELL_MAY_OVERFLOW",
                        "volume",
                        "warning",
                        f"{ref} may reach {new_high:g} uL, more than the {geo_cap:.0f} uL it holds",
                        "check the volumes reaching this well",
                        step=act.step,
                        pointer=act.pointer,
                        well=str(ref),
                    )
                )
            elif new_low > w.nominal + EPS and w.low <= w.nominal + EPS and ref not in self._nominal_noted:
                self._nominal_noted.add(ref)
                self._add(
                    finding(
                        "VOLUME_ABOVE_NOMINAL",
                        "volume",
                        "warning",
                        f"{ref} reaches {new_low:g} uL, past its nominal {w.nominal:g} uL "
                        f"(geometric capacity {geo_cap:.0f} uL)",
                        "fine for many plates; check the well will not spill when moved or shaken",
                        step=act.step,
                        pointer=act.pointer,
                        well=str(ref),
                    )
                )
            before = set(w.amounts)
            held = sum(tip.amounts.values())
            frac = 0.0 if held <= EPS else min(liquid / held, 1.0)
            for k, v in list(tip.amounts.items()):
                moved = v * frac
                w.amounts[k] = w.amounts.get(k, 0.0) + moved
                tip.amounts[k] = v - moved
            for k in tip.carried:
                w.amounts.setdefault(k, 0.0)
            w.low, w.high = new_low, min(new_high, geo_cap) if not w.known else new_high
            tip.touched.add(ref)
            new = tuple(sorted(set(w.amounts) - before))
            if new:
                self.mixes.append(
                    MixEvent(
                        step=act.step,
                        pointer=act.pointer,
                        vessel=str(ref),
                        components=tuple(sorted(w.amounts)),
                        new=new,
                        volume_ul=w.high,
                    )
                )
                self._heat_on_arrival(ref, act)
        st.low = max(st.low - liquid, 0.0)
        st.high = max(st.high - liquid, 0.0)
        st.last_well = act.well

    def _tip_volume(self, tip: TipState) -> float:
        rack = tip.id.split(":")[0]
        lw = self.deck.labware.get(rack)
        return (lw.info.tip_volume_ul if lw else None) or 1e9

    def _on_BlowOut(self, act: a.BlowOut) -> None:
        st = self._pipette_ready(act.pipette, act, "blow out")
        if st is None:
            return
        if act.well is not None and st.high > EPS and act.well in self.wells:
            self._on_Dispense(a.Dispense(act.step, act.pointer, act.pipette, st.high, act.well, "top", 0.0))
        st.low = st.high = st.air = 0.0
        for tip in st.tips:
            tip.amounts = {}

    def _on_TouchTip(self, act: a.TouchTip) -> None:
        self._pipette_ready(act.pipette, act, "touch the tip")

    def _on_AirGap(self, act: a.AirGap) -> None:
        st = self._pipette_ready(act.pipette, act, "take an air gap")
        if st is None:
            return
        info = self.deck.pipettes[act.pipette]
        cap = min([info.max_volume_ul, *[self._tip_volume(t) for t in st.tips]])
        if st.high + st.air + act.volume_ul > cap + EPS:
            self._add(
                finding(
                    "TIP_CAPACITY_EXCEEDED",
                    "tip",
                    "error",
                    f"an air gap of {act.volume_ul:g} uL does not fit: "
                    f"the tip already holds {st.high + st.air:g} of {cap:g} uL",
                    "use a smaller air gap or a smaller volume",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            # carry on as if taken: the dispense that pushes it out is not reported again
        st.air += act.volume_ul

    # modules ---------------------------------------------------------------------------

    def _on_ModuleAction(self, act: a.ModuleAction) -> None:
        mod = self.deck.modules.get(act.module)
        if mod is None:
            return
        st = self.modules[act.module]
        info = mod.info
        kind = act.kind
        if kind == "set_temperature":
            if act.target == "lid":
                st.lid_target_c = act.value
            else:
                st.target_c = act.value
                if act.value is not None and act.value > AMBIENT_C:
                    for lw in self.deck.labware_on_module(act.module):
                        for ref, w in self.wells.items():
                            if ref.labware == lw.id and w.amounts and (w.high > EPS):
                                self.heats.append(
                                    HeatEvent(
                                        step=act.step,
                                        pointer=act.pointer,
                                        vessel=str(ref),
                                        celsius=act.value,
                                        components=tuple(sorted(w.amounts)),
                                        device=info.type,
                                        amounts_ul=dict(w.amounts) or None,
                                    )
                                )
        elif kind == "deactivate":
            st.target_c = st.lid_target_c = None
        elif kind == "engage":
            st.magnets_engaged = True
        elif kind == "disengage":
            st.magnets_engaged = False
        elif kind == "shake":
            self.elapsed_s += act.seconds or 0.0
        elif kind == "open_lid":
            st.lid = "open"
        elif kind == "close_lid":
            st.lid = "closed"

    def _heat_on_arrival(self, ref: WellRef, act: a.Action) -> None:
        mod = self.deck.module_of_labware(ref.labware)
        if mod is None:
            return
        target = self.modules[mod.id].target_c
        if target is not None and target > AMBIENT_C:
            w = self.wells[ref]
            self.heats.append(
                HeatEvent(
                    step=act.step,
                    pointer=act.pointer,
                    vessel=str(ref),
                    celsius=target,
                    components=tuple(sorted(w.amounts)),
                    device=mod.info.type,
                    amounts_ul=dict(w.amounts) or None,
                )
            )

    # other -----------------------------------------------------------------------------

    def _on_Wait(self, act: a.Wait) -> None:
        self.elapsed_s += act.seconds

    def _on_Measure(self, act: a.Measure) -> None:
        wells: dict[str, dict[str, float]] = {}
        vols: dict[str, tuple[float, float]] = {}
        for name in act.wells:
            w = self.wells.get(WellRef(act.labware, name))
            if w is None:
                continue
            wells[name] = dict(w.amounts)
            vols[name] = (w.low, w.high)
        self.measurements.append(
            MeasureEvent(
                step=act.step,
                labware=act.labware,
                kind=act.kind,
                wavelength_nm=act.wavelength_nm,
                wells=wells,
                volumes=vols,
            )
        )

    # summary ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "wells": {
                str(r): {"low": w.low, "high": w.high, "amounts": dict(w.amounts)}
                for r, w in self.wells.items()
                if w.high > EPS
            },
            "tips_used": sum(1 for t in self.tips.values() if t.status != "rack"),
        }


def _take(w: WellState, volume: float) -> dict[str, float]:
    """Remove ``volume`` from the well's amounts in proportion; return what was taken."""
    total = sum(w.amounts.values())
    taken: dict[str, float] = {}
    if total <= EPS:
        return {k: 0.0 for k in w.amounts}
    frac = min(volume / total, 1.0)
    for k, v in w.amounts.items():
        taken[k] = v * frac
        w.amounts[k] = v - v * frac
    return taken
