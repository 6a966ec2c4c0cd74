"""`labwright mlip finetune`: a new element, replay, and the OLD test set before and after."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ase.build import bulk
from labwright.simulators.compute.mlip.provenance import sha256_file


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_finetune_adds_aluminium_and_reports_forgetting(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any], tmp_path: Path
) -> None:
    base = Path(tiny_cu["model_path"])
    out = tmp_path / "cual.model"
    code, stdout, stderr = mlip_cli(
        ["mlip", "finetune", str(base), "--elements", "Al", "--configs", "8", "--replay", "4",
         "--test-configs", "6", "--epochs", "2", "--swa-start", "1", "--seed", "1",
         "-o", str(out), "--json"]
    )  # fmt: skip
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    assert report["new_elements"] == ["Al"] and report["elements"] == ["Al", "Cu"]
    assert report["n_train_new"] == 8 and report["n_train_total"] == 12 and report["replay"] == 4
    assert report["n_test_old"] == tiny_cu["n_test"]
    # "before" is the base model on its own held-out set: what `train` measured
    before = report["old_test_before"]
    assert before["energy_mae_mev_per_atom"] == pytest.approx(tiny_cu["energy_mae_mev_per_atom"])
    assert before["force_mae_mev_per_a"] == pytest.approx(tiny_cu["force_mae_mev_per_a"])
    after = report["old_test_after"]
    assert report["energy_forgetting_ratio"] == pytest.approx(
        after["energy_mae_mev_per_atom"] / before["energy_mae_mev_per_atom"]
    )
    # the offset refit moved both elements' E0s (both have training data: Al new, Cu replayed)
    assert set(report["energy_offsets_mev_per_atom"]) == {"Al", "Cu"}
    assert report["old_test_after_training"]["n_configs"] == tiny_cu["n_test"]
    assert report["replay_weight"] == pytest.approx(3 * 8 / 4)
    assert report["new_test_after"]["n_configs"] == 6
    card = json.loads(out.with_name("cual.model.json").read_text())
    assert card["parent"]["sha256"] == sha256_file(base) and card["parent"]["replay"] == 4

    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    alloy = bulk("Cu", "fcc", a=3.8, cubic=True)
    alloy.symbols[[0, 1]] = "Al"
    alloy.calc = CommitteeCalculator([out])
    assert abs(alloy.get_potential_energy()) < 1e3  # the fine-tuned model knows both elements


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_replay_larger_than_the_old_training_set_is_unusable(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_model: Path, tmp_path: Path
) -> None:
    code, stdout, _ = mlip_cli(
        ["mlip", "finetune", str(tiny_model), "--elements", "Al", "--replay", "500",
         "-o", str(tmp_path / "x.model"), "--json"]
    )  # fmt: skip
    assert code == 2
    err = json.loads(stdout)
    assert "--replay 500" in err["error"] and err["hint"]


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_finetune_without_a_card_needs_the_old_data(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_model: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bare.model"
    bare.write_bytes(tiny_model.read_bytes())  # a bare MACE file, e.g. from mace_run_train
    code, stdout, _ = mlip_cli(
        ["mlip", "finetune", str(bare), "--reference", "emt", "--elements", "Al",
         "-o", str(tmp_path / "y.model"), "--json"]
    )  # fmt: skip
    assert code == 2
    assert "--old-train" in json.loads(stdout)["hint"]


def test_finetune_defaults_match_what_the_cli_help_says() -> None:
    from labwright.simulators.compute.mlip.finetune import FINETUNE_EPOCHS, FINETUNE_LR, finetune_settings
    from typer.testing import CliRunner

    from labwright.cli import app

    s = finetune_settings(None)
    assert (s.epochs, s.swa_start, s.lr) == (FINETUNE_EPOCHS, FINETUNE_EPOCHS // 2, FINETUNE_LR)
    assert finetune_settings(None, epochs=10).swa_start == 5
    res = CliRunner().invoke(app, ["mlip", "finetune", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert f"(default {FINETUNE_EPOCHS})" in text
    assert f"(default {FINETUNE_LR})" in text
    assert "(default: half the epochs)" in text
