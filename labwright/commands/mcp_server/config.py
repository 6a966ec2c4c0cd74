"""The settings of one ``labwright mcp`` server (from its command line)."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: the repository's bundled examples (absent from a wheel install: no example resources then)
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
#: seconds an Opentrons analysis leaves the rest of a tool call (conversion, verification); at
#: most half the call's budget
ANALYSIS_MARGIN_S = 10.0
#: seconds a computational tool may take past its own cooperative budget (imports, one unit)
COMPUTE_GRACE_S = 20.0


class ServerConfig(BaseModel):
    """What the server may do and within which limits."""

    model_config = ConfigDict(frozen=True)

    transport: str = Field("stdio", description="stdio or http (recorded with a dispatch)")
    allow_dispatch: bool = False
    approver: str | None = Field(
        None, description="the person who approves findings that need approval (dispatch only)"
    )
    backend: str = "twin"
    robot: str | None = None
    store: Path | None = Field(None, description="run ledger file (None: LABWRIGHT_HOME/ledger.sqlite)")
    policy: Path | None = Field(None, description="lab policy YAML (None: the shipped policy)")
    max_certificate_age_s: float | None = None
    time_budget_s: float = Field(90.0, gt=0, description="wall-clock limit of any one tool call")
    analysis_memory_mb: int = Field(2048, ge=64)
    max_document_bytes: int = Field(1_000_000, gt=0, description="largest protocol text accepted")
    workers: int = Field(2, ge=1, description="tool calls that run at the same time")
    examples: Path = EXAMPLES

    @property
    def analysis_margin_s(self) -> float:
        return min(ANALYSIS_MARGIN_S, self.time_budget_s / 2)

    @property
    def analysis_wall_s(self) -> float:
        """The wall- and CPU-time limit of an Opentrons analysis: the budget less a margin."""
        return max(1.0, self.time_budget_s - self.analysis_margin_s)

    @property
    def compute_budget_max_s(self) -> float:
        """The largest ``time_budget_s`` a computational tool is given."""
        return max(1.0, self.time_budget_s - COMPUTE_GRACE_S)

    def analysis_limits(self, left_s: float | None = None):  # noqa: ANN201 - AnalysisLimits, imported lazily
        """The sandbox limits of an analysis that must end with ``left_s`` seconds of its call left
        (``ANALYSIS_MARGIN_S`` of them kept for converting and verifying its result)."""
        from labwright.simulators.opentrons_interop.sandbox import AnalysisLimits

        wall = self.analysis_wall_s
        if left_s is not None:
            wall = min(wall, left_s - self.analysis_margin_s)
        return AnalysisLimits(wall_s=max(1.0, math.floor(wall)), memory_mb=self.analysis_memory_mb)
