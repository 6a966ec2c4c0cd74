"""What every pass after the schema pass receives: the protocol resolved against its deck
(``labwright.simulators.deck.resolve``) and a context with the options and what the earlier
passes produced. Every such pass is ``(resolved, context) -> list[Finding]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labwright.protocols.findings import Finding
from labwright.simulators.deck.resolve import ResolvedProtocol
from labwright.simulators.deck.twin import DeckTwin


@dataclass
class PassContext:
    strict: bool = False  # warnings count as errors
    policy_path: Path | None = None
    extra_labware: list[dict[str, Any]] = field(default_factory=list)
    # produced by earlier passes
    twin: DeckTwin | None = None  # the replay pass's twin, read by the safety pass
    policy_sha256: str | None = None  # the policy the safety and policy passes applied


Pass = Callable[[ResolvedProtocol, PassContext], list[Finding]]
