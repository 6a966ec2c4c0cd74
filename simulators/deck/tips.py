"""The deck twin's tip reducer: picking up, dropping and returning tips, and the stand-in tip
that lets a replay go on after a missing pick-up."""

from __future__ import annotations

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.nozzles import configure, next_tip_target, nozzle_indices
from labwright.simulators.deck.state import PipetteState, TipState, TipStatus, TwinState

# the rack wells whose tips a pick-up takes, the nozzle each goes on, and the primary's well
Picked = tuple[list[WellRef], list[int], WellRef]


class TipHandling(TwinState):
    def _pipette_ready(self, pip: str, a_: a.Action, what: str) -> PipetteState:
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
            self._stand_in_tips(pip, st, "no-tip")
        return st

    def _stand_in_tips(self, pip: str, st: PipetteState, why: str) -> None:
        """One stand-in tip on each nozzle of the pipette's layout."""
        nozzles = list(nozzle_indices(self.deck.pipettes[pip], st.layout))
        st.attach([TipState(id=f"{pip}:{why}#{i}") for i in nozzles], nozzles)

    def _on_ConfigureNozzles(self, act: a.ConfigureNozzles) -> None:
        info = self.deck.pipettes[act.pipette]
        layout = configure(info, act.layout, act.start, act.end)
        if isinstance(layout, str):
            self._add(
                finding(
                    "PIPETTE_NOZZLE_LAYOUT_INVALID",
                    "pipette",
                    "error",
                    f"{act.pipette!r} cannot take this nozzle layout: {layout}",
                    "single or partial_column (start A1 or H1) on an 8-channel; single, column or row "
                    "(start A1, A12, H1 or H12) on the 96-channel",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            return
        self.pipettes[act.pipette].layout = layout

    def _next_tips(self, pip: str) -> Picked | None:
        """The next fresh tips for the pipette's layout, and the nozzle each goes on.

        The full layout of a 1- or 8-channel takes the first fresh tip (column of fresh tips);
        the 96-channel and partial layouts search the racks the way the Opentrons engine does
        (``nozzles.next_tip_target``).
        """
        st, info = self.pipettes[pip], self.deck.pipettes[pip]
        if st.layout.full and info.channels in (1, 8):
            refs = self._next_column_tips(pip, info.channels)
            return None if refs is None else (refs, list(range(len(refs))), refs[0])
        gone = (TipStatus.ATTACHED, TipStatus.DROPPED)
        for rack in self.deck.tipracks.get(pip, []):
            target = next_tip_target(
                info,
                st.layout,
                self.deck.labware[rack].info.ordering,
                clean=lambda w, r=rack: self.tips[WellRef(r, w)].status is TipStatus.RACK,  # type: ignore[misc]
                empty=lambda w, r=rack: self.tips[WellRef(r, w)].status in gone,  # type: ignore[misc]
            )
            if target is not None:
                return self._pickup_wells(pip, WellRef(rack, target))
        return None

    def _pickup_wells(self, pip: str, location: WellRef) -> Picked:
        """The rack wells under the layout's nozzles when the pipette picks up at ``location``,
        and those nozzles: a nozzle past the rack takes no tip (one tip taken at row H with the
        back nozzle of an 8-channel leaves the other seven bare)."""
        info = self.deck.pipettes[pip]
        if info.channels == 1:
            return [location], [0], location
        under = self._under(pip, location)
        refs: list[WellRef] = []
        nozzles: list[int] = []
        for k in nozzle_indices(info, self.pipettes[pip].layout):
            well = under[k]
            if well is not None:
                refs.append(well)
                nozzles.append(k)
        return refs, nozzles, location

    def _next_column_tips(self, pip: str, channels: int) -> list[WellRef] | None:
        """The first fresh tip (or column of fresh tips) in the pipette's racks, in order.

        A tip never becomes fresh again, so a column found without one is never searched again.
        """
        for rack in self.deck.tipracks.get(pip, []):
            columns = self._rack_columns.get(rack)
            if columns is None:
                ordering = self.deck.labware[rack].info.ordering
                columns = self._rack_columns[rack] = [
                    tuple(WellRef(rack, w) for w in col) for col in ordering
                ]
            start = self._fresh_from.get((rack, channels), 0)
            for c in range(start, len(columns)):
                column = columns[c]
                if channels == 1:
                    found = next((r for r in column if self.tips[r].status is TipStatus.RACK), None)
                    if found is not None:
                        self._fresh_from[(rack, channels)] = c
                        return [found]
                elif len(column) >= channels and all(self.tips[r].status is TipStatus.RACK for r in column):
                    self._fresh_from[(rack, channels)] = c
                    return list(column[:channels])
            self._fresh_from[(rack, channels)] = len(columns)
        return None

    def _on_PickUpTip(self, act: a.PickUpTip) -> None:
        st = self.pipettes[act.pipette]
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
            self._let_go(act.pipette, st, TipStatus.DROPPED)
        picked = self._next_fresh(act, st) if act.location is None else self._named_tips(act)
        if picked is None:
            return
        refs, nozzles, target = picked
        tips = self._take_tips(act, refs)
        if tips is None:
            return
        st.attach(tips, nozzles)
        st.last_rack_well = target  # where the primary nozzle went

    def _next_fresh(self, act: a.PickUpTip, st: PipetteState) -> Picked | None:
        """The next fresh tips; when none are left, a stand-in tip (reported) and None."""
        picked = self._next_tips(act.pipette)
        if picked is not None:
            return picked
        racks = self.deck.tipracks.get(act.pipette, [])
        if act.pipette not in self.deck.tipracks_incomplete:
            self._add(
                finding(
                    "TIP_RACK_EMPTY",
                    "tip",
                    "error",
                    f"{act.pipette!r} has no fresh tips left in {racks or 'any tip rack'}",
                    "add another tip rack to the pipette's tip_racks, or reuse tips with new_tip: once",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
        # carry on with a stand-in tip so later steps are still checked
        self._stand_in_tips(act.pipette, st, "no-tip-left")
        return None

    def _named_tips(self, act: a.PickUpTip) -> Picked | None:
        location = act.location
        assert location is not None
        lw = self.deck.labware.get(location.labware)
        if lw is None or not lw.info.is_tiprack:
            self._add(
                finding(
                    "TIPRACK_NOT_A_TIPRACK",
                    "reference",
                    "error",
                    f"{location} is not in a tip rack",
                    "pick up tips from a tip rack",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            return None
        return self._pickup_wells(act.pipette, location)

    def _take_tips(self, act: a.PickUpTip, refs: list[WellRef]) -> list[TipState] | None:
        """The tips at ``refs``, checked; None when one is already on a pipette."""
        tips: list[TipState] = []
        reported_dropped = False
        for ref in refs:
            tip = self.tips[ref]
            if tip.status is TipStatus.DROPPED and self._rack_replaced(act, tip, ref):
                pass  # a pause came since it was dropped: the operator replaced the rack
            elif tip.status is TipStatus.DROPPED:
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
            if tip.status is TipStatus.ATTACHED:
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
                return None
            tips.append(tip)
        return tips

    def _release(self, act: a.DropTip | a.ReturnTip, status: TipStatus) -> None:
        st = self.pipettes[act.pipette]
        if not st.tips:
            verb = "drop" if status is TipStatus.DROPPED else "return"
            self._add(
                finding(
                    "TIP_MISSING",
                    "tip",
                    "error",
                    f"{act.pipette!r} has no tip to {verb}",
                    "remove this step or pick up a tip before it",
                    step=act.step,
                    pointer=act.pointer,
                )
            )
            return
        self._let_go(act.pipette, st, status)

    def _let_go(self, pip: str, st: PipetteState, status: TipStatus) -> None:
        """The pipette lets go of its tips; liquid still in them goes with them (the trash)."""
        self._overdraw_dests(pip, (), -1, done=True)
        if status is TipStatus.DROPPED:
            for tip in st.tips:
                tip.dropped_mark = len(self.pauses)
        st.release(status)

    def _on_DropTip(self, act: a.DropTip) -> None:
        self._release(act, TipStatus.DROPPED if act.location is None else TipStatus.RETURNED)

    def _on_ReturnTip(self, act: a.ReturnTip) -> None:
        self._release(act, TipStatus.RETURNED)
