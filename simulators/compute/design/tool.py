"""Inverse molecular design as a read-only agent tool: pydantic in, pydantic out, time-boxed,
with provenance (objectives, seed, seed-pool files, package versions), following the agent-tool
convention (``labwright.protocols.tooling``).

Read-only: it writes nothing (no costly-oracle cache on disk; the seed pool's own cache under the
user cache directory is the only file it may create, and that holds RDKit's bundled molecules).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from labwright.protocols.tooling import ToolInput, ToolOutput, ToolProvenance, agent_tool
from labwright.simulators.compute.design.models import DesignResult, Method
from pydantic import Field

TOOL_NAME = "molecular_design"
TOOL_DESCRIPTION = (
    "Inverse molecular design: proposes molecules (SMILES) that maximise objectives such as "
    "QED ('qed'), synthetic accessibility ('sa'), logP/TPSA/MW windows ('logp:1:3'), ECFP4 "
    "similarity to a drug or SMILES ('similarity:celecoxib'), required or forbidden "
    "substructures ('substructure:SMARTS', 'exclude:SMARTS') and a GFN2-xTB HOMO-LUMO gap window "
    "in eV ('gap:3:5', costly), and the PMO benchmark oracles ('pmo:osimertinib_mpo', "
    "'pmo:median1', 'pmo:qed', ...). Graph GA, mol-ga (graph GA with the mol-ga library's "
    "operators, optionally surrogate-guided), SELFIES GA or a random screen of RDKit's bundled "
    "molecules. Returns the best molecules with per-objective scores and the PMO top-10 AUC. "
    "Read-only and time-boxed."
)

#: the packages a design result depends on (those installed are recorded)
PACKAGES = (
    "labwright",
    "rdkit",
    "selfies",
    "mol-ga",
    "tblite",
    "numpy",
    "dask",
    "distributed",
    "pydantic",
)


class DesignInput(ToolInput):
    """What the agent asks for (and ``time_budget_s``, from ToolInput)."""

    objectives: list[str] = Field(min_length=1, description="objective specs, e.g. ['qed', 'sa']")
    weights: list[float] | None = Field(None, description="one weight per objective")
    method: Method = "graph-ga"
    budget: int = Field(1000, ge=1, le=100_000, description="unique oracle calls")
    seed: int = 0
    pareto: bool = False
    top_n: int = Field(10, ge=1, le=100)
    oversample: float = Field(
        1.0, ge=1.0, le=50.0, description="mol-ga: candidates bred per scored one (surrogate pick)"
    )


class Provenance(ToolProvenance):
    """The design's settings and seed pool, and the tool call's provenance."""

    tool: str = TOOL_NAME
    objectives: list[str]
    weights: list[float]
    method: Method
    seed: int
    budget: int
    seed_pool_files: list[str]
    request_sha256: str
    started_at: str


class DesignOutput(ToolOutput):
    """What the tool returns."""

    result: DesignResult
    stopped_early: bool = Field(description="True when the time budget ran out first")
    provenance: Provenance


@agent_tool(TOOL_NAME, TOOL_DESCRIPTION, packages=PACKAGES)
def run_design_tool(
    request: DesignInput, *, workers: int = 1, scheduler: str | None = None
) -> DesignOutput:
    """Run a design within ``request.time_budget_s`` seconds and report what it found."""
    from labwright.simulators.compute.design.models import DesignConfig
    from labwright.simulators.compute.design.run import run_design

    started = datetime.now(UTC).isoformat(timespec="seconds")
    config = DesignConfig(
        objectives=request.objectives,
        weights=request.weights,
        method=request.method,
        budget=request.budget,
        seed=request.seed,
        pareto=request.pareto,
        top_n=request.top_n,
        oversample=request.oversample,
        time_budget_s=request.time_budget_s,
        workers=workers,
        scheduler=scheduler,
        cache_path=None,
    )
    result = run_design(config)
    digest = hashlib.sha256(
        json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    return DesignOutput(
        result=result,
        stopped_early=result.stopped_by == "time",
        provenance=Provenance(
            objectives=result.objectives,
            weights=result.weights,
            method=result.method,
            seed=result.seed,
            budget=result.budget,
            seed_pool_files=result.seed_pool.files,
            request_sha256=digest,
            started_at=started,
        ),  # python and package versions: filled by run_tool
    )
