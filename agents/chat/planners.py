"""Planners: who turns the request into a protocol draft, and repairs a draft against findings.

Two kinds serve the graph through one interface (:class:`Planner`): the built-in offline planner
(``labwright.agents.planner``: a grammar, no model, no network; the default) and a language
model (``labwright.agents.chat.llm_planner``). Whatever a planner returns is a *proposal*: the
graph compiles and verifies it with labwright's own code, and nothing a planner says (its text,
a "certificate" it claims, its list of changes) decides what is dispatched.
"""

from __future__ import annotations

from typing import Any, Protocol

from labwright.protocols.errors import LabwrightError
from labwright.protocols.findings import Finding
from pydantic import BaseModel, Field


class Understanding(BaseModel):
    """What the planner understood of the request (and, for a planner that drafts while it
    reads, the first draft)."""

    understood: str = ""
    purpose: str = ""
    plan: list[str] = Field(default_factory=list)
    not_understood: list[str] = Field(default_factory=list)
    refusal: str | None = None
    document: dict[str, Any] | None = None


class Draft(BaseModel):
    """A protocol document proposed by a planner, with what it says it changed."""

    document: dict[str, Any] | None = None
    changes: list[str] = Field(default_factory=list)
    gave_up: bool = False
    note: str = Field(default="", description="why there is no document, when there is none")


class PlannerFailedError(LabwrightError):
    """A planner produced nothing usable (e.g. a model that never submitted valid JSON)."""


class Planner(Protocol):
    name: str

    def understand(self, request: str) -> Understanding: ...

    def draft(self, request: str, understanding: Understanding) -> Draft: ...

    def repair(
        self, request: str, document: dict[str, Any], findings: list[Finding], round: int
    ) -> Draft: ...


class OfflinePlanner:
    """The built-in planner: it drafts while it reads, and repairs by rule."""

    name = "offline"

    def understand(self, request: str) -> Understanding:
        from labwright.agents.planner import plan_offline

        result = plan_offline(request)
        return Understanding(
            understood=result.understood,
            purpose=result.purpose,
            plan=list(result.plan),
            not_understood=list(result.not_understood),
            refusal=result.refusal,
            document=result.document,
        )

    def draft(self, request: str, understanding: Understanding) -> Draft:
        if understanding.document is None:
            return Draft(note="the offline planner found no protocol in the request")
        return Draft(document=understanding.document)

    def repair(self, request: str, document: dict[str, Any], findings: list[Finding], round: int) -> Draft:
        from labwright.agents.planner import repair_offline

        result = repair_offline(document, findings)
        return Draft(document=result.document, changes=list(result.changes), gave_up=result.gave_up)
