"""Crash safety: SIGKILL the dispatching process at chosen and random points, restart it, check.

The dispatching process (``dispatch_crash_driver.py``) talks to the fake robot server running
in this test process. It is killed either by the robot server itself at a chosen request (after
the robot did the work and before the answer reaches the client: the worst moment) or by the
test after a random delay. Then it is started again with the same idempotency key. Afterwards:

* exactly one robot run of that key was ever started (``play``), and it executed every command
  of the protocol exactly once, in order: no step lost, none sent twice;
* the ledger holds one dispatch for the key, and it agrees with the robot: same robot run id,
  ``succeeded`` on both sides, every step done, results recorded.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from labwright.hardware.fake_robot import FakeRobot, Fault
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState

DRIVER = Path(__file__).with_name("dispatch_crash_driver.py")

KILL_POINTS = {
    "upload answered": Fault("kill_client", "POST", "/protocols", when="after"),
    "run created": Fault("kill_client", "POST", "/runs", when="after"),
    "play accepted": Fault("kill_client", "POST", r"/runs/[^/]+/actions", when="after"),
    "mid-run poll": Fault("kill_client", "GET", r"/runs/[^/]+/commands", when="before", skip=3),
    "before run creation": Fault("kill_client", "POST", "/runs", when="before"),
    "waiting for analysis": Fault("kill_client", "GET", r"/protocols/[^/]+/analyses", when="before"),
}
DEFAULT_POINTS = ["upload answered", "run created", "play accepted"]


@pytest.fixture(scope="module")
def robot() -> Iterator[FakeRobot]:
    with FakeRobot(command_seconds=0.005) as r:  # a run lasts ~0.6 s: random kills land in it
        yield r


def _start(robot: FakeRobot, store: Path, key: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(DRIVER), "--robot", robot.url, "--store", str(store), "--key", key]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_line(proc: subprocess.Popen[str], text: str, timeout_s: float = 120.0) -> bool:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if not line:
                return False
            if line.strip() == text:
                return True
    return False


def crash_then_restart(
    robot: FakeRobot,
    tmp_path: Path,
    key: str,
    *,
    fault: Fault | None = None,
    kill_after_s: float | None = None,
) -> int:
    """Run the driver, kill it (by the robot at ``fault``, or after ``kill_after_s``), run it again."""
    store = tmp_path / "ledger.sqlite"
    proc = _start(robot, store, key)
    robot.client_pid = proc.pid
    if fault is not None:
        with robot.lock:
            robot.faults = [fault]
    assert _wait_line(proc, "DISPATCHING"), proc.stderr.read() if proc.poll() is not None else "no start"
    if kill_after_s is not None:
        time.sleep(kill_after_s)
        proc.kill()  # SIGKILL
    code = proc.wait(timeout=120)
    print(f"{key}: exit {code}, robot at the kill: {phase(robot, key)}")
    with robot.lock:
        robot.faults = []
        robot.client_pid = None
    again = subprocess.run(
        [sys.executable, str(DRIVER), "--robot", robot.url, "--store", str(store), "--key", key],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["state"] == "succeeded"
    return code


def phase(robot: FakeRobot, key: str) -> str:
    """How far the dispatch had got on the robot (to report where random kills landed)."""
    with robot.lock:
        uploaded = any(p.key == key for p in robot.protocols.values())
        runs = robot.runs_of_key(key)
        played = [r for r in runs if r.actions]
        if not uploaded:
            return "nothing uploaded"
        if not runs:
            return "uploaded, no run"
        if not played:
            return "run created, not started"
        run = played[0]
        return f"run {run.status}, {len(robot.executed_in(run.id))} commands executed"


def check_invariants(robot: FakeRobot, tmp_path: Path, key: str) -> None:
    runs = robot.runs_of_key(key)
    played = [r for r in runs if any(a["actionType"] == "play" for a in r.actions)]
    assert len(played) == 1, f"{len(played)} runs of {key} were started"
    run = played[0]
    protocol = robot.protocols[run.protocol_id]
    n = len(protocol.analyses[-1]["commands"])
    assert robot.executed_in(run.id) == list(range(n)), "no command lost, none run twice"
    for other in runs:
        if other is not run:
            assert robot.executed_in(other.id) == [] and other.status in {"idle", "stopped"}
    ledger = Ledger(tmp_path / "ledger.sqlite")
    records = [r for r in ledger.list() if r.idempotency_key == key]
    assert len(records) == 1
    (rec,) = records
    assert rec.state is RunState.SUCCEEDED and run.status == "succeeded"
    assert rec.handles["robot_run_id"] == run.id and rec.handles["robot_protocol_id"] == run.protocol_id
    assert rec.robot_status == run.status
    assert rec.completed_steps == rec.total_steps == 3
    assert rec.results is not None and len(rec.results.commands) == n
    assert [c.status for c in rec.results.commands] == ["succeeded"] * n


def _kill_point_case(robot: FakeRobot, tmp_path: Path, name: str) -> None:
    key = "crash-" + name.replace(" ", "-")
    fault = KILL_POINTS[name]
    fault = Fault(fault.kind, fault.method, fault.path, when=fault.when, skip=fault.skip)
    code = crash_then_restart(robot, tmp_path, key, fault=fault)
    assert fault.fired == 1, f"the kill point {name!r} was not reached"
    assert code == -9, f"the driver was not killed at {name!r} (exit {code})"
    check_invariants(robot, tmp_path, key)


@pytest.mark.parametrize("name", DEFAULT_POINTS)
def test_killed_at_kill_point(robot: FakeRobot, tmp_path: Path, name: str) -> None:
    _kill_point_case(robot, tmp_path, name)


@pytest.mark.parametrize("seed", [11])
def test_killed_at_random_time(robot: FakeRobot, tmp_path: Path, seed: int) -> None:
    delay = float(np.random.default_rng(seed).uniform(0.0, 0.8))
    crash_then_restart(robot, tmp_path, f"random-{seed}", kill_after_s=delay)
    check_invariants(robot, tmp_path, f"random-{seed}")


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in KILL_POINTS if n not in DEFAULT_POINTS])
def test_killed_at_more_kill_points(robot: FakeRobot, tmp_path: Path, name: str) -> None:
    _kill_point_case(robot, tmp_path, name)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 120))
def test_killed_at_many_random_times(robot: FakeRobot, tmp_path: Path, seed: int) -> None:
    delay = float(np.random.default_rng(seed).uniform(0.0, 0.8))
    crash_then_restart(robot, tmp_path, f"random-{seed}", kill_after_s=delay)
    check_invariants(robot, tmp_path, f"random-{seed}")
