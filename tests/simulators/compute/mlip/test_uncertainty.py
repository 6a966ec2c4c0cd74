"""Calibrated committee uncertainty: the statistics on distributions with known answers, then
on the session's tiny real committee through `labwright mlip calibrate` / `eval` and the tool."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from labwright.simulators.compute.mlip import uncertainty as uq


def _gaussian_errors(seed: int, n: int, true_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Heteroscedastic errors: sigma ~ U(0.1, 1), err ~ N(0, (true_scale * sigma)^2)."""
    rng = np.random.default_rng(seed)
    sigma = rng.uniform(0.1, 1.0, size=n)
    return rng.normal(0.0, true_scale * sigma), sigma


def test_conformal_quantile_is_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 20.0)  # 19 scores: rank ceil(20 * 0.95) = 19, the largest
    assert uq.conformal_quantile(scores, 0.95) == 19.0
    scores = np.arange(1.0, 100.0)[::-1]  # 99 scores, unsorted: rank ceil(100 * 0.9) = 90
    assert uq.conformal_quantile(scores, 0.9) == 90.0
    # too few scores for the rank: the largest one
    assert uq.conformal_quantile(np.array([3.0, 1.0, 2.0]), 0.95) == 3.0


def test_gaussian_multiplier_and_coverage_arithmetic() -> None:
    assert uq.gaussian_quantile(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert uq.coverage(np.array([-1.0, 0.5, 2.0, -3.0]), np.array([1.0, 1.0, 1.0, 5.0])) == 0.75
    assert uq.gaussian_scale(np.array([2.0, -2.0]), np.array([1.0, 1.0])) == pytest.approx(2.0)


def test_miscalibration_area_limits() -> None:
    levels = np.array(uq.LEVELS)
    assert uq.miscalibration_area(levels, levels) == pytest.approx(0.0, abs=1e-12)
    # intervals that always cover (far too wide) or never (far too narrow): area 1/2 (0.495 on
    # the 0.01 grid: the step from level 0 to 0.01 is a trapezoid)
    assert uq.miscalibration_area(levels, np.ones_like(levels)) == pytest.approx(0.495, abs=1e-9)
    assert uq.miscalibration_area(levels, np.zeros_like(levels)) == pytest.approx(0.495, abs=1e-9)


@pytest.mark.parametrize("method", ["scale", "conformal"])
def test_calibration_brings_coverage_to_the_nominal_level(method: str) -> None:
    """Errors twice the spread: raw 1.96-sigma intervals cover P(|Z| < 0.98) = 67 %; calibrated on
    one sample, the intervals cover 95 % of a fresh one, and the miscalibration area shrinks."""
    cal_err, cal_sig = _gaussian_errors(0, 4000, true_scale=2.0)
    test_err, test_sig = _gaussian_errors(1, 4000, true_scale=2.0)
    raw = uq.ComponentCalibration(method="scale", scale=1.0, quantiles=[0.0] * len(uq.LEVELS), n_scores=0)
    fitted = uq.calibrate_component(cal_err, cal_sig, method)  # type: ignore[arg-type]
    before = uq.interval_metrics(test_err, test_sig, raw, 0.95)
    after = uq.interval_metrics(test_err, test_sig, fitted, 0.95)
    assert before.coverage == pytest.approx(math.erf(0.98 / math.sqrt(2.0)), abs=0.02)
    assert after.coverage == pytest.approx(0.95, abs=0.012)
    assert before.miscalibration_area > 0.15 > 0.02 > after.miscalibration_area
    assert fitted.scale == pytest.approx(2.0, rel=0.05)
    # one scale factor changes coverage but never the ranking
    assert before.spearman == after.spearman and after.spearman is not None and after.spearman > 0.3


def test_spearman_needs_variation() -> None:
    assert uq.spearman(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0])) is None
    assert uq.spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 4.0, 9.0, 16.0])) == 1.0


# ----------------------------------------------------------------------------- the tiny committee


def test_training_a_committee_calibrates_it(tiny_cu: dict[str, Any]) -> None:
    cal = tiny_cu["calibration"]
    assert cal["method"] == "conformal" and cal["committee"] == 2
    assert tiny_cu["n_calib"] == 20 and Path(tiny_cu["data_files"]["calib"]).is_file()
    forces = tiny_cu["test_uncertainty"]["forces"]
    assert 0.0 <= forces["coverage"] <= 1.0 and forces["n"] == 8 * 32 * 3


def test_eval_prints_coverage_spearman_and_area(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any]
) -> None:
    """The committee `mlip train` calibrated: `mlip eval` prints the intervals' quality."""
    code, stdout, stderr = mlip_cli(
        ["mlip", "eval", tiny_cu["model_path"], "--data", tiny_cu["data_files"]["test"]]
    )
    assert code == 0, stdout + stderr
    for row in ("calibration", "force 95% interval coverage", "force Spearman", "force miscalibration area"):
        assert row in stdout
    assert "energy 95% interval coverage" in stdout and "energy miscalibration area" in stdout


@pytest.mark.slow
def test_calibrate_then_eval_prints_coverage_spearman_and_area(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any], tmp_path: Path
) -> None:
    import shutil

    # a private copy of the committee: calibrating rewrites the card
    src = Path(tiny_cu["model_path"])
    for f in src.parent.glob("cu.*"):
        shutil.copy(f, tmp_path / f.name)
    model, test = tmp_path / "cu.model", Path(tiny_cu["data_files"]["test"])
    code, stdout, stderr = mlip_cli(["mlip", "calibrate", str(model), "--data", str(test), "--json"])
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    # split-conformal on the set itself covers at least the nominal share (rank ceil((n+1)p))
    for part in ("energy", "forces"):
        assert report["on_calibration_data"][part]["coverage"] >= 0.95
    code, stdout, stderr = mlip_cli(["mlip", "eval", str(model), "--data", str(test), "--json"])
    assert code == 0, stdout + stderr
    ev = json.loads(stdout)
    assert ev["uncertainty"]["forces"]["coverage"] == report["on_calibration_data"]["forces"]["coverage"]
    assert ev["uncertainty"]["forces"]["spearman"] == report["on_calibration_data"]["forces"]["spearman"]
    code, stdout, stderr = mlip_cli(["mlip", "eval", str(model), "--data", str(test)])
    assert code == 0, stdout + stderr
    for row in ("force 95% interval coverage", "force Spearman", "force miscalibration area", "energy 95%"):
        assert row in stdout
    # a scale-factor calibration of the same committee gives other intervals
    code, stdout, stderr = mlip_cli(
        ["mlip", "calibrate", str(model), "--data", str(test), "--method", "scale", "--json"]
    )
    assert code == 0, stdout + stderr
    scaled = json.loads(stdout)["calibration"]["forces"]
    assert scaled["method"] == "scale"
    assert scaled["scale"] * uq.gaussian_quantile(0.95) != pytest.approx(
        report["calibration"]["forces"]["quantiles"][94]
    )


def test_uncalibrated_intervals_differ_from_calibrated_on_real_predictions(tiny_cu: dict[str, Any]) -> None:
    from labwright.simulators.compute.mlip.calibration import committee_predictions
    from labwright.simulators.compute.mlip.dataset import read_extxyz
    from labwright.simulators.compute.mlip.store import committee_paths

    paths = committee_paths(tiny_cu["model_path"])
    preds = committee_predictions(paths, read_extxyz(tiny_cu["data_files"]["test"]))
    cal = uq.calibrate(preds, "conformal", committee=2)
    err, sig = uq.force_errors(preds)
    raw = uq.coverage(err, 1.96 * sig)
    calibrated = uq.coverage(err, cal.force_halfwidth(sig))
    assert calibrated >= 0.95 and calibrated != raw


def test_tool_reports_intervals_and_calibration_provenance(tiny_cu: dict[str, Any]) -> None:
    from labwright.simulators.compute.mlip.tool import MlipPredictInput, run_mlip_predict_tool

    out = run_mlip_predict_tool(
        MlipPredictInput(model_path=tiny_cu["model_path"], structure=tiny_cu["data_files"]["test"])
    )
    u = out.uncertainty
    assert u.calibration == "conformal" and u.level == 0.95
    assert u.energy_interval_ev is not None and u.energy_interval_ev > 0
    assert u.force_intervals_ev_per_a is not None and len(u.force_intervals_ev_per_a) == len(out.forces)
    assert u.max_force_interval_ev_per_a == max(u.force_intervals_ev_per_a)
    assert out.provenance.calibration_data == "cu.calib.extxyz"


def test_bad_input_exits_2(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tiny_cu: dict[str, Any], tmp_path: Path
) -> None:
    code, stdout, stderr = mlip_cli(
        ["mlip", "train", "--md-temperatures", "hot", "-o", str(tmp_path / "x.model")]
    )
    assert code == 2 and "LOW:HIGH" in stdout + stderr
    code, stdout, stderr = mlip_cli(
        ["mlip", "calibrate", tiny_cu["model_path"], "--data", str(tmp_path / "missing.extxyz")]
    )
    assert code == 2 and "does not exist" in stdout + stderr


def test_selection_by_uncertainty_and_at_random_spend_the_same_budget() -> None:
    from labwright.simulators.compute.mlip.active_learning import select

    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.2, 0.7])
    assert list(select(scores, 3, "uncertainty", np.random.default_rng(0))) == [1, 3, 5]
    picked = select(scores, 3, "random", np.random.default_rng(0))
    assert len(set(picked.tolist())) == 3 and all(0 <= i < 6 for i in picked)
    # more than the pool: everything, once
    assert sorted(select(scores, 10, "uncertainty", np.random.default_rng(0)).tolist()) == list(range(6))
