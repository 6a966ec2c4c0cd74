"""bench/campaign_bench.py and bench/optimizer_compare.py run end to end (smoke runs: tiny budgets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_campaign_bench_prints_each_twin_for_both_optimisers(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "campaign_bench.py"), "--seeds", "1", "--budget", "3"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "LABWRIGHT_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("mit     case optimum") and "target" in lines[0]
    for twin in ("colour", "snar", "mit"):
        for optimizer in ("bo", "random"):
            assert any(line.split()[:2] == [twin, optimizer] for line in lines), (twin, optimizer, lines)
    colour = next(line for line in lines if line.startswith("colour  bo"))
    assert "experiments to delta_e < 2" in colour and "budget 3" in colour
    assert any("hypervolume ratio bo/random (file reference)" in line for line in lines)


def test_campaign_bench_refuses_an_unknown_twin() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "campaign_bench.py"), "--twins", "colour,paint"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "paint" in done.stderr
