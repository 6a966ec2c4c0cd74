"""`labwright mlip train` with mace-torch's own trainer: files, MACE format, committee spread."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from labwright.simulators.compute.mlip.dataset import read_extxyz
from labwright.simulators.compute.mlip.provenance import sha256_file


def test_train_writes_mace_models_data_and_card(tiny_cu: dict[str, Any]) -> None:
    base = Path(tiny_cu["dir"])
    assert tiny_cu["committee"] == 2 and len(tiny_cu["member_paths"]) == 2
    assert tiny_cu["n_train"] == 12 and tiny_cu["n_valid"] == 4 and tiny_cu["n_test"] == 8
    assert 1000 < tiny_cu["n_params"] < 100_000
    assert tiny_cu["e0s"]["Cu"] > 0.0  # EMT's isolated Cu atom, computed, not fitted
    for key in ("energy_mae_mev_per_atom", "force_mae_mev_per_a", "train_seconds"):
        assert np.isfinite(tiny_cu[key]) and tiny_cu[key] > 0
    card = json.loads((base / "cu.model.json").read_text())
    assert card["members"] == ["cu.model", "cu.member1.model"]
    assert card["sha256"]["cu.model"] == sha256_file(base / "cu.model")
    assert tiny_cu["provenance"]["model_files"]["cu.member1.model"] == sha256_file(base / "cu.member1.model")
    assert len(read_extxyz(base / "cu.train.extxyz")) == 12


def test_model_file_loads_in_maces_own_calculator(tiny_cu: dict[str, Any]) -> None:
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator
    from labwright.simulators.compute.mlip.mace_import import import_mace

    import_mace()
    from mace.calculators import MACECalculator

    base = Path(tiny_cu["dir"])
    frame = read_extxyz(base / "cu.test.extxyz")[0]
    a = frame.copy()
    a.calc = MACECalculator(model_paths=str(base / "cu.model"), device="cpu", default_dtype="float64")
    b = frame.copy()
    b.calc = CommitteeCalculator([base / "cu.model"])
    assert a.get_potential_energy() == pytest.approx(b.get_potential_energy(), abs=1e-8)
    assert np.allclose(a.get_forces(), b.get_forces(), atol=1e-8)


def test_committee_mean_and_spread(tiny_cu: dict[str, Any]) -> None:
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    base = Path(tiny_cu["dir"])
    members = [base / "cu.model", base / "cu.member1.model"]
    frame = read_extxyz(base / "cu.test.extxyz")[1]
    singles = []
    for m in members:
        a = frame.copy()
        a.calc = CommitteeCalculator([m])
        singles.append((a.get_potential_energy(), a.get_forces()))
    a = frame.copy()
    calc = CommitteeCalculator(members)
    a.calc = calc
    energy = a.get_potential_energy()
    assert energy == pytest.approx(np.mean([e for e, _ in singles]), abs=1e-8)
    assert calc.results["energy_std"] == pytest.approx(abs(singles[0][0] - singles[1][0]) / 2, abs=1e-8)
    std = calc.results["forces_std"]
    assert std.shape == (len(frame), 3)
    assert np.allclose(std, np.abs(singles[0][1] - singles[1][1]) / 2, atol=1e-8)
    assert calc.results["max_force_std"] == pytest.approx(np.linalg.norm(std, axis=1).max())
    assert calc.results["max_force_std"] > 0.0  # members trained with different seeds differ


def test_unreachable_scheduler_is_unusable_input(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tmp_path: Path
) -> None:
    code, stdout, _ = mlip_cli(
        ["mlip", "train", "--configs", "4", "--valid-configs", "2", "--test-configs", "2",
         "--batch-size", "2", "--committee", "2", "--scheduler", "tcp://127.0.0.1:9",
         "-o", str(tmp_path / "x.model"), "--json"]
    )  # fmt: skip
    assert code == 2
    err = json.loads(stdout)
    assert "cannot reach the Dask scheduler" in err["error"] and "tcp://" in err["hint"]
    assert not (tmp_path / "x.model").exists()
