"""The deck twin's liquid reducer: aspirate, dispense, blow-out, air gap and touch tip over
interval volumes, with the composition of every well and tip and the mixing events."""

from __future__ import annotations

from typing import Any

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.events import MixEvent
from labwright.simulators.deck.state import EPS, PipetteState, TipState, TwinState, WellState

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


class LiquidHandling(TwinState):
    # geometry ---------------------------------------------------------------------------

    def _channel_wells(self, pip: str, ref: WellRef, a_: a.Action, *, tips: bool = False) -> list[WellRef]:
        """The wells each channel of ``pip`` reaches when its first channel is at ``ref``."""
        info = self.deck.pipettes[pip]
        if info.channels == 1:
            return [ref]
        memo = self._channel_memo.get((pip, ref))
        if memo is None:
            memo = self._channel_memo[(pip, ref)] = self._channel_layout(pip, ref)
        wells, off_labware = memo
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
        return wells

    def _channel_layout(self, pip: str, ref: WellRef) -> tuple[list[WellRef], int]:
        """The wells under the nozzles of ``pip`` at ``ref``, and how many nozzles miss."""
        info = self.deck.pipettes[pip]
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
        return [WellRef(ref.labware, n) for n in names], off_labware

    def _check_depth(self, a_: a.Aspirate | a.Dispense, kind: str) -> bool:
        """Location check; returns True when the tip is at or above the top (air, not liquid)."""
        geo = self.deck.labware[a_.well.labware].info.wells[a_.well.well]
        if a_.position == a.Position.BOTTOM:
            z = a_.offset_mm
        elif a_.position == a.Position.TOP:
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

    def _tip_capacity(self, pip: str, st: PipetteState) -> float:
        cap = self.deck.pipettes[pip].max_volume_ul
        for t in st.tips:
            if t.volume_ul < cap:
                cap = t.volume_ul
        return cap

    # aspirate ---------------------------------------------------------------------------

    def _on_Aspirate(self, act: a.Aspirate) -> None:
        st = self._pipette_ready(act.pipette, act, "aspirate")
        # past a capacity finding, carry on as if the volume had been drawn, so the dispense
        # that follows is not reported again as dispensing more than the tip holds
        self._check_tip_room(act, st)
        if act.well not in self.wells:
            # a well that did not resolve (reported by the reference pass): the pipette now
            # holds an unknown amount, up to the volume, so the dispense after it is checked
            # with interval semantics rather than reported as dispensing from an empty tip
            st.high += act.volume_ul
            st.last_well = act.well
            return
        self._module_blocks_pipetting(act.well, act)
        if self._check_depth(act, "aspirate"):
            st.air += act.volume_ul
            return
        self._check_min_volume(act)
        pairs = list(zip(st.tips, self._channel_wells(act.pipette, act.well, act), strict=False))
        if len(pairs) == 1:  # one channel: no per-well bookkeeping
            tip, ref = pairs[0]
            self._contamination_check(act, st, tip, ref)
            self._load_tip(act, tip, ref, self._draw(act, ref, 1))
            st.low += act.volume_ul
            st.high += act.volume_ul
            st.last_well = act.well
            return
        for tip, ref in pairs:
            self._contamination_check(act, st, tip, ref)
        # each channel draws act.volume from the well under it; one well may serve many channels
        per_well: dict[WellRef, int] = {}
        for _, ref in pairs:
            per_well[ref] = per_well.get(ref, 0) + 1
        drawn = {ref: self._draw(act, ref, count) for ref, count in per_well.items()}
        for tip, ref in pairs:
            self._load_tip(act, tip, ref, drawn[ref])
        st.low += act.volume_ul
        st.high += act.volume_ul
        st.last_well = act.well

    def _check_tip_room(self, act: a.Aspirate, st: PipetteState) -> None:
        info = self.deck.pipettes[act.pipette]
        tip_cap = self._tip_capacity(act.pipette, st)
        total = st.high + st.air + act.volume_ul
        if total <= tip_cap + EPS:
            return
        over_pipette = total > info.max_volume_ul + EPS
        self._add(
            finding(
                "PIPETTE_VOLUME_ABOVE_MAX" if over_pipette else "TIP_CAPACITY_EXCEEDED",
                "pipette" if over_pipette else "tip",
                "error",
                f"{act.pipette!r} would hold {total:g} uL; "
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

    def _check_min_volume(self, act: a.Aspirate) -> None:
        info = self.deck.pipettes[act.pipette]
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

    def _draw(self, act: a.Aspirate, ref: WellRef, count: int) -> dict[str, float]:
        """Draw ``count`` channels' volume from one well; return one channel's share."""
        w = self.wells[ref]
        need = act.volume_ul * count
        if need > min(w.low, w.high) + EPS:
            self._check_available(act, ref, w, need, count)
        taken = w.take(need)
        share = taken if count == 1 else {k: v / count for k, v in taken.items()}  # v / 1 == v
        w.low = max(w.low - need, 0.0)
        w.high = max(w.high - need, 0.0)
        return share

    def _check_available(self, act: a.Aspirate, ref: WellRef, w: WellState, need: float, count: int) -> None:
        data = {"step": act.step, "pointer": act.pointer, "well": str(ref)}
        if need > w.high + EPS:
            self._add(
                finding(
                    "VOLUME_ASPIRATE_EXCEEDS_WELL",
                    "volume",
                    "error",
                    f"aspirating {need:g} uL from {ref}, which holds at most {w.high:g} uL"
                    + (f" ({count} channels x {act.volume_ul:g} uL)" if count > 1 else ""),
                    "aspirate less, or fill the well first (declare it under liquids)",
                    **data,
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
                        **data,
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
                        **data,
                    )
                )

    def _load_tip(self, act: a.Aspirate, tip: TipState, ref: WellRef, share: dict[str, float]) -> None:
        """What one channel's tip now holds and has carried; a mix event when it meets new liquid."""
        carried = tip.carried
        had_carried = bool(carried)
        tip_amounts = tip.amounts
        arrived: list[str] = []
        keys: Any = share  # one entry per liquid of the well (WellState.take), zero or not
        if len(share) != len(self.wells[ref].amounts):
            keys = [*share, *(k for k in self.wells[ref].amounts if k not in share)]
        for k in keys:
            tip_amounts[k] = tip_amounts.get(k, 0.0) + share.get(k, 0.0)
            if k not in carried:
                carried.add(k)
                arrived.append(k)
        tip.touched.add(ref)
        new = tuple(sorted(arrived))
        if new and had_carried:
            self.mixes.append(
                MixEvent(
                    step=act.step,
                    pointer=act.pointer,
                    vessel=f"tip:{tip.id}",
                    components=tuple(sorted(tip.carried)),
                    new=new,
                )
            )

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
                volume_low_ul=w.low,
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

    # dispense ---------------------------------------------------------------------------

    def _on_Dispense(self, act: a.Dispense) -> None:
        st = self._pipette_ready(act.pipette, act, "dispense")
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
            if w.low + liquid_low > min(w.nominal, w.capacity) + EPS or w.high + liquid > w.capacity + EPS:
                self._check_room(act, ref, w, liquid_low, liquid)
            self._unload_tip(act, tip, ref, liquid_low, liquid)
        st.low = max(st.low - liquid, 0.0)
        st.high = max(st.high - liquid, 0.0)
        st.last_well = act.well

    def _check_room(self, act: a.Dispense, ref: WellRef, w: WellState, low: float, high: float) -> None:
        """Overflow (error), possible overflow and past-nominal (warnings) for one well."""
        cap = w.capacity
        new_low, new_high = w.low + low, w.high + high
        data = {"step": act.step, "pointer": act.pointer, "well": str(ref)}
        if new_low > cap + EPS:
            self._add(
                finding(
                    "VOLUME_WELL_OVERFLOW",
                    "volume",
                    "error",
                    f"{ref} would hold at least {new_low:g} uL; the well holds {cap:.0f} uL "
                    f"(nominal {w.nominal:g} uL)",
                    "dispense less or use a larger well",
                    **data,
                    volume_ul=new_low,
                    capacity_ul=cap,
                )
            )
        elif new_high > cap + EPS and w.known:
            self._add(
                finding(
                    "VOLUME_WELL_MAY_OVERFLOW",
                    "volume",
                    "warning",
                    f"{ref} may reach {new_high:g} uL, more than the {cap:.0f} uL it holds",
                    "check the volumes reaching this well",
                    **data,
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
                    f"(geometric capacity {cap:.0f} uL)",
                    "fine for many plates; check the well will not spill when moved or shaken",
                    **data,
                )
            )

    def _unload_tip(self, act: a.Dispense, tip: TipState, ref: WellRef, low: float, liquid: float) -> None:
        """Move one channel's share of ``liquid`` from its tip into the well under it."""
        w = self.wells[ref]
        new_low, new_high = w.low + low, w.high + liquid
        amounts = w.amounts
        arrived: list[str] = []  # keys new to the well (no copy of what it held: a waste well
        # of a hand-filled protocol holds one unknown key per well emptied into it)
        held = sum(tip.amounts.values())
        frac = 0.0 if held <= EPS else min(liquid / held, 1.0)
        tip_amounts = tip.amounts
        for k, v in tip_amounts.items():
            moved = v * frac
            if k in amounts:
                amounts[k] += moved
            else:
                amounts[k] = 0.0 + moved
                arrived.append(k)
            tip_amounts[k] = v - moved
        for k in tip.carried:
            if k not in amounts:
                amounts[k] = 0.0
                arrived.append(k)
        w.low, w.high = new_low, min(new_high, w.capacity) if not w.known else new_high
        tip.touched.add(ref)
        new = tuple(sorted(arrived))
        if new:
            self.mixes.append(
                MixEvent(
                    step=act.step,
                    pointer=act.pointer,
                    vessel=str(ref),
                    components=tuple(sorted(w.amounts)),
                    new=new,
                    volume_ul=w.high,
                    volume_low_ul=w.low,
                    at_s=self.elapsed_s,
                )
            )
            self._heat_on_arrival(ref, act)

    # other motions ----------------------------------------------------------------------

    def _on_BlowOut(self, act: a.BlowOut) -> None:
        st = self._pipette_ready(act.pipette, act, "blow out")
        if act.well is not None and st.high > EPS and act.well in self.wells:
            self._on_Dispense(
                a.Dispense(
                    step=act.step,
                    pointer=act.pointer,
                    pipette=act.pipette,
                    volume_ul=st.high,
                    well=act.well,
                    position=a.Position.TOP,
                    offset_mm=0.0,
                )
            )
        st.empty()
        for tip in st.tips:
            tip.amounts = {}

    def _on_TouchTip(self, act: a.TouchTip) -> None:
        self._pipette_ready(act.pipette, act, "touch the tip")

    def _on_AirGap(self, act: a.AirGap) -> None:
        st = self._pipette_ready(act.pipette, act, "take an air gap")
        cap = self._tip_capacity(act.pipette, st)
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
