"""The planner's answers (pydantic, the boundary the chat agent codes against)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlanResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    understood: str = Field(description="the request in the planner's words")
    purpose: str = Field(description="the hypothesis/purpose of the experiment as understood")
    plan: list[str] = Field(description="the plan, one line per step, human readable")
    document: dict[str, Any] | None = Field(
        description="the protocol in the labwright protocol language; None if nothing could be planned"
    )
    not_understood: list[str] = Field(
        description="parts of the request it did not understand (never guessed)"
    )
    refusal: str | None = Field(description="a reason it will not plan this, else None")


class RepairResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    document: dict[str, Any]
    changes: list[str] = Field(description="what it changed and why (one line each, naming the finding code)")
    gave_up: bool = Field(description="True when it has no repair for the remaining findings")
