"""bench/compute_bench.py forwards its options to the part it runs (smoke run: LJ38, 20 steps)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_structure_part_runs_with_forwarded_options() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "compute_bench.py"),
            "--only",
            "structure",
            "--steps",
            "20",
            "--seeds",
            "3",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "LJ38 basin hopping, 20 steps per seed" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("labwright ", "plain "))]
    assert [(r[0], r[1]) for r in rows] == [
        ("labwright", "3"),
        ("labwright", "4"),
        ("plain", "3"),
        ("plain", "4"),
    ]
    assert all(int(r[4]) <= 20 for r in rows)  # the forwarded step cap held


def test_unknown_option_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compute_bench.py"), "--stepz", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "--stepz" in done.stderr
