"""The deck twin's liquid reducer: aspirate, dispense, blow-out, air gap and touch tip over
interval volumes, with the composition of every well and tip and the mixing events."""

from __future__ import annotations

from typing import Any

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.clearance import bare_nozzle_clash, tip_reach_mm
from labwright.simulators.deck.events import MixEvent
from labwright.simulators.deck.state import EPS, PipetteState, TipState, TwinState, WellState

# how far below a well's nominal bottom a tip may be sent before that is a crash, not a touch
BOTTOM_TOLERANCE_MM = 0.5


class LiquidHandling(TwinState):
    # geometry ---------------------------------------------------------------------------

    def _tip_wells(
        self, pip: str, st: PipetteState, ref: WellRef, a_: a.Action
    ) -> list[tuple[TipState, WellRef]]:
        """Each tip of ``pip`` with the well it enters when the pipette goes to ``ref``.

        Only nozzles that carry a tip count: with one tip (a partial layout, or one tip picked
        with the back nozzle at row H), the bare nozzles stay a tip length above the labware.
        """
        if self.deck.pipettes[pip].channels == 1:
            return [(tip, ref) for tip in st.tips]
        under = self._under(pip, ref)
        pairs: list[tuple[TipState, WellRef]] = []
        for tip, k in zip(st.tips, st.tip_nozzles, strict=True):
            well = under[k]
            if well is not None:
                pairs.append((tip, well))
        off = len(st.tips) - len(pairs)
        if off:
            self._add(
                finding(
                    "LOCATION_CHANNELS_OFF_LABWARE",
                    "location",
                    # a tip that is not over a well comes down beside the labware, on its edge or
                    # on the labware next to it, as deep as the first: a collision
                    "error",
                    f"with its primary nozzle ({st.layout.primary}) at {ref}, {off} of the "
                    f"{len(st.tips)} tips of {pip!r} are not over a well of {ref.labware!r}",
                    "target a well where every tip is over a well (row A for a full column), "
                    "or pick up fewer tips (configure_nozzles)",
                    step=a_.step,
                    pointer=a_.pointer,
                    well=str(ref),
                )
            )
        return pairs

    def _tip_height(self, a_: a.Aspirate | a.Dispense) -> float:
        """How far above its well's bottom the tip end is sent (mm; negative: below it)."""
        geo = self.deck.labware[a_.well.labware].info.wells[a_.well.well]
        if a_.position == a.Position.BOTTOM:
            return a_.offset_mm
        if a_.position == a.Position.TOP:
            return geo.depth + a_.offset_mm
        return geo.depth / 2 + a_.offset_mm

    def _check_depth(self, a_: a.Aspirate | a.Dispense, kind: str) -> bool:
        """Location check; returns True when the tip is at or above the top (air, not liquid)."""
        geo = self.deck.labware[a_.well.labware].info.wells[a_.well.well]
        z = self._tip_height(a_)
        self._check_clearance(a_, geo.z + max(z, -BOTTOM_TOLERANCE_MM))
        if z < -EPS:
            # within BOTTOM_TOLERANCE_MM the tip meets the floor and stops against it (the real
            # plate and the calibration differ from the definition by about that much): what an
            # author asks for to take the last drop, a warning; deeper, it is driven into it
            deep = z < -BOTTOM_TOLERANCE_MM - EPS
            self._add(
                finding(
                    "LOCATION_BELOW_BOTTOM" if deep else "LOCATION_AT_BOTTOM",
                    "location",
                    "error" if deep else "warning",
                    f"{kind} at {a_.well} goes {-z:.2f} mm below the well bottom "
                    f"({a_.position} {a_.offset_mm:+g} mm in a {geo.depth:g} mm deep well)"
                    + ("" if deep else ": the tip presses on the well floor"),
                    "use a height at or above the bottom, e.g. bottom + 1 mm",
                    step=a_.step,
                    pointer=a_.pointer,
                    z_mm=z,
                )
            )
        return z >= geo.depth - EPS

    def _check_clearance(self, a_: a.Aspirate | a.Dispense, tip_end_mm: float) -> None:
        """Bare nozzles of a partly loaded multi-channel that come down onto the labware
        (``clearance``): the collision Opentrons' partial-tip check leaves out. Once per step."""
        st = self.pipettes[a_.pipette]
        info = self.deck.pipettes[a_.pipette]
        if info.channels == 1 or not st.tips or len(st.tips) >= info.channels:
            return
        reach = min((r for t in st.tips if (r := self._tip_reach(t)) is not None), default=None)
        if reach is None:
            return
        lw = self.deck.labware[a_.well.labware].info
        clash = bare_nozzle_clash(lw, info, st.layout, a_.well.well, set(st.tip_nozzles), tip_end_mm, reach)
        if clash is None or (a_.pipette, a_.step) in self._collision_noted:
            return
        self._collision_noted.add((a_.pipette, a_.step))
        names = clash.nozzles
        low = clash.labware_height_mm - clash.nozzle_height_mm
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        self._add(
            finding(
                "LOCATION_PIPETTE_COLLISION",
                "location",
                # the pipette is driven into the labware: a crash on the robot, whatever it holds
                "error",
                f"with {len(st.tips)} tip(s) at {a_.well}, the bare nozzles of {a_.pipette!r} come "
                f"down to {clash.nozzle_height_mm:.1f} mm, {low:.1f} mm "
                f"below the top of {a_.well.labware!r} ({clash.labware_height_mm:g} mm tall): nozzle(s) "
                f"{shown} are over the labware but not over a well, so the pipette hits it",
                "stay higher in the well (the tips reach "
                f"{reach:g} mm below the nozzles), use longer tips, or a single-channel pipette",
                step=a_.step,
                pointer=a_.pointer,
                well=str(a_.well),
                nozzles=list(names),
            )
        )

    def _tip_reach(self, tip: TipState) -> float | None:
        """How far ``tip`` reaches below its nozzle, from its rack's definition."""
        rack = tip.id.rsplit(":", 1)[0]
        lw = self.deck.labware.get(rack)
        return tip_reach_mm(lw.info) if lw is not None else None

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
            for tip in st.tips:  # where it goes, liquid from elsewhere arrives
                tip.loaded_from.add(act.well)
            return
        self._module_blocks_pipetting(act.well, act)
        if self._check_depth(act, "aspirate"):
            st.air += act.volume_ul
            return
        self._check_min_volume(act)
        pairs = self._tip_wells(act.pipette, st, act.well, act)
        for tip, ref in pairs:
            self._contamination_check(act, st, tip, ref)
        # each channel draws act.volume from the well under it; one well may serve many
        # channels. A well that holds less gives what it has, and the rest is air
        per_well: dict[WellRef, int] = {}
        for _, ref in pairs:
            per_well[ref] = per_well.get(ref, 0) + 1
        before = len(self._overdraws)
        drawn = {ref: self._draw(act, ref, count) for ref, count in per_well.items()}
        if len(self._overdraws) > before:
            self._overdraw_tips(act.pipette, pairs, before)
        for tip, ref in pairs:
            self._load_tip(act, tip, ref, drawn[ref][0])
        low = min((d[1] for d in drawn.values()), default=act.volume_ul)
        high = max((d[2] for d in drawn.values()), default=act.volume_ul)
        st.low += low
        st.high += high
        st.air += act.volume_ul - high
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

    def _draw(self, act: a.Aspirate, ref: WellRef, count: int) -> tuple[dict[str, float], float, float]:
        """Draw ``count`` channels' volume from one well: one channel's share of the liquid,
        and the liquid each channel gets (low and high bounds; the rest of the volume is air)."""
        w = self.wells[ref]
        need = act.volume_ul * count
        self._since_pause(w).drawn += need
        as_if_drawn = False
        if need > min(w.low, w.high) + EPS:
            as_if_drawn = self._check_available(act, ref, w, need, count)
        high = min(need, w.high)
        # a source the operator loaded (by hand, or short of what it may hold: warned) is taken
        # to give what is asked, up to what it can hold; a well the run filled gives at least
        # what the run surely put in (a removal of "everything" is no proof of more)
        low = need if need <= w.high + EPS and not w.received else min(need, w.low)
        taken = w.take(high)
        share = taken if count == 1 else {k: v / count for k, v in taken.items()}  # v / 1 == v
        w.low = max(w.low - need, 0.0)
        w.high = max(w.high - high, 0.0)
        # past a shortage of what the operator loaded (reported once), the tip may hold the
        # volume asked for: the wells it goes on to are not reported again for the same fault
        return share, low / count, (need if as_if_drawn else high) / count

    def _check_available(self, act: a.Aspirate, ref: WellRef, w: WellState, need: float, count: int) -> bool:
        """Less in the well than asked for: a practice (``practice``) or a fault. True when the
        well held what the operator loaded and ran short (the replay goes on as if drawn)."""
        data = {"step": act.step, "pointer": act.pointer, "well": str(ref)}
        if need > w.high + EPS and self.declares_liquids:
            self._assume_hand_filled(act, ref, w)
        if need > w.high + EPS:
            if w.received or not self._refill_assumed(act, ref, w, need):
                self._overdraw(act, ref, w, need, count)
                return not w.received
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
            elif ref not in self._hand_filled_noted and ref not in self._hand_filled:
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
        return False

    def _load_tip(self, act: a.Aspirate, tip: TipState, ref: WellRef, share: dict[str, float]) -> None:
        """What one channel's tip now holds and has carried; a mix event when it meets new liquid."""
        carried = tip.carried
        had_carried = bool(carried)
        tip_amounts = tip.amounts
        arrived: list[str] = []
        keys: Any = share  # one entry per liquid of the well (WellState.take), zero or not
        if len(share) != len(self.wells[ref].amounts):
            keys = [*share, *(k for k in self.wells[ref].amounts if k not in share)]
        # nothing drawn (a hand-filled well's amounts are all unknown, 0.0) and no liquid new to
        # the tip: the loop would add 0.0 to each amount, so it is skipped (C-level checks)
        if keys is share and not any(share.values()) and carried.issuperset(share) and (
            tip_amounts.keys() >= share.keys()
        ):
            keys = ()
        for k in keys:
            tip_amounts[k] = tip_amounts.get(k, 0.0) + share.get(k, 0.0)
            if k not in carried:
                carried.add(k)
                arrived.append(k)
        tip.touched.add(ref)
        tip.loaded_from.add(ref)
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
        if w.low > EPS or w.high > EPS:  # judged on what the well held before the residue came
            self.contaminated(act, tip, ref, w, foreign)
        # carry-over: the residue on the tip enters this source
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
        pairs = self._tip_wells(act.pipette, st, act.well, act)
        if liquid > st.high + EPS:
            self._short_dispense(act, st, pairs, liquid)
            liquid = st.high
        liquid_low = min(liquid, st.low)
        for tip, ref in pairs:
            w = self.wells[ref]
            if w.low + liquid_low > min(w.nominal, w.capacity) + EPS or w.high + liquid > w.capacity + EPS:
                self._check_room(act, ref, w, liquid_low, liquid)
            self._unload_tip(act, tip, ref, liquid_low, liquid)
        st.low = max(st.low - liquid, 0.0)
        st.high = max(st.high - liquid, 0.0)
        st.last_well = act.well
        self._overdraw_dests(act.pipette, pairs, act.step, done=st.high <= EPS)
        if st.high <= EPS:
            for tip in st.tips:
                tip.loaded_from = set()

    def _check_room(self, act: a.Dispense, ref: WellRef, w: WellState, low: float, high: float) -> None:
        """Overflow (error), possible overflow and past-nominal (warnings) for one well."""
        cap = w.capacity
        if w.low + low > cap + EPS:
            self._empty_assumed(act, ref, w, low)  # after a pause: the operator may have emptied it
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
        # nothing moves (the tip holds ~0 uL) and the well already names all the tip carries:
        # the loops below would change nothing, so they are skipped (C-level checks)
        unchanged = frac == 0.0 and amounts.keys() >= tip_amounts.keys() and amounts.keys() >= tip.carried
        for k, v in () if unchanged else tip_amounts.items():
            moved = v * frac
            if k in amounts:
                amounts[k] += moved
            else:
                amounts[k] = 0.0 + moved
                arrived.append(k)
            tip_amounts[k] = v - moved
        for k in () if unchanged else tip.carried:
            if k not in amounts:
                amounts[k] = 0.0
                arrived.append(k)
        w.low, w.high = new_low, min(new_high, w.capacity) if not w.known else new_high
        tip.touched.add(ref)
        if liquid > EPS:
            self._since_pause(w).added += low
            if tip.loaded_from - {ref}:
                w.received = True
                self._filled(ref, act.step)
                for src in tip.loaded_from:
                    if src != ref:
                        self._moved_out[src] = act.step
            if arrived and self._taints:
                self._carry_over(tip, ref, arrived, act.step)
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
        if act.well is not None and act.well in self.tips and st.high > EPS:
            # an empty tip blows out air (the Opentrons API blows out where the pipette is, the
            # tip rack right after a pick-up); liquid would land on the fresh tips
            self._add(
                finding(
                    "LOCATION_TIPRACK_AS_WELL",
                    "location",
                    "error",
                    f"{act.pipette!r} blows out up to {st.high:g} uL over tip rack {act.well.labware!r}",
                    "blow out into the trash or a well",
                    step=act.step,
                    pointer=act.pointer,
                    well=str(act.well),
                )
            )
        if st.high > EPS and (act.well is None or act.well not in self.wells):
            self._overdraw_dests(act.pipette, (), act.step, done=True)  # what is left: the trash
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
        self._overdraw_dests(act.pipette, (), act.step, done=True)
        for tip in st.tips:
            tip.amounts = {}
            tip.loaded_from = set()

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
