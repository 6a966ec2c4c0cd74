"""A tiny MACE committee trained once per session through the CLI (on a 2-worker Dask
LocalCluster), shared by the mlip tests. Tiny means: 12 Cu configurations, 3 epochs, 8 channels;
it trains in seconds of CPU and is accurate to nothing, which these tests do not need."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

TINY_TRAIN = [
    "--configs", "12",
    "--valid-configs", "4",
    "--test-configs", "8",
    "--epochs", "3",
    "--swa-start", "2",
    "--channels", "8",
    "--correlation", "2",
    "--r-max", "4.5",
    "--batch-size", "4",
]  # fmt: skip


def run_cli(args: list[str]) -> tuple[int, str, str]:
    from labwright.cli import app

    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def mlip_cli() -> Callable[[list[str]], tuple[int, str, str]]:
    """Run `labwright ...` in-process; returns (exit code, stdout, stderr)."""
    return run_cli


@pytest.fixture(scope="session")
def tiny_cu(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`labwright mlip train` -> committee of 2 Cu models; returns the JSON report + dir."""
    out = tmp_path_factory.mktemp("mlip") / "cu.model"
    code, stdout, stderr = run_cli(
        ["mlip", "train", "--reference", "emt", "--elements", "Cu", *TINY_TRAIN,
         "--committee", "2", "--workers", "2", "--seed", "0", "-o", str(out), "--json"]
    )  # fmt: skip
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    report["dir"] = str(out.parent)
    return report


@pytest.fixture(scope="session")
def tiny_model(tiny_cu: dict[str, Any]) -> Path:
    return Path(tiny_cu["model_path"])
