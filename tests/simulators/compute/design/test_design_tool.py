"""The read-only agent tool: pydantic in and out, time-boxed, with provenance."""

from __future__ import annotations

import pytest
from labwright.simulators.compute.design.tool import (
    TOOL_NAME,
    DesignInput,
    DesignOutput,
    run_design_tool,
)
from pydantic import ValidationError


def test_tool_returns_molecules_and_provenance() -> None:
    out = run_design_tool(DesignInput(objectives=["qed", "mw:200:350"], budget=150, seed=2))
    assert isinstance(out, DesignOutput)
    assert out.result.calls == 150 and not out.stopped_early
    p = out.provenance
    assert p.tool == TOOL_NAME
    assert p.objectives == ["qed", "mw:200:350"] and p.seed == 2 and p.method == "graph-ga"
    assert {"rdkit", "selfies", "tblite", "labwright"} <= set(p.versions)
    assert p.seed_pool_files and len(p.request_sha256) == 64
    again = run_design_tool(DesignInput(objectives=["qed", "mw:200:350"], budget=150, seed=2))
    assert [m.smiles for m in again.result.top] == [m.smiles for m in out.result.top]
    DesignOutput.model_validate_json(out.model_dump_json())  # serialisable for the ledger


def test_tool_respects_its_time_budget() -> None:
    out = run_design_tool(DesignInput(objectives=["qed"], budget=100_000, time_budget_s=1.5))
    assert out.stopped_early and out.result.calls < 100_000


def test_tool_input_is_validated() -> None:
    with pytest.raises(ValidationError):
        DesignInput(objectives=[])
    with pytest.raises(ValidationError):
        DesignInput(objectives=["qed"], cache_path="/tmp/x")  # no writes from the tool


def test_tool_runs_a_pmo_task_with_mol_ga() -> None:
    out = run_design_tool(
        DesignInput(objectives=["pmo:perindopril_mpo"], method="mol-ga", budget=120, seed=0)
    )
    assert out.result.calls == 120 and out.provenance.method == "mol-ga"
    assert out.provenance.objectives == ["pmo:perindopril_mpo"]
    assert "mol-ga" in out.provenance.versions
    assert 0.0 < out.result.auc_top10 <= out.result.top10_mean
