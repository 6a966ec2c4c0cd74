# placeholder: replaced by the planner branch on merge
"""The offline planner's API, as agreed with the planner branch (issue 15, item 2).

This module only fixes the signatures the chat graph codes against; every function raises
``NotImplementedError``. The real planner (a grammar-based parser of plain English into the
protocol language, and a repair step that acts on verifier findings) lands from its own branch.
"""

from __future__ import annotations

from labwright.protocols.findings import Finding
from pydantic import BaseModel


class PlanResult(BaseModel):
    understood: str
    purpose: str
    plan: list[str]
    document: dict | None
    not_understood: list[str]
    refusal: str | None


class RepairResult(BaseModel):
    document: dict
    changes: list[str]
    gave_up: bool


def plan_offline(request: str) -> PlanResult:
    raise NotImplementedError("placeholder: the offline planner lands from the planner branch")


def repair_offline(document: dict, findings: list[Finding]) -> RepairResult:
    raise NotImplementedError("placeholder: the offline planner lands from the planner branch")
