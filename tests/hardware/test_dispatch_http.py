"""The opentrons-http backend against the fake robot server (real HTTP on 127.0.0.1), with faults.

The fake robot analyses uploads with the real Opentrons analyzer (cached per protocol code for
the session), executes the analysis' commands when a run is played and records every command it
executed: ``executed_in(run)`` is what the "robot" physically did.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dispatch_support import EXAMPLES, FAST_POLICY, certify, http_backend
from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy
from labwright.hardware.errors import BackendUnavailableError, RobotBusyError, RobotHttpError
from labwright.hardware.fake_robot import CommandFault, FakeRobot, Fault
from labwright.hardware.ledger import Ledger, RunRecord
from labwright.hardware.models import RunState
from labwright.hardware.opentrons_http import OpentronsHttpBackend
from labwright.hardware.robot_client import RetryPolicy
from labwright.hardware.step_map import map_commands_to_steps, protocol_actions
from labwright.protocols.errors import DispatchRefusedError


@pytest.fixture
def robot() -> Iterator[FakeRobot]:
    with FakeRobot(command_seconds=0.002) as r:
        yield r


def dispatch(
    robot: FakeRobot, tmp_path: Path, key: str = "key-1", policy: DispatchPolicy = FAST_POLICY, **options: Any
) -> tuple[RunRecord, Dispatcher]:
    protocol, cert = certify()
    d = Dispatcher(http_backend(robot, **options), Ledger(tmp_path / "ledger.sqlite"), policy)
    return d.dispatch(protocol, cert, idempotency_key=key), d


def analysis_commands(robot: FakeRobot) -> list[dict[str, Any]]:
    """The robot's analysis of the serial dilution (every upload of it has the same commands)."""
    protocol = list(robot.protocols.values())[-1]
    return protocol.analyses[-1]["commands"]


def the_run(robot: FakeRobot, key: str = "key-1") -> Any:
    runs = robot.runs_of_key(key)
    played = [r for r in runs if any(a["actionType"] == "play" for a in r.actions)]
    assert len(played) == 1, f"exactly one run of {key} may be started, found {len(played)}"
    return played[0]


def assert_ran_once(robot: FakeRobot, record: RunRecord, key: str = "key-1") -> None:
    run = the_run(robot, key)
    n = len(analysis_commands(robot))
    assert robot.executed_in(run.id) == list(range(n)), "every command once, in order"
    assert record.state is RunState.SUCCEEDED and run.status == "succeeded"
    assert record.handles["robot_run_id"] == run.id
    assert (record.completed_steps, record.total_steps) == (3, 3)


def test_happy_path(robot: FakeRobot, tmp_path: Path) -> None:
    record, d = dispatch(robot, tmp_path)
    assert_ran_once(robot, record)
    run = the_run(robot)
    assert [a["actionType"] for a in run.actions] == ["play"]
    (protocol,) = robot.protocols.values()
    assert record.handles["robot_protocol_id"] == protocol.id and protocol.key == "key-1"
    # the uploaded bytes are the export plus the dispatch trailer, and the ledger has their hash
    import hashlib

    assert hashlib.sha256(protocol.text.encode()).hexdigest() == record.handles["sent_sha256"]
    assert f"# protocol sha256: {record.protocol_sha256}" in protocol.text
    assert "# idempotency key: key-1" in protocol.text
    results = record.results
    assert len(results.commands) == len(analysis_commands(robot))
    assert all(c.status == "succeeded" for c in results.commands)
    assert results.commands[-1].step == 2 and results.commands[0].step is None  # home: setup
    assert {c.step for c in results.commands if c.command_type == "aspirate"} == {0, 1}
    assert all(status not in (400, 422) for _, _, status in robot.requests), "Opentrons-Version sent"
    kinds = [e.kind for e in d.ledger.events(record.run_id)]
    for k in (
        "recorded",
        "prepared",
        "protocol-uploaded",
        "analysis-ok",
        "run-created",
        "play-requested",
        "play-sent",
        "finished",
    ):
        assert k in kinds
    assert kinds.index("recorded") < kinds.index("protocol-uploaded") < kinds.index("play-sent")


def test_repeated_key_reuses_the_robot_run(robot: FakeRobot, tmp_path: Path) -> None:
    record, _ = dispatch(robot, tmp_path)
    again, _ = dispatch(robot, tmp_path)  # a new dispatcher and client, same ledger and key
    assert again.run_id == record.run_id
    assert len(robot.runs) == 1 and len(robot.protocols) == 1
    assert_ran_once(robot, again)


def test_refuses_on_robot_analysis_errors(robot: FakeRobot, tmp_path: Path) -> None:
    robot.analysis_error = "Labware offset data is missing for slot 3"
    with pytest.raises(DispatchRefusedError, match="Labware offset data is missing"):
        dispatch(robot, tmp_path)
    (rec,) = Ledger(tmp_path / "ledger.sqlite").list()
    assert rec.state is RunState.REFUSED and "analysis" in rec.error.message
    assert robot.runs == {} and robot.executed == []


def test_refuses_a_protocol_for_another_robot_type(robot: FakeRobot, tmp_path: Path) -> None:
    protocol, cert = certify(EXAMPLES / "flex_bradford_standards.yaml")
    d = Dispatcher(http_backend(robot), Ledger(tmp_path / "ledger.sqlite"), FAST_POLICY)
    with pytest.raises(DispatchRefusedError, match="is an OT-2 Standard"):
        d.dispatch(protocol, cert, idempotency_key="flex")
    assert robot.protocols == {} and robot.runs == {}


def test_retries_gets_through_500s_slow_answers_and_dropped_connections(
    robot: FakeRobot, tmp_path: Path
) -> None:
    robot.faults += [
        Fault("500", "GET", r"/runs/[^/]+", times=3),
        Fault("slow", "GET", r"/runs/[^/]+/commands", delay_s=1.5, times=2),
        Fault("drop", "GET", r"/protocols", times=2),
        Fault("500", "GET", r"/protocols/[^/]+/analyses", times=2),
        Fault("drop", "GET", r"/health"),
    ]
    record, _ = dispatch(robot, tmp_path, timeout_s=0.5)
    assert_ran_once(robot, record)
    statuses = [s for _, _, s in robot.requests]
    assert statuses.count(500) == 5 and statuses.count("dropped") == 3
    assert all(f.fired == f.times for f in robot.faults)


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_create_run_answer_lost_adopts_the_created_run(robot: FakeRobot, tmp_path: Path, kind: str) -> None:
    robot.faults.append(Fault(kind, "POST", "/runs", when="after"))
    record, _ = dispatch(robot, tmp_path)
    assert len(robot.runs) == 1, "the run created behind the lost answer is adopted, not duplicated"
    assert_ran_once(robot, record)


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_create_run_not_processed_is_retried(robot: FakeRobot, tmp_path: Path, kind: str) -> None:
    robot.faults.append(Fault(kind, "POST", "/runs", when="before", times=2))
    record, _ = dispatch(robot, tmp_path)
    assert len(robot.runs) == 1
    assert_ran_once(robot, record)


def test_play_answer_lost_is_not_played_again(robot: FakeRobot, tmp_path: Path) -> None:
    robot.faults.append(Fault("drop", "POST", r"/runs/[^/]+/actions", when="after"))
    record, _ = dispatch(robot, tmp_path)
    assert [a["actionType"] for a in the_run(robot).actions] == ["play"]
    assert_ran_once(robot, record)


def test_play_timeout_starts_the_run_once(robot: FakeRobot, tmp_path: Path) -> None:
    """The play request is delayed past the client's timeout; the robot must still run it once."""
    robot.faults.append(Fault("slow", "POST", r"/runs/[^/]+/actions", delay_s=1.2))
    record, _ = dispatch(robot, tmp_path, timeout_s=0.4)
    assert_ran_once(robot, record)


@pytest.mark.parametrize("when", ["before", "after"])
def test_upload_answer_lost(robot: FakeRobot, tmp_path: Path, when: str) -> None:
    robot.faults.append(Fault("drop", "POST", "/protocols", when=when))
    record, _ = dispatch(robot, tmp_path)
    assert len(robot.protocols) == 1
    assert_ran_once(robot, record)


def _step_of(robot: FakeRobot, index: int) -> int | None:
    protocol, _ = certify()
    types = [c["commandType"] for c in analysis_commands(robot)]
    return map_commands_to_steps(types, protocol_actions(protocol))[index]


def _warm(robot: FakeRobot, tmp_path: Path) -> list[dict[str, Any]]:
    """Run once to learn the command list (analysis is cached), then forget that robot state."""
    dispatch(robot, tmp_path / "warm", key="warm")
    return analysis_commands(robot)


def test_mid_run_failure_reports_step_command_and_robot_message(robot: FakeRobot, tmp_path: Path) -> None:
    commands = _warm(robot, tmp_path)
    k = [i for i, c in enumerate(commands) if c["commandType"] == "aspirate"][10]
    robot.command_faults.append(
        CommandFault(index=k, detail="Overpressure detected while aspirating from A3")
    )
    record, _ = dispatch(robot, tmp_path)
    run = the_run(robot)
    assert run.status == "failed"
    assert record.state is RunState.FAILED
    err = record.error
    assert err.code == "ROBOT_COMMAND_FAILED" and err.command_index == k and err.command_type == "aspirate"
    assert err.step == _step_of(robot, k) == 1
    assert "Overpressure detected while aspirating from A3" in err.message
    assert err.robot_error_type == "PipetteOverpressure" and err.robot_error_code == "3006"
    assert robot.executed_in(run.id) == list(range(k)), "nothing after the failed command"
    assert record.results.commands[k].status == "failed"
    assert record.completed_steps == 1 and record.current_step == 1


def test_failure_in_error_recovery_pauses_the_run(robot: FakeRobot, tmp_path: Path) -> None:
    """A Flex with error recovery waits in awaiting-recovery: the client pauses it and reports."""
    commands = _warm(robot, tmp_path)
    k = [i for i, c in enumerate(commands) if c["commandType"] == "dispense"][3]
    robot.command_faults.append(
        CommandFault(
            index=k,
            recovery=True,
            error_type="LiquidNotFound",
            error_code="3014",
            detail="No liquid detected in plate:A4",
        )
    )
    record, d = dispatch(robot, tmp_path)
    run = the_run(robot)
    assert run.status == "awaiting-recovery-paused"
    assert [a["actionType"] for a in run.actions] == ["play", "pause"]
    assert record.state is RunState.PAUSED and record.robot_status == "awaiting-recovery-paused"
    assert record.error.step == _step_of(robot, k) == 0 and record.error.command_index == k
    assert "No liquid detected in plate:A4" in record.error.message
    assert robot.executed_in(run.id) == list(range(k))
    stopped = d.stop(record.run_id)
    assert stopped.state is RunState.STOPPED and run.status == "stopped"
    assert robot.executed_in(run.id) == list(range(k)), "stopping never re-runs anything"


def test_stuck_run_is_paused_and_reported(robot: FakeRobot, tmp_path: Path) -> None:
    commands = _warm(robot, tmp_path)
    k = [i for i, c in enumerate(commands) if c["commandType"] == "aspirate"][20]
    robot.command_faults.append(CommandFault(index=k, kind="stuck"))
    policy = DispatchPolicy(poll_s=0.02, stall_timeout_s=0.5)
    record, d = dispatch(robot, tmp_path, policy=policy)
    run = the_run(robot)
    assert record.state is RunState.PAUSED and run.status == "paused"
    assert record.error.code == "RUN_STALLED" and record.error.command_index == k
    assert record.error.step == _step_of(robot, k) == 1
    assert d.stop(record.run_id).state is RunState.STOPPED
    assert robot.executed_in(run.id) == list(range(k))


def test_robot_busy_then_free(robot: FakeRobot, tmp_path: Path) -> None:
    _warm(robot, tmp_path)
    # someone else's run occupies the robot
    (warm_protocol,) = robot.protocols.values()
    stuck = CommandFault(index=0, kind="stuck")
    robot.command_faults.append(stuck)
    status, body = robot.upload([("other.py", (warm_protocol.text + "\n# other user\n").encode())], "someone")
    _, run = robot.create_run(body["data"]["id"])
    robot.action(run["data"]["id"], "play")
    # the other run hangs on the fault before ours is tried; otherwise, on a slow machine, the fault
    # is still waiting when that run is stopped, and our run hangs on it instead
    assert robot.wait_for(lambda: stuck.times == 0)
    with pytest.raises(RobotBusyError, match="busy"):
        dispatch(robot, tmp_path)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    (rec,) = ledger.list()
    assert rec.state is RunState.QUEUED and "submit-failed" in [e.kind for e in ledger.events(rec.run_id)]
    robot.action(run["data"]["id"], "stop")
    assert robot.wait_for(lambda: robot.runs[run["data"]["id"]].status == "stopped")
    record, _ = dispatch(robot, tmp_path)
    assert record.run_id == rec.run_id
    assert_ran_once(robot, record)


def test_unreachable_robot(tmp_path: Path) -> None:
    with FakeRobot() as gone:
        url = gone.url
    protocol, cert = certify()
    backend = OpentronsHttpBackend(url, retry=RetryPolicy(attempts=2, backoff_s=0.01), timeout_s=0.5)
    d = Dispatcher(backend, Ledger(tmp_path / "ledger.sqlite"), FAST_POLICY)
    with pytest.raises(BackendUnavailableError, match="did not answer GET /health"):
        d.dispatch(protocol, cert, idempotency_key="nobody-home")
    (rec,) = d.ledger.list()
    assert rec.state is RunState.QUEUED


def test_version_header(robot: FakeRobot, tmp_path: Path) -> None:
    assert httpx.get(f"{robot.url}/runs").status_code == 422  # the robot requires the header
    assert httpx.get(f"{robot.url}/runs", headers={"Opentrons-Version": "*"}).status_code == 200
    record, _ = dispatch(robot, tmp_path, api_version="4")
    assert record.state is RunState.SUCCEEDED
    with pytest.raises(RobotHttpError, match="not supported"):
        dispatch(robot, tmp_path, key="old", api_version="1")


def test_reconcile_adopts_a_run_that_went_on_without_us(robot: FakeRobot, tmp_path: Path) -> None:
    protocol, cert = certify()
    ledger_path = tmp_path / "ledger.sqlite"
    d = Dispatcher(http_backend(robot), Ledger(ledger_path), FAST_POLICY)
    started = d.dispatch(protocol, cert, idempotency_key="bg", wait=False)
    assert started.state in {RunState.RUNNING, RunState.SUCCEEDED}
    # the client "dies": forget its handles, as if it crashed before recording them
    d.ledger._db.execute("UPDATE dispatches SET handles_json='{}', owner=NULL")
    assert robot.wait_for(lambda: the_run(robot, "bg").status == "succeeded")
    fresh = Dispatcher(http_backend(robot), Ledger(ledger_path), FAST_POLICY)
    (rec,) = fresh.reconcile()
    assert rec.state is RunState.SUCCEEDED and rec.handles["robot_run_id"] == the_run(robot, "bg").id
    assert rec.results is not None and len(rec.results.commands) == len(analysis_commands(robot))
    assert len(robot.runs) == 1 and len(robot.protocols) == 1
