"""Pass 4, state replay on the deck twin: volumes, tips, locations and modules over time."""

from __future__ import annotations

from labwright.protocols import models as m
from labwright.protocols.findings import Finding, finding
from labwright.protocols.locations import parse_location
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.actions import Action
from labwright.simulators.deck.expand import ExpansionError, expand_step
from labwright.simulators.deck.twin import DeckTwin
from labwright.verifiers.passes.references import ReferenceResult


def expand_protocol(protocol: m.Protocol, refs: ReferenceResult) -> tuple[list[Action], list[Finding]]:
    actions: list[Action] = []
    out: list[Finding] = []
    for i, step in enumerate(protocol.steps):
        if i in refs.bad_steps:
            actions.extend(_tip_stand_in(step, i, refs))
            continue
        try:
            actions.extend(expand_step(step, i, refs.deck))
        except ExpansionError as exc:
            out.append(exc.finding.model_copy(update={"step": i}))
    return actions, out


def _tip_stand_in(step: m.Step, index: int, refs: ReferenceResult) -> list[Action]:
    """A step whose location did not resolve (already reported) still changes what the pipette
    holds: replay a tip step with the default location (next fresh tip / the trash) and an
    aspirate/dispense as moving an unknown amount, so the steps after it are not reported again
    (TIP_MISSING, TIP_ALREADY_ATTACHED, VOLUME_DISPENSE_EXCEEDS_TIP)."""
    pip = getattr(step, "pipette", None)
    if pip not in refs.deck.pipettes:
        return []
    ptr = f"/steps/{index}"
    if isinstance(step, m.Aspirate | m.Dispense):
        # the twin treats a well it does not know as unknown contents (interval semantics)
        kind = a.Aspirate if isinstance(step, m.Aspirate) else a.Dispense
        return [kind(index, ptr, pip, step.volume_ul, parse_location(step.location))]
    if isinstance(step, m.PickUpTip):
        return [a.PickUpTip(index, ptr, pip)]
    if isinstance(step, m.DropTip | m.ReturnTip):
        return [a.DropTip(index, ptr, pip)]
    return []


def replay_pass(protocol: m.Protocol, refs: ReferenceResult) -> tuple[DeckTwin, list[Finding]]:
    actions, out = expand_protocol(protocol, refs)
    twin = DeckTwin(protocol, refs.deck, refs.well_sets)
    twin.run(actions)
    # One step may repeat the same motion (mix repetitions, a transfer's chunks): the same
    # issue then recurs verbatim. Report it once, with how often it happened.
    repeats: dict[tuple[str, int | None, str, str], int] = {}
    unique = []
    for it in twin.issues:
        key = (it.code, it.step, it.pointer, it.message)
        if key not in repeats:
            unique.append(it)
        repeats[key] = repeats.get(key, 0) + 1
    for it in unique:
        n = repeats[(it.code, it.step, it.pointer, it.message)]
        if n > 1:
            message = f"{it.message} ({n} times in this step)"
            it = it.model_copy(update={"message": message, "data": {**it.data, "repeats": n}})
        out.append(it)
    for pid, st in twin.pipettes.items():
        if st.tips:
            out.append(
                finding(
                    "TIP_NOT_DROPPED",
                    "tip",
                    "info",
                    f"{pid!r} still holds a tip when the protocol ends",
                    "add a drop_tip step at the end",
                    pointer="/steps",
                )
            )
    return twin, out
