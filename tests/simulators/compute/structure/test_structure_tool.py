"""The agent tool: pydantic in and out, a time budget it respects, provenance."""

from __future__ import annotations

import io
import time

import pytest
from ase.io import read
from labwright.simulators.compute.structure.tool import (
    StructureSearchInput,
    StructureSearchOutput,
    run_structure_search_tool,
)
from pydantic import ValidationError


def test_tool_finds_lj13_and_reports_provenance() -> None:
    out = run_structure_search_tool(
        StructureSearchInput(composition="LJ13", steps=80, seed=2, time_budget_s=60)
    )
    assert isinstance(out, StructureSearchOutput)
    assert out.best_energy == pytest.approx(-44.326801, abs=1e-5)
    assert not out.stopped_early
    assert out.provenance.calculator == "lj" and out.provenance.seed == 2
    assert {"ase", "numpy", "scipy"} <= set(out.provenance.versions)
    atoms = read(io.StringIO(out.best_structure_extxyz), format="extxyz")
    assert len(atoms) == 13
    # the output is plain data: it survives a JSON round trip
    again = StructureSearchOutput.model_validate_json(out.model_dump_json())
    assert again.best_energy == out.best_energy


def test_tool_stops_cleanly_when_the_time_budget_runs_out() -> None:
    started = time.monotonic()
    out = run_structure_search_tool(
        StructureSearchInput(composition="LJ38", steps=100_000, seed=0, time_budget_s=1.5)
    )
    elapsed = time.monotonic() - started
    assert out.stopped_early and out.stop_reason == "time budget"
    assert 0 < out.steps < 100_000
    assert elapsed < 10.0
    assert out.minima and out.best_energy < -150.0


def test_tool_input_is_validated() -> None:
    with pytest.raises(ValidationError):
        StructureSearchInput(composition="LJ13", steps=-1)
    with pytest.raises(ValidationError):
        StructureSearchInput(composition="LJ13", unknown_option=1)


def test_airss_budget_still_reports_what_it_relaxed() -> None:
    out = run_structure_search_tool(
        StructureSearchInput(
            composition="Cu2",
            calculator="emt",
            method="airss",
            periodic=True,
            trials=500,
            time_budget_s=0.01,
        )
    )
    assert out.stopped_early
    assert 1 <= out.relaxations < 500
    assert out.minima[0].volume_per_atom is not None
