"""Inverse molecular design as a read-only agent tool: pydantic in, pydantic out, time-boxed,
with provenance (objectives, seed, seed-pool files, package versions).

Read-only: it writes nothing (no costly-oracle cache on disk; the seed pool's own cache under the
user cache directory is the only file it may create, and that holds RDKit's bundled molecules).
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib import metadata

from labwright.simulators.compute.design.models import DesignResult, Method
from pydantic import BaseModel, ConfigDict, Field

TOOL_NAME = "molecular_design"
TOOL_DESCRIPTION = (
    "Inverse molecular design: proposes molecules (SMILES) that maximise objectives such as "
    "QED ('qed'), synthetic accessibility ('sa'), logP/TPSA/MW windows ('logp:1:3'), ECFP4 "
    "similarity to a drug or SMILES ('similarity:celecoxib'), required or forbidden "
    "substructures ('substructure:SMARTS', 'exclude:SMARTS') and a GFN2-xTB HOMO-LUMO gap window "
    "in eV ('gap:3:5', costly). Graph GA, SELFIES GA or a random screen of RDKit's bundled "
    "molecules. Returns the best molecules with per-objective scores. Read-only and time-boxed."
)

_PACKAGES = ("labwright", "rdkit", "selfies", "tblite", "numpy", "dask", "distributed", "pydantic")


class DesignInput(BaseModel):
    """What the agent asks for."""

    model_config = ConfigDict(extra="forbid")

    objectives: list[str] = Field(min_length=1, description="objective specs, e.g. ['qed', 'sa']")
    weights: list[float] | None = Field(None, description="one weight per objective")
    method: Method = "graph-ga"
    budget: int = Field(1000, ge=1, le=100_000, description="unique oracle calls")
    seed: int = 0
    pareto: bool = False
    top_n: int = Field(10, ge=1, le=100)
    time_budget_s: float = Field(60.0, gt=0.0, le=24 * 3600.0)


class Provenance(BaseModel):
    tool: str = TOOL_NAME
    objectives: list[str]
    weights: list[float]
    method: Method
    seed: int
    budget: int
    seed_pool_files: list[str]
    request_sha256: str
    started_at: str
    python: str
    versions: dict[str, str]


class DesignOutput(BaseModel):
    """What the tool returns."""

    result: DesignResult
    stopped_early: bool = Field(description="True when the time budget ran out first")
    provenance: Provenance


def package_versions(names: tuple[str, ...] = _PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def run_design_tool(request: DesignInput, *, workers: int = 1, scheduler: str | None = None) -> DesignOutput:
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
        time_budget_s=request.time_budget_s,
        workers=workers,
        scheduler=scheduler,
        cache_path=None,
    )
    result = run_design(config)
    digest = hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
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
            python=platform.python_version(),
            versions=package_versions(),
        ),
    )
