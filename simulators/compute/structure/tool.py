"""The structure search as a read-only agent tool: pydantic in, pydantic out, time-boxed, with
provenance (the agent-tool convention, ``labwright.protocols.tooling``). It changes nothing
outside itself (the best structure is returned inline as extended XYZ text, not written to disk)."""

from __future__ import annotations

import io
from typing import Any, Literal

from labwright.protocols.tooling import ToolInput, ToolOutput, ToolProvenance, agent_tool
from labwright.simulators.compute.structure.provenance import PACKAGES
from labwright.simulators.compute.structure.search import Method, MinimumRecord, RunRecord
from pydantic import Field

TOOL_NAME = "structure_search"
TOOL_DESCRIPTION = (
    "Global structure search for a cluster or crystal of a given composition: basin hopping, "
    "population basin hopping with compressed local searches (Lennard-Jones clusters; the method "
    "for the hard ones such as LJ75 or LJ98), or AIRSS random search, relaxed with Lennard-Jones "
    "(reduced units), EMT or a MACE model. "
    "Returns the distinct minima, lowest energy (enthalpy at pressure) first, and the best "
    "structure as extended XYZ. Read-only; stops cleanly when its time budget runs out."
)


class StructureSearchInput(ToolInput):
    """What the agent asks for (and ``time_budget_s``, from ToolInput)."""

    composition: str = Field(..., description="e.g. LJ13, Cu13, Ag4, Cu3Au")
    calculator: Literal["lj", "emt", "mace"] = "lj"
    model: str | None = Field(None, description="MACE model file (calculator mace)")
    method: Method = "basin-hopping"
    periodic: bool = False
    pressure_gpa: float = 0.0
    steps: int = Field(
        500, ge=0, le=100_000, description="basin-hopping steps (population: local searches) per run"
    )
    runs: int = Field(1, ge=1, le=64)
    trials: int = Field(20, ge=1, le=10_000, description="AIRSS trials")
    seed: int = 0
    target_energy: float | None = None
    top: int = Field(10, ge=1, le=100)


class Provenance(ToolProvenance):
    """Calculator (and model), seed and settings of the search, and the tool call's provenance."""

    calculator: str
    model: str | None = None
    model_sha256: str | None = None
    seed: int
    settings: dict[str, Any]


class StructureSearchOutput(ToolOutput):
    """What the tool returns."""

    composition: str
    method: Method
    energy_unit: str
    best_energy: float
    best_enthalpy: float
    steps: int
    relaxations: int
    minima: list[MinimumRecord]
    runs: list[RunRecord]
    best_structure_extxyz: str
    stop_reason: str
    stopped_early: bool = Field(description="True when the time budget ran out first")
    elapsed_s: float
    provenance: Provenance


@agent_tool(TOOL_NAME, TOOL_DESCRIPTION, packages=PACKAGES)
def run_structure_search_tool(
    request: StructureSearchInput, *, workers: int = 1, scheduler: str | None = None
) -> StructureSearchOutput:
    """Run the search within ``request.time_budget_s`` seconds and report what it found."""
    from ase.io import write
    from labwright.simulators.compute.structure.calculators import CalculatorSpec
    from labwright.simulators.compute.structure.provenance import provenance
    from labwright.simulators.compute.structure.search import SearchSettings, search

    settings = SearchSettings(
        composition=request.composition,
        calculator=CalculatorSpec(name=request.calculator, model=request.model),
        method=request.method,
        periodic=request.periodic,
        pressure_gpa=request.pressure_gpa,
        seed=request.seed,
        steps=request.steps,
        runs=request.runs,
        trials=request.trials,
        stop_energy=request.target_energy,
        archive_size=request.top,
        time_budget_s=request.time_budget_s,
    )
    outcome = search(settings, workers=workers, scheduler=scheduler)
    result = outcome.result
    buffer = io.StringIO()
    atoms = outcome.best_atoms.copy()
    atoms.info.update({"energy": result.best_energy, "seed": request.seed})
    write(buffer, atoms, format="extxyz")
    return StructureSearchOutput(
        composition=result.composition,
        method=result.method,
        energy_unit=result.energy_unit,
        best_energy=result.best_energy,
        best_enthalpy=result.best_enthalpy,
        steps=result.steps,
        relaxations=result.relaxations,
        minima=result.minima,
        runs=result.runs,
        best_structure_extxyz=buffer.getvalue(),
        stop_reason=result.stop_reason,
        stopped_early=result.stopped_early,
        elapsed_s=result.elapsed_s,
        provenance=Provenance(**provenance(settings)),
    )
