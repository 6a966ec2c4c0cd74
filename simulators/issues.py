"""Issues raised by the simulators (deck layout and replay).

The verifier turns each into a ``Finding``; simulators sit below verifiers and cannot import
them, so this record mirrors the finding's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    code: str
    category: str
    severity: str
    message: str
    hint: str = ""
    step: int | None = None
    pointer: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def issue(
    code: str,
    category: str,
    severity: str,
    message: str,
    hint: str = "",
    *,
    step: int | None = None,
    pointer: str = "",
    **data: Any,
) -> Issue:
    return Issue(code, category, severity, message, hint, step, pointer, data)
