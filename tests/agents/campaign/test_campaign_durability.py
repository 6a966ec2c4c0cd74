"""A `labwright campaign run` process SIGKILLed at any point, then resumed: no measurement is
lost and no dispatched experiment is run twice (counted in the ledger).

The twin backend is paced like a robot (``backend_options: {action_delay_s: ...}``) so that a
kill lands inside runs as well as between them. An uninterrupted campaign of the same file
and run id in another ledger is the reference: the same seed proposes the same experiments and
the twin's noise is keyed by the experiment, so every parameter and every measured value must
come out identical.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from labwright.agents.campaign import campaign_status
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState

ROOT = Path(__file__).resolve().parents[3]
BUDGET = 8


def _campaign_file(tmp: Path, delay_s: float, budget: int = BUDGET) -> Path:
    doc = yaml.safe_load((ROOT / "examples" / "campaigns" / "colour_match.yaml").read_text())
    doc.update(
        optimizer="random", budget=budget, batch=2, seed=11, backend_options={"action_delay_s": delay_s}
    )
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "campaign.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "labwright.cli", "campaign", *args, "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _env(home: Path) -> dict[str, str]:
    return dict(os.environ, LABWRIGHT_HOME=str(home))


def _rows(store: Path, query: str) -> list[tuple]:
    if not store.exists():
        return []
    with sqlite3.connect(store, timeout=30) as db:
        try:
            return db.execute(query).fetchall()
        except sqlite3.OperationalError:  # the tables are not created yet
            return []


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL; True if the process was still running (it did not finish on its own)."""
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def _finish(file: Path, store: Path, env: dict[str, str], started: bool) -> None:
    args = ("resume", "dur") if started else ("run", str(file), "--run-id", "dur")
    proc = _cli(*args, "--store", str(store), env=env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err


def _check(store: Path, reference: Path, budget: int = BUDGET) -> dict[str, int]:
    """Every experiment measured once, from exactly one succeeded run; the same as the reference."""
    result = campaign_status("dur", store=store)
    ref = campaign_status("dur", store=reference)
    assert result.state == "finished" and len(result.experiments) == budget
    assert [e.status for e in result.experiments] == ["measured"] * budget
    ledger = Ledger(store)
    runs = ledger.list()
    counts = {"runs": len(runs), "interrupted": 0}
    for e, r in zip(result.experiments, ref.experiments, strict=True):
        base = f"dur:r{e.round}:e{e.index}"
        mine = [x for x in runs if x.idempotency_key == base or x.idempotency_key.startswith(base + ":a")]
        succeeded = [x for x in mine if x.state is RunState.SUCCEEDED]
        assert len(succeeded) == 1, [(x.idempotency_key, x.state) for x in mine]  # never dispatched twice
        assert all(x.state is RunState.INTERRUPTED for x in mine if x is not succeeded[0])
        counts["interrupted"] += len(mine) - 1
        assert e.ledger_run_id == succeeded[0].run_id  # the measurement is that run's, none lost
        assert e.measurement["L"] == succeeded[0].results.measurements[-1].values[e.well]["L"]
        assert e.parameters == r.parameters and e.protocol_sha256 == r.protocol_sha256
        assert e.objectives == r.objectives and e.measurement == r.measurement
    assert all(x.state in (RunState.SUCCEEDED, RunState.INTERRUPTED) for x in runs)
    assert counts["runs"] == budget + counts["interrupted"]
    return counts


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    file = _campaign_file(tmp_path, 0.0)
    store = tmp_path / "reference.sqlite"
    _finish(file, store, _env(tmp_path / "home-ref"), started=False)
    return store


def test_killed_inside_runs_then_resumed(tmp_path: Path, reference: Path) -> None:
    file = _campaign_file(tmp_path, 0.02)
    store = tmp_path / "ledger.sqlite"
    env = _env(tmp_path / "home")
    started = False
    for target_round in (1, 3):  # kill while experiment runs of these rounds are on the twin
        proc = _cli(
            *(("resume", "dur") if started else ("run", str(file), "--run-id", "dur")),
            "--store",
            str(store),
            env=env,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            live = _rows(
                store,
                "select idempotency_key from dispatches where state in ('queued','submitted','running')",
            )
            if any(key.startswith(f"dur:r{target_round}:") for (key,) in live):
                break
            time.sleep(0.02)
        if target_round == 3:  # `campaign show` of a campaign in progress, from another process
            # the campaign is stopped (SIGSTOP) while `show` starts up, so a slow start-up on a loaded
            # machine cannot let it finish first; SIGKILL below ends it as before
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGSTOP)
            shown = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "labwright.cli",
                    "campaign",
                    "show",
                    "dur",
                    "--store",
                    str(store),
                    "--json",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            live_doc = json.loads(shown.stdout.strip().splitlines()[-1])
            assert live_doc["state"] == "running" and live_doc["counts"]["measured"] >= 4
            assert live_doc["counts"]["proposed"] >= 1  # the rest is still to run
        assert _kill(proc), "the campaign finished before it could be killed"
        started = True
    orphans = "select count(*) from dispatches where state in ('queued', 'submitted', 'running')"
    assert _rows(store, orphans)[0][0] == 1  # the run the last kill left behind
    _finish(file, store, env, started=True)
    counts = _check(store, reference)
    assert counts["interrupted"] == 2  # both orphaned runs were run again under :a2, once each


@pytest.mark.parametrize(
    ("kills_planned", "budget", "seed"),
    [(4, BUDGET, 2026), pytest.param(12, 30, 7, marks=pytest.mark.slow)],
)
def test_killed_at_random_points_then_resumed(
    tmp_path: Path, kills_planned: int, budget: int, seed: int
) -> None:
    reference = tmp_path / "reference.sqlite"
    _finish(
        _campaign_file(tmp_path / "ref", 0.0, budget), reference, _env(tmp_path / "home-ref"), started=False
    )
    file = _campaign_file(tmp_path, 0.03, budget)
    store = tmp_path / "ledger.sqlite"
    env = _env(tmp_path / "home")
    rng = np.random.default_rng(seed)
    started = False
    kills = 0
    for _ in range(kills_planned):
        args = ("resume", "dur") if started else ("run", str(file), "--run-id", "dur")
        proc = _cli(*args, "--store", str(store), env=env)
        # python start-up and imports take ~1-3 s; then each experiment ~0.5-1 s
        time.sleep(float(rng.uniform(1.0, 5.0)))
        kills += _kill(proc)
        started = started or bool(_rows(store, "select 1 from campaigns where run_id = 'dur'"))
    _finish(file, store, env, started=started)
    counts = _check(store, reference, budget)
    assert kills >= 1, "no kill landed: the campaign finished first"
    print(f"{kills} kills; {counts}")  # the report of where they landed
