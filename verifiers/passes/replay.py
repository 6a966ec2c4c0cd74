"""Pass 4, state replay on the deck twin: volumes, tips, locations and modules over time.

The replay itself (expansion, initial contents, the twin) is the deck twin's
(``labwright.simulators.deck.replay``); this pass reports what it met, and hands the twin on
to the safety pass through the context.
"""

from __future__ import annotations

from labwright.protocols.findings import Finding, finding
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.simulators.deck.twin import DeckTwin
from labwright.verifiers.passes.context import PassContext


def replay_pass(resolved: ResolvedProtocol, context: PassContext) -> list[Finding]:
    result = replay(resolved)
    context.twin = result.twin
    return [*result.findings, *once_per_motion(result.twin.issues), *_tips_left(result.twin)]


def once_per_motion(issues: list[Finding]) -> list[Finding]:
    """One step may repeat the same motion (mix repetitions, a transfer's chunks): the same
    issue then recurs verbatim. Report it once, with how often it happened."""
    repeats: dict[tuple[str, int | None, str, str], int] = {}
    unique: list[Finding] = []
    for it in issues:
        key = (it.code, it.step, it.pointer, it.message)
        if key not in repeats:
            unique.append(it)
        repeats[key] = repeats.get(key, 0) + 1
    out: list[Finding] = []
    for it in unique:
        n = repeats[(it.code, it.step, it.pointer, it.message)]
        if n > 1:
            message = f"{it.message} ({n} times in this step)"
            it = it.model_copy(update={"message": message, "data": {**it.data, "repeats": n}})
        out.append(it)
    return out


def _tips_left(twin: DeckTwin) -> list[Finding]:
    return [
        finding(
            "TIP_NOT_DROPPED",
            "tip",
            "info",
            f"{pid!r} still holds a tip when the protocol ends",
            "add a drop_tip step at the end",
            pointer="/steps",
        )
        for pid, st in twin.pipettes.items()
        if st.tips
    ]
