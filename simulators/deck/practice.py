"""Operator practice in the deck twin: what real protocols rely on and do not say, modelled.

The rule (issue 14): an error is a fault that would really happen in the lab given what the
protocol says; what depends on what the protocol does not say (what an operator put in a well
by hand, what they did during a pause) is a warning. Each practice below was met in real
protocols (Opentrons' own corpus, ``../shared/corpora/opentrons-analyses/``); its rule and the
reason for its severity are written where it is decided.

1. Pauses (``on_pause``, ``_refill_assumed``, ``_empty_assumed``, ``_rack_replaced``). During a
   ``pause`` the operator refills reservoirs, empties the liquid waste and replaces tip racks.
   A pause that declares it (``refill``, ``empty``, ``replace_tipracks``) is applied. Otherwise
   a shortage, an overflow or a trashed tip picked again that the operator could have fixed
   during an earlier pause is a warning naming that pause, and the twin goes on as if they had.
   What no operator could fix stays an error: a refill fills a well to its capacity at most, so
   drawing more than capacity (plus what the run put in) since the last pause is still a fault.
2. Draining a well (``_overdraw``, judged in ``finish``; ``_short_dispense``). To leave nothing
   behind (a supernatant, residual ethanol, an eluate, a lysate) protocols aspirate more than
   the well holds: the tip takes all of it, then air. A warning when the liquid goes back into
   the well (a mix larger than what the well holds: air, foam), to the trash, or when the
   well's content was made by the run (the protocol's own transfers put it there: it asks for
   "everything" with a margin). An error when the well held what the operator loaded (declared,
   or by hand) and its liquid is delivered to another well, which then gets less than the
   protocol says (a distribute that draws 6 mL from a 1.5 mL tube, a declared volume too small
   for what is drawn), and when a mix runs in a well that holds nothing. A dispense of more
   than the tip holds follows the same rule (660 uL aspirated and 2 x 340 uL dispensed: error).
3. A source the protocol never filled (``_assume_hand_filled``). In a protocol that declares
   some liquids, a well that is not declared and that nothing has been put in was filled by
   hand (Opentrons' ``load_liquid`` is optional markup): a warning, and from then on a hand-
   filled well ([0, capacity], contents unknown). It stays an error when the protocol itself
   puts liquid in that well later: then it draws before it fills.
4. Reusing a tip (``contaminated``, ``_carry_over``, judged in ``finish``). A used tip entering
   a source of another liquid is an error only when the carry-over reaches a well that did not
   already hold it (with the tip's own dispense, or later through that source's liquid): a tip
   kept per sample and reused only for that sample's wells is a warning, and so is carry-over
   between wells whose contents the protocol never declares. Liquids declared under one name
   (or CAS number) are one liquid: a reagent split over several reservoir wells is no
   contamination.
5. Removing an ethanol wash and air-drying the beads (no rule of its own: why). A removal that
   draws at least what the well holds (``_draw``: the upper bound) leaves the twin's well
   empty, composition and all: on the robot it leaves a film on the beads and walls, and the
   air-dry that bead clean-ups then run (a ``delay`` of 2-5 min) is there to evaporate that
   film. A removal that draws less leaves the rest, mixed (ethanol and water are miscible), and
   a delay does not take it away: evaporation from a well is limited by diffusion of the vapour
   through the still air above the liquid, rate ~ D * c_sat / L * area. For ethanol at 25 degC
   (vapour pressure 7.9 kPa, so c_sat ~ 0.15 mg/mL of air; diffusion coefficient in air
   ~ 0.12 cm2/s, Lugg, Anal. Chem. 40 (1968) 1072), ~1 cm of air above the liquid and the
   0.24 cm2 mouth of a PCR well, that is ~0.25 mg (~0.3 uL) a minute: a 2-5 min air-dry takes
   a microlitre or two, not the tens of microlitres a short removal leaves. So the twin keeps
   them, and their heating stays a SAFETY_THERMAL error: the kapahyperplus protocols remove 130
   of 198 uL before their ethanol washes and carry ~13 uL of 80% ethanol per well into a 98 degC
   PCR (``tests/data/opentrons_corpus_justifications.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from labwright.protocols.findings import finding
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.state import (
    EPS,
    PipetteState,
    TipState,
    TipStatus,
    TwinState,
    WellState,
    unknown_key,
)


@dataclass
class Overdraw:
    """An aspirate that asked for more than its well held, awaiting where its liquid goes."""

    step: int
    pointer: str
    pipette: str
    well: WellRef
    need: float
    available: float
    count: int  # channels drawing from the well
    loaded: bool  # the well held what the operator loaded (declared or by hand), not run-made
    tips: set[int] = field(default_factory=set)  # id() of the tips that drew from the well
    dests: list[tuple[WellRef, int]] = field(default_factory=list)  # (well, step) it went to
    discarded: bool = False  # some of it went to the trash


@dataclass
class Carryover:
    """A used tip that entered a source of other liquids; an error once it reaches a well
    that lacks what it carried."""

    step: int
    pointer: str
    tip: str
    source: WellRef
    carried: tuple[str, ...]
    before: tuple[str, ...]
    reached: tuple[WellRef, int] | None = None


@dataclass
class HandFilled:
    """An undeclared, never-filled well that a step draws from: assumed filled by hand."""

    step: int
    pointer: str
    filled_at: int | None = None  # a later step of the protocol that puts liquid in it


def _scale(w: WellState, factor: float) -> None:
    for k in w.amounts:
        w.amounts[k] *= factor


class OperatorPractice(TwinState):
    # ------------------------------------------------------------------------ pauses

    def _since_pause(self, w: WellState) -> WellState:
        """``w`` with its in/out sums reset if a pause came since they were last kept."""
        if w.mark != len(self.pauses):
            w.mark, w.drawn, w.added = len(self.pauses), 0.0, 0.0
        return w

    def _pause_text(self) -> str:
        step, message = self.pauses[-1]
        return f"the pause at step {step}" + (f" ({message!r})" if message else "")

    def _practice_note(self, key: tuple[Any, ...], item: Any) -> None:
        """Add a practice warning once per key (a well or rack and the pause it relies on)."""
        if key not in self._practice_noted:
            self._practice_noted.add(key)
            self._add(item)

    def on_pause(self, act: a.Wait) -> None:
        """A pause: what the protocol says the operator does during it is done here."""
        self.pauses.append((act.step, act.text))
        for rack in act.replace_tipracks or ():
            self._replace_rack(rack)
        for ref in act.empty or ():
            w = self.wells.get(ref)
            if w is not None:
                w.low = w.high = 0.0
                w.amounts = {}
                w.known = True
        for ref, volume in act.refill or ():
            w = self.wells.get(ref)
            if w is not None:
                total = sum(w.amounts.values())
                if volume < total and total > EPS:
                    _scale(w, volume / total)
                else:
                    self._fill(ref, w, volume - total)
                w.high = w.low = volume

    def _fill(self, ref: WellRef, w: WellState, volume: float) -> None:
        """Add ``volume`` of what the well holds (or held) to its amounts."""
        if volume <= EPS:
            return
        total = sum(w.amounts.values())
        if total > EPS:
            _scale(w, (total + volume) / total)
        elif w.amounts:
            share = volume / len(w.amounts)
            for k in w.amounts:
                w.amounts[k] += share
        else:
            w.amounts[unknown_key(ref)] = volume

    def _replace_rack(self, rack: str) -> None:
        """A full rack in place of ``rack``: every tip not on a pipette is fresh again."""
        for ref, tip in self.tips.items():
            if ref.labware == rack and tip.status is not TipStatus.ATTACHED:
                tip.status = TipStatus.RACK
                tip.carried, tip.touched, tip.amounts, tip.loaded_from = set(), set(), {}, set()
        for key in [k for k in self._fresh_from if k[0] == rack]:
            del self._fresh_from[key]

    def _rack_replaced(self, act: a.PickUpTip, tip: TipState, ref: WellRef) -> bool:
        """A trashed tip picked again after a pause: the operator replaced the rack then
        (Opentrons: ``reset_tipracks()`` or ``starting_tip`` after ``protocol.pause()``). A
        warning, as it depends on the operator; without a pause since the drop the pipette
        reaches for an empty rack position: an error (``TIP_PICKED_AFTER_DROP``)."""
        if tip.dropped_mark >= len(self.pauses):
            return False
        self._replace_rack(ref.labware)
        self._practice_note(
            ("rack", ref.labware, len(self.pauses)),
            finding(
                "TIP_RACK_REPLACED_ASSUMED",
                "tip",
                "warning",
                f"{act.pipette!r} picks up the tip at {ref} again after it went to the trash; "
                f"this relies on the operator replacing rack {ref.labware!r} during {self._pause_text()}",
                f"say so on the pause: replace_tipracks: [{ref.labware}]",
                step=act.step,
                pointer=act.pointer,
                tip=str(ref),
            ),
        )
        return True

    def _refill_assumed(self, act: a.Aspirate, ref: WellRef, w: WellState, need: float) -> bool:
        """A source that runs short after a pause: the operator could have refilled it then,
        up to its capacity. A warning (it depends on the operator); the well is topped up."""
        if not self.pauses:
            return False
        self._since_pause(w)
        if w.drawn > w.capacity + w.added + EPS:
            return False  # more than a full well since the pause: no refill explains it
        short = need - w.high
        self._fill(ref, w, short)
        w.low += short
        w.high += short
        self._practice_note(
            ("refill", ref, len(self.pauses)),
            finding(
                "VOLUME_REFILL_ASSUMED",
                "volume",
                "warning",
                f"{ref} runs short ({need:g} uL asked, at most {w.high - short:g} uL left); this relies "
                f"on the operator refilling it during {self._pause_text()}",
                f"say so on the pause: refill: {{{ref}: <volume>}}",
                step=act.step,
                pointer=act.pointer,
                well=str(ref),
            ),
        )
        return True

    def _empty_assumed(self, act: a.Dispense, ref: WellRef, w: WellState, low: float) -> bool:
        """A well (the liquid waste) that overflows after a pause: the operator could have
        emptied it then. A warning; the twin empties it as of the pause. What was put in since
        the pause alone overflowing it stays an error."""
        if not self.pauses:
            return False
        self._since_pause(w)
        base = max(w.added - w.drawn, 0.0)  # what it holds now had it been emptied at the pause
        if base + low > w.capacity + EPS or w.low <= base + EPS:
            return False
        total = sum(w.amounts.values())
        if total > EPS:
            _scale(w, min(base / total, 1.0))
        delta = w.low - base
        w.low = base
        w.high = max(w.high - delta, base)
        self._practice_note(
            ("empty", ref, len(self.pauses)),
            finding(
                "VOLUME_EMPTY_ASSUMED",
                "volume",
                "warning",
                f"{ref} would overflow; this relies on the operator emptying it during {self._pause_text()}",
                f"say so on the pause: empty: [{ref}]",
                step=act.step,
                pointer=act.pointer,
                well=str(ref),
            ),
        )
        return True

    # -------------------------------------------------------------- never-filled source

    def _assume_hand_filled(self, act: a.Aspirate, ref: WellRef, w: WellState) -> None:
        """A well the protocol does not declare and that nothing was put in, drawn from in a
        protocol that declares other liquids: the operator filled it by hand (Opentrons'
        ``load_liquid`` is optional markup). From now on it is a hand-filled well ([0,
        capacity], contents unknown); judged in ``finish`` (an error when the protocol itself
        fills it later: then it draws before it fills)."""
        if not (w.known and not w.declared and not w.received and w.high <= EPS):
            return
        self._hand_filled.setdefault(ref, HandFilled(act.step, act.pointer))
        w.known = False
        w.low, w.high = 0.0, w.capacity
        w.amounts.setdefault(unknown_key(ref), 0.0)

    def _filled(self, ref: WellRef, step: int) -> None:
        """Liquid arrives in ``ref`` at ``step`` (for the judgment of hand-filled sources)."""
        pending = self._hand_filled.get(ref)
        if pending is not None and pending.filled_at is None and step > pending.step:
            pending.filled_at = step

    # ------------------------------------------------------------------- draining a well

    def _overdraw(self, act: a.Aspirate, ref: WellRef, w: WellState, need: float, count: int) -> None:
        """More asked than the well holds: the tip takes what is there, then air. Judged in
        ``finish`` by where the liquid goes (module docstring, practice 2)."""
        od = Overdraw(act.step, act.pointer, act.pipette, ref, need, w.high, count, loaded=not w.received)
        self._overdraws.append(od)
        self._open_overdraws.setdefault(act.pipette, []).append(od)

    def _overdraw_tips(self, pip: str, pairs: list[tuple[TipState, WellRef]], since: int) -> None:
        """The tips that drew from each well overdrawn by one aspirate (``since``: how many
        overdraws there were before it): each channel's liquid goes where its tip goes."""
        for od in self._overdraws[since:]:
            od.tips = {id(tip) for tip, ref in pairs if ref == od.well}

    def _overdraw_dests(
        self, pip: str, pairs: Iterable[tuple[TipState, WellRef]], step: int, *, done: bool
    ) -> None:
        """Where the liquid of ``pip``'s open overdraws goes, tip by tip (no pairs: the
        trash); ``done``: the tips are empty now."""
        open_ = self._open_overdraws.get(pip)
        if not open_:
            return
        pairs = list(pairs)
        for od in open_:
            if pairs:
                od.dests.extend((r, step) for tip, r in pairs if id(tip) in od.tips)
            else:
                od.discarded = True
        if done:
            del self._open_overdraws[pip]

    def _judge_overdraw(self, od: Overdraw) -> None:
        """Practice 2: where the liquid of an overdraw went decides (module docstring)."""
        others = [(r, s) for r, s in od.dests if r != od.well]
        ch = f" ({od.count} channels x {od.need / od.count:g} uL)" if od.count > 1 else ""
        asked = f"aspirating {od.need:g} uL from {od.well}, which holds at most {od.available:g} uL{ch}"
        data = {"step": od.step, "pointer": od.pointer, "well": str(od.well), "volume_ul": od.need}
        if not others and not od.discarded and od.available > EPS:  # mixed (returned) in the well
            code, severity = "VOLUME_MIX_DRAWS_AIR", "warning"
            text, hint = "the tip draws air too and blows it back into the well (foam)", "mix less"
        elif not others and not od.discarded:
            code, severity = "VOLUME_ASPIRATE_EXCEEDS_WELL", "error"
            text, hint = "it holds nothing: this mixes air in an empty well", "mix a well that holds liquid"
        elif not others or not od.loaded:
            where = "to the trash" if not others else f"to {others[0][0]}, which gets all there is"
            code, severity = "VOLUME_ASPIRATE_DRAINS_WELL", "warning"
            text = f"the tip takes all of it, then air; it goes {where} (leaving nothing behind)"
            hint = "nothing to do if the well is meant to be emptied; otherwise aspirate less"
        else:
            code, severity = "VOLUME_ASPIRATE_EXCEEDS_WELL", "error"
            text = f"{others[0][0]} receives less than the protocol says"
            hint = "aspirate less, or put more in the well first (declare it under liquids)"
        self._add(finding(code, "volume", severity, f"{asked}: {text}", hint, **data))

    def _short_dispense(
        self, act: a.Dispense, st: PipetteState, pairs: list[tuple[TipState, WellRef]], liquid: float
    ) -> None:
        """A dispense of more than the tip holds: the plunger pushes out all the liquid, then
        air. Harmless (a warning) when the liquid goes back into the well it came from, or
        came from wells the run filled (all of an eluate, a supernatant); an error when the
        destination gets less than the protocol says of what the operator loaded (660 uL
        aspirated and 2 x 340 uL dispensed)."""
        sources = {src for tip, _ in pairs for src in tip.loaded_from}
        back = all(tip.loaded_from <= {ref} for tip, ref in pairs)
        run_made = bool(sources) and all(self.wells[src].received for src in sources if src in self.wells)
        said = f"dispensing {liquid:g} uL but {act.pipette!r} holds at most {st.high:g} uL"
        if back or run_made:
            where = (
                "back into the well it came from" if back else "it is all there was of a liquid the run made"
            )
            code, severity, said = (
                "VOLUME_DISPENSE_PUSHES_AIR",
                "warning",
                f"{said}: all of it goes out, then air; {where}",
            )
        else:
            code, severity, said = (
                "VOLUME_DISPENSE_EXCEEDS_TIP",
                "error",
                f"{said}: {act.well} gets less than the protocol says",
            )
        self._add(
            finding(
                code,
                "volume",
                severity,
                said,
                "aspirate enough first, or dispense less",
                step=act.step,
                pointer=act.pointer,
            )
        )

    # --------------------------------------------------------------------- tip reuse

    def identity(self, key: str) -> str:
        """One liquid per declared name or CAS number (liquid ids differ per well often)."""
        return self.liquid_names.get(key, key)

    def contaminated(
        self, act: a.Aspirate, tip: TipState, ref: WellRef, w: WellState, foreign: set[str]
    ) -> None:
        """A used tip carrying ``foreign`` (liquid keys the well lacks) enters ``ref``."""
        held = {self.identity(k) for k in w.amounts}
        named = sorted(k for k in foreign if self.identity(k) not in held)
        if not named:
            return  # the same liquid under another id
        before = tuple(sorted(w.amounts))
        declared_in = any(not k.startswith("?") for k in w.amounts)
        if all(k.startswith("?") for k in named) or not declared_in:
            self._add(
                finding(
                    "TIP_POSSIBLE_CONTAMINATION",
                    "tip",
                    "warning",
                    f"a used tip ({tip.id}) carrying {', '.join(named)} enters {ref}; "
                    "the protocol does not declare what these wells hold",
                    "use a new tip unless this well holds the same liquid (declare the liquids to check it)",
                    step=act.step,
                    pointer=act.pointer,
                    well=str(ref),
                    tip=tip.id,
                )
            )
            return
        rec = Carryover(act.step, act.pointer, tip.id, ref, tuple(named), before)
        self._carryovers.append(rec)
        for k in named:
            self._taints.setdefault((ref, k), rec)

    def _carry_over(self, tip: TipState, ref: WellRef, arrived: list[str], step: int) -> None:
        """Liquids new to ``ref`` arrive from a tip: a carry-over recorded in a well this tip
        drew from now reaches a well that lacked it."""
        held = {self.identity(k) for k in self.wells[ref].amounts if k not in arrived}
        for k in arrived:
            if self.identity(k) in held:
                continue
            tainted = [src for src in tip.loaded_from if src != ref and (src, k) in self._taints]
            if not tainted or any(  # the tip also drew it, on purpose, from a well that holds it
                src in self.wells and k in self.wells[src].amounts and (src, k) not in self._taints
                for src in tip.loaded_from
            ):
                continue
            for src in tainted:
                rec = self._taints[(src, k)]
                if rec.reached is None:
                    rec.reached = (ref, step)

    def _judge_carryover(self, rec: Carryover) -> None:
        names = ", ".join(rec.carried)
        entered = (
            f"a used tip ({rec.tip}) carrying {names} enters {rec.source}, "
            f"a source of {', '.join(rec.before) or 'other liquid'}"
        )
        data = {"step": rec.step, "pointer": rec.pointer, "well": str(rec.source), "tip": rec.tip}
        if rec.reached is not None:
            where, step = rec.reached
            self._add(
                finding(
                    "TIP_CROSS_CONTAMINATION",
                    "tip",
                    "error",
                    f"{entered}; the carry-over reaches {where} (step {step}), which did not hold it",
                    "use a new tip for this source (new_tip: always, or pick_up_tip before it)",
                    **data,
                    carried=list(rec.carried),
                )
            )
            return
        self._add(
            finding(
                "TIP_CARRYOVER_CONTAINED",
                "tip",
                "warning",
                f"{entered}; what it carries only goes on to wells that already hold it",
                "use a new tip if the rest of this source is used after the run",
                **data,
                carried=list(rec.carried),
            )
        )

    # ------------------------------------------------------------------------ the end

    def finish(self) -> None:
        """Judge what waited on the rest of the run (where drained liquid and carry-over went,
        whether the protocol filled a source it drew from first). Call once, after the last
        action."""
        for od in self._overdraws:
            self._judge_overdraw(od)
        for rec in self._carryovers:
            self._judge_carryover(rec)
        for ref, pending in self._hand_filled.items():
            self._judge_hand_filled(ref, pending)
        self._overdraws, self._carryovers, self._hand_filled = [], [], {}
        self._open_overdraws.clear()

    def _judge_hand_filled(self, ref: WellRef, pending: HandFilled) -> None:
        data = {"step": pending.step, "pointer": pending.pointer, "well": str(ref)}
        if pending.filled_at is not None:
            self._add(
                finding(
                    "VOLUME_ASPIRATE_EXCEEDS_WELL",
                    "volume",
                    "error",
                    f"aspirating from {ref} before anything is put in it: the protocol fills it "
                    f"only at step {pending.filled_at}",
                    "move this step after the one that fills the well",
                    **data,
                )
            )
            return
        self._add(
            finding(
                "VOLUME_UNDECLARED_SOURCE",
                "volume",
                "warning",
                f"{ref} is drawn from but is not among the declared liquids and nothing is put "
                "in it before: assumed filled by hand, contents unknown",
                "declare its liquid (liquids: initial_volumes) to have its volume checked",
                **data,
            )
        )
