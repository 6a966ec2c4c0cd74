"""Query-by-committee active learning: one small iteration on argon clusters (exact LJ, no
periodicity, no stress), committees trained on a 2-worker Dask LocalCluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from labwright.simulators.compute.mlip.dataset import read_extxyz


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_active_learning_picks_the_most_uncertain_and_retrains(
    mlip_cli: Callable[[list[str]], tuple[int, str, str]], tmp_path: Path
) -> None:
    out = tmp_path / "al.model"
    code, stdout, stderr = mlip_cli(
        ["mlip", "active-learn", "--reference", "lj", "--elements", "Ar", "--initial", "8",
         "--pool", "6", "--per-iteration", "2", "--iterations", "1", "--committee", "2",
         "--test-configs", "4", "--epochs", "2", "--swa-start", "1", "--workers", "2",
         "--seed", "2", "-o", str(out), "--json"]
    )  # fmt: skip
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    (it,) = report["iterations"]
    assert it["n_train"] == 8 and it["pool_size"] == 6
    assert sum(it["picked_kinds"].values()) == 2
    # the picked candidates are the pool's most uncertain ones
    assert it["picked_mean_max_force_std"] >= it["pool_mean_max_force_std"] > 0
    assert report["final_n_train"] == 10
    assert len(read_extxyz(out.with_name("al.train.extxyz"))) == 10
    # labels were computed only for initial train/valid/test sets and the picked candidates
    assert report["reference_calls"] == 8 + 5 + 4 + 2
    assert len(report["member_paths"]) == 2 and all(Path(p).is_file() for p in report["member_paths"])
