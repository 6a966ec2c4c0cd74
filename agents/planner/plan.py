"""``plan_offline``: parse, compile, render, and say what was understood and planned."""

from __future__ import annotations

from labwright.agents.planner import compile as compile_core
from labwright.agents.planner import compile_devices, compile_dilutions
from labwright.agents.planner.describe import purpose, understood
from labwright.agents.planner.parse import parse_request
from labwright.agents.planner.render import RenderRefusal, render
from labwright.agents.planner.results import PlanResult

HANDLERS = {**compile_core.HANDLERS, **compile_dilutions.HANDLERS, **compile_devices.HANDLERS}


def _title(request: str) -> str:
    words = " ".join(request.split())
    return words if len(words) <= 80 else words[:77].rsplit(" ", 1)[0] + "..."


def plan(request: str) -> PlanResult:
    if not request or not request.strip():
        return PlanResult(
            understood="",
            purpose="",
            plan=[],
            document=None,
            not_understood=["the request is empty"],
            refusal=None,
        )
    parsed = parse_request(request)
    said = understood(parsed.intents)
    why = purpose(parsed.intents)
    draft = compile_core.compile_intents(parsed.intents, HANDLERS)
    not_understood = [*parsed.not_understood, *draft.not_understood]
    if not parsed.intents and not not_understood:
        not_understood = [request.strip()]
    refusal = "; ".join(draft.refusals) or None
    if refusal is None and not not_understood and not draft.ops:
        not_understood = ["nothing to do on the robot was found in the request"]
    if refusal is not None or not_understood:
        return PlanResult(
            understood=said,
            purpose=why,
            plan=[],
            document=None,
            not_understood=not_understood,
            refusal=refusal,
        )
    try:
        rendered = render(draft, _title(request), said)
    except RenderRefusal as exc:
        return PlanResult(
            understood=said, purpose=why, plan=[], document=None, not_understood=[], refusal=exc.reason
        )
    return PlanResult(
        understood=said,
        purpose=why,
        plan=rendered.plan,
        document=rendered.document,
        not_understood=[],
        refusal=None,
    )
