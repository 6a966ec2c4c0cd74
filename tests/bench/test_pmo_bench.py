"""bench/pmo.py: a tiny resumable run end to end, and the table's honesty about what ran."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench_module():
    spec = importlib.util.spec_from_file_location("pmo_bench", ROOT / "bench" / "pmo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_flags_a_partial_protocol_and_sums_what_ran() -> None:
    bench = _bench_module()
    rows = [
        {"task": "qed", "seed": s, "budget": 10_000, "auc_top10": a, "elapsed_s": 1.0}
        for s, a in enumerate([0.90, 0.92])
    ]
    text = bench.table(rows)
    qed = next(line for line in text.splitlines() if line.startswith("qed"))
    assert "0.910 +- 0.014" in qed and qed.split()[1] == "2"
    assert "median1" in text and "not run" in text
    assert "NOT the full PMO protocol" in text
    assert text.splitlines()[-3].split()[1] == "0.910"  # the sum covers only what ran
    full = [
        {"task": t, "seed": s, "budget": 10_000, "auc_top10": 0.5, "elapsed_s": 1.0}
        for t in bench.TASKS
        for s in range(5)
    ]
    assert "NOT the full" not in bench.table(full)


@pytest.mark.slow
def test_bench_runs_resumes_and_prints_the_table(tmp_path: Path) -> None:
    results = tmp_path / "pmo.jsonl"
    cmd = [sys.executable, str(ROOT / "bench" / "pmo.py"), "--tasks", "qed", "--seeds", "0",
           "--budget", "200", "--results", str(results)]
    env = {**os.environ, "LABWRIGHT_HOME": str(tmp_path)}
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["calls"] == 200
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert again.returncode == 0 and again.stderr == ""  # nothing re-run
    assert len(results.read_text().splitlines()) == 1
    assert f"{rows[0]['auc_top10']:.3f}" in again.stdout
