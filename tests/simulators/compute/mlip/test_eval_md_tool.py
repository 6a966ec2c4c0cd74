"""`labwright mlip eval` and `md`, and the read-only prediction tool."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ase.io import read
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.provenance import sha256_file
from labwright.simulators.compute.mlip.tool import AtomsSpec, MlipPredictInput, run_mlip_predict_tool


def test_eval_reproduces_the_training_report(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any]
) -> None:
    model, test = tiny_cu["model_path"], tiny_cu["data_files"]["test"]
    code, stdout, stderr = mlip_cli(["mlip", "eval", model, "--data", test, "--no-committee", "--json"])
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    assert report["n_configs"] == 8 and report["n_atoms"] == 8 * 32
    assert report["energy_mae_mev_per_atom"] == pytest.approx(tiny_cu["energy_mae_mev_per_atom"])
    assert report["force_rmse_mev_per_a"] == pytest.approx(tiny_cu["force_rmse_mev_per_a"])
    assert report["force_rmse_mev_per_a"] >= report["force_mae_mev_per_a"]

    code, stdout, _ = mlip_cli(["mlip", "eval", model, "--data", test, "--json"])
    committee = json.loads(stdout)
    assert committee["committee"] == 2 and committee["mean_max_force_std_ev_per_a"] > 0
    assert committee["energy_mae_mev_per_atom"] == pytest.approx(
        tiny_cu["committee_test"]["energy_mae_mev_per_atom"]
    )


def test_eval_thresholds_and_bad_input_exit_codes(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any], tmp_path: Path
) -> None:
    model, test = tiny_cu["model_path"], tiny_cu["data_files"]["test"]
    code, stdout, _ = mlip_cli(["mlip", "eval", model, "--data", test, "--max-energy-mae", "0.001", "--json"])
    assert code == 1 and json.loads(stdout)["passed"] is False
    code, stdout, _ = mlip_cli(["mlip", "eval", model, "--data", str(tmp_path / "no.xyz"), "--json"])
    assert code == 2 and "does not exist" in json.loads(stdout)["error"]


def test_md_writes_a_trajectory_with_uncertainty(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any], tmp_path: Path
) -> None:
    traj = tmp_path / "traj.extxyz"
    code, stdout, stderr = mlip_cli(
        ["mlip", "md", tiny_cu["model_path"], "--structure", tiny_cu["data_files"]["test"],
         "--steps", "6", "--interval", "2", "--temperature", "600", "--timestep", "1",
         "--seed", "3", "-o", str(traj), "--json"]
    )  # fmt: skip
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    frames = read(traj, index=":")
    assert report["frames"] == len(frames) == 4  # steps 0, 2, 4, 6
    assert [f.info["step"] for f in frames] == [0, 2, 4, 6]
    assert all(np.isfinite(f.get_potential_energy()) for f in frames)
    assert all(f.get_forces().shape == (32, 3) and f.info["max_force_std"] >= 0 for f in frames)
    assert report["max_force_std_ev_per_a"] == pytest.approx(max(f.info["max_force_std"] for f in frames))
    assert not np.allclose(frames[0].positions, frames[-1].positions)


def test_tool_predicts_with_uncertainty_and_provenance(tiny_cu: dict[str, Any]) -> None:
    out = run_mlip_predict_tool(
        MlipPredictInput(model_path=tiny_cu["model_path"], structure=tiny_cu["data_files"]["test"])
    )
    assert len(out.frames) == out.frames_requested == 8 and not out.truncated
    assert out.uncertainty.committee_size == 2 and out.uncertainty.energy_std_ev >= 0
    assert len(out.forces) == 32 and all(len(row) == 3 for row in out.forces)
    model = Path(tiny_cu["model_path"])
    assert out.provenance.model_files["cu.model"] == sha256_file(model)
    assert out.provenance.reference == "emt" and out.provenance.seed == 0
    assert "mace-torch" in out.provenance.versions
    # round trip through JSON, as an agent would see it
    assert json.loads(out.model_dump_json())["energy_ev"] == pytest.approx(out.energy_ev)

    from ase.build import bulk

    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    spec = AtomsSpec(
        symbols=cu.get_chemical_symbols(),
        positions=cu.positions.tolist(),
        cell=cu.cell.array.tolist(),
        pbc=True,
    )
    single = run_mlip_predict_tool(MlipPredictInput(model_path=str(model), structure=spec, committee=False))
    assert single.uncertainty.committee_size == 1 and single.uncertainty.energy_std_ev == 0.0
    assert np.allclose(single.forces, 0.0, atol=1e-6)  # perfect fcc: forces vanish by symmetry


def test_tool_time_budget_and_unknown_elements(tiny_cu: dict[str, Any]) -> None:
    out = run_mlip_predict_tool(
        MlipPredictInput(
            model_path=tiny_cu["model_path"],
            structure=tiny_cu["data_files"]["test"],
            time_budget_s=1e-9,
        )
    )
    assert out.truncated and len(out.frames) == 1 and out.frames_requested == 8
    gold = AtomsSpec(symbols=["Au", "Au"], positions=[[0, 0, 0], [2.9, 0, 0]])
    with pytest.raises(LabwrightError, match="does not know"):
        run_mlip_predict_tool(MlipPredictInput(model_path=tiny_cu["model_path"], structure=gold))
