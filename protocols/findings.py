"""Findings: what the verifier says about a protocol.

A finding is a value, never an exception. Its ``code`` is stable (UPPER_SNAKE) so that tools,
tests and LLM repair prompts can rely on it; ``hint`` says how to fix the problem.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Category(StrEnum):
    SCHEMA = "schema"
    REFERENCE = "reference"
    DECK = "deck"
    PIPETTE = "pipette"
    TIP = "tip"
    VOLUME = "volume"
    LOCATION = "location"
    TEMPERATURE = "temperature"
    SAFETY = "safety"
    POLICY = "policy"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Finding(BaseModel):
    """One problem (or note) about a protocol."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    category: Category
    severity: Severity
    message: str
    hint: str = ""
    step: int | None = Field(default=None, description="0-based index into protocol.steps")
    pointer: str = Field(default="", description="RFC 6901 JSON pointer into the protocol")
    data: dict[str, Any] = Field(default_factory=dict, description="machine-readable details")
    requires_approval: bool = False

    def sort_key(self) -> tuple[int, int, str, str]:
        step = -1 if self.step is None else self.step
        return (step, SEVERITY_ORDER[self.severity], self.code, self.pointer)


def finding(
    code: str,
    category: Category | str,
    severity: Severity | str,
    message: str,
    hint: str = "",
    *,
    step: int | None = None,
    pointer: str = "",
    **data: Any,
) -> Finding:
    """Shorthand constructor used by the passes."""
    return Finding(
        code=code,
        category=Category(category),
        severity=Severity(severity),
        message=message,
        hint=hint,
        step=step,
        pointer=pointer,
        data=data,
    )


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
