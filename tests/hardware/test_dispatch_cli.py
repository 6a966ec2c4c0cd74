"""`labwright run` and `labwright runs list|show|reconcile` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from dispatch_support import SERIAL_DILUTION
from labwright.hardware.fake_robot import FakeRobot
from typer.testing import CliRunner

from labwright.commands import run as run_cmd
from labwright.commands import runs as runs_cmd


def _app() -> typer.Typer:
    """The two command modules as labwright.cli registers command groups."""
    app = typer.Typer()
    app.registered_commands.extend(run_cmd.app.registered_commands)
    app.add_typer(runs_cmd.app, name="runs")
    return app


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_twin_json_then_list_and_show(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    code, out, err = invoke("run", str(SERIAL_DILUTION), "--backend", "twin", "--store", store, "--json")
    assert code == 0, err
    doc = json.loads(out)  # one JSON object, nothing else on stdout
    assert doc["ok"] is True and doc["validation"]["ok"] is True
    run = doc["run"]
    assert run["state"] == "succeeded" and run["backend"] == "twin"
    assert run["protocol_sha256"] == doc["validation"]["protocol_sha256"]
    assert run["results"]["measurements"][0]["values"]["A11"]["volume_ul"] == pytest.approx(200.0)
    assert "steps" in err  # the progress bar went to stderr

    code, out, _ = invoke("runs", "list", "--store", store, "--json")
    listed = json.loads(out)["runs"]
    assert code == 0 and [r["run_id"] for r in listed] == [run["run_id"]]
    code, out, _ = invoke("runs", "show", run["run_id"][:12], "--store", store, "--json", "--events")
    shown = json.loads(out)
    assert code == 0 and shown["run"]["run_id"] == run["run_id"]
    assert shown["run"]["certificate"]["signature"] == doc["validation"]["certificate"]["signature"]
    assert [e["kind"] for e in shown["events"]][0] == "recorded"

    code, out, _ = invoke("runs", "show", run["run_id"], "--store", store)
    assert code == 0 and "SUCCEEDED" in out and run["protocol_sha256"][:16] in out and "certificate" in out
    code, out, _ = invoke("runs", "list", "--store", store)
    assert code == 0 and run["run_id"] in out


def test_run_refuses_a_protocol_with_errors(tmp_path: Path) -> None:
    doc = SERIAL_DILUTION.read_text().replace(
        "volume: 100 uL\n    source: reservoir:A1", "volume: 400 uL\n    source: reservoir:A1"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(doc.replace("dest: [plate:A2,", "dest: [plate:Z2,"))
    store = tmp_path / "runs.sqlite"
    code, out, _ = invoke("run", str(bad), "--store", str(store), "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["refused"] is True and doc["run"] is None
    assert any(f["severity"] == "error" for f in doc["validation"]["findings"])
    code, out, _ = invoke("runs", "list", "--store", str(store), "--json")
    assert json.loads(out)["runs"] == [], "nothing was dispatched"
    code, out, err = invoke("run", str(bad), "--store", str(store))
    assert code == 1 and "REJECTED" in out and "nothing was sent" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "carrier-pigeon"], "no backend named"),
        (["--backend", "opentrons-http"], "needs the robot's address"),
    ],
)
def test_unusable_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = invoke("run", str(SERIAL_DILUTION), "--store", str(tmp_path / "r.sqlite"), *args)
    assert code == 2 and message in err


def test_unusable_files_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("run", str(tmp_path / "missing.yaml"), "--store", str(tmp_path / "r.sqlite"))
    assert code == 2 and "no such file" in err
    # an Opentrons .py is a protocol `run` takes (tests/hardware/test_dispatch_opentrons_files.py);
    # a file of another kind is not
    notes = tmp_path / "notes.txt"
    notes.write_text("aspirate 50 uL from A1")
    code, _, err = invoke("run", str(notes), "--store", str(tmp_path / "r.sqlite"))
    assert code == 2 and "not a protocol file" in err
    code, out, _ = invoke("runs", "show", "nope", "--store", str(tmp_path / "r.sqlite"), "--json")
    assert code == 2 and json.loads(out)["ok"] is False


def test_run_on_the_fake_robot_with_a_key(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    with FakeRobot(command_seconds=0.002) as robot:
        args = [
            "run",
            str(SERIAL_DILUTION),
            "--backend",
            "opentrons-http",
            "--robot",
            robot.url,
            "--store",
            store,
            "--key",
            "cli-key",
            "--json",
        ]
        code, out, err = invoke(*args)
        assert code == 0, err
        first = json.loads(out)["run"]
        assert first["state"] == "succeeded" and first["handles"]["robot_run_id"] in robot.runs
        code, out, _ = invoke(*args)  # the same key again: the same run, nothing sent twice
        assert code == 0 and json.loads(out)["run"]["run_id"] == first["run_id"]
        assert len(robot.runs) == 1
        (run,) = robot.runs.values()
        assert robot.executed_in(run.id) == list(range(len(run.commands)))
        code, out, _ = invoke(
            "runs",
            "reconcile",
            "--backend",
            "opentrons-http",
            "--robot",
            robot.url,
            "--store",
            store,
            "--json",
        )
        assert code == 0 and json.loads(out)["runs"] == []  # nothing unfinished


def test_run_on_the_opentrons_simulator(tmp_path: Path) -> None:
    code, out, err = invoke(
        "run",
        str(SERIAL_DILUTION),
        "--backend",
        "opentrons-sim",
        "--store",
        str(tmp_path / "runs.sqlite"),
        "--json",
    )
    assert code == 0, err
    run = json.loads(out)["run"]
    assert run["state"] == "succeeded" and run["results"]["summary"]["robot_type"] == "OT-2 Standard"


def test_runs_resume_after_a_failed_command_and_stop_a_stuck_run(tmp_path: Path) -> None:
    from labwright.hardware.fake_robot import CommandFault

    store = str(tmp_path / "runs.sqlite")
    with FakeRobot(command_seconds=0.002) as robot:
        base = [
            "run",
            str(SERIAL_DILUTION),
            "--backend",
            "opentrons-http",
            "--robot",
            robot.url,
            "--store",
            store,
        ]
        robot.command_faults.append(CommandFault(index=30, recovery=True, detail="Tip knocked off"))
        code, out, _ = invoke(*base, "--key", "recover", "--json")
        paused = json.loads(out)["run"]
        assert code == 1 and paused["state"] == "paused" and "Tip knocked off" in paused["error"]["message"]
        code, out, err = invoke("runs", "resume", paused["run_id"], "--store", store, "--json")
        assert code == 0, err
        resumed = json.loads(out)["run"]
        assert resumed["state"] == "succeeded" and resumed["error"] is None
        run = robot.runs[resumed["handles"]["robot_run_id"]]
        assert [a["actionType"] for a in run.actions] == ["play", "pause", "resume-from-recovery"]
        executed = robot.executed_in(run.id)
        assert 30 not in executed and len(executed) == len(set(executed)) == len(run.commands) - 1

        robot.command_faults.append(CommandFault(index=40, kind="stuck"))
        code, out, _ = invoke(*base, "--key", "stuck", "--json", "--timeout", "1.5")
        stuck = json.loads(out)["run"]
        assert code == 1 and stuck["state"] == "running"  # still going when we stopped waiting
        code, out, _ = invoke("runs", "stop", stuck["run_id"], "--store", store, "--json")
        assert code == 0 and json.loads(out)["run"]["state"] == "stopped"
        code, out, _ = invoke("runs", "stop", stuck["run_id"], "--store", store, "--json")
        assert code == 1 and "already ended" in json.loads(out)["error"]


def test_robot_down_then_back_runs_the_protocol_exactly_once(tmp_path: Path) -> None:
    """Issue 13: the robot is unreachable, the user runs the command again once it is back, then
    reconciles with --resume: one robot run, one ledger row, and the key was shown the first time."""
    from labwright.hardware.fake_robot import Fault

    store = str(tmp_path / "runs.sqlite")
    with FakeRobot(command_seconds=0.002) as robot:
        args = ["run", str(SERIAL_DILUTION), "--backend", "opentrons-http", "--robot", robot.url]
        args += ["--store", store]
        robot.faults.append(Fault(kind="drop", times=10**6))  # every request: connection dropped
        code, out, err = invoke(*args, "--json")
        assert code == 2, err
        failed = json.loads(out)
        key, run_id = failed["idempotency_key"], failed["run_id"]
        assert f"idempotency key {key}" in err and run_id in failed["hint"]
        assert robot.runs == {} and robot.protocols == {}
        robot.faults.clear()  # the robot is back
        code, out, err = invoke(*args, "--json")
        assert code == 0, err
        assert "continuing the unfinished dispatch" in err
        record = json.loads(out)["run"]
        assert (record["run_id"], record["idempotency_key"], record["state"]) == (run_id, key, "succeeded")
        code, out, _ = invoke("runs", "reconcile", "--resume", "--backend", "opentrons-http",
                              "--robot", robot.url, "--store", store, "--json")
        assert code == 0 and json.loads(out)["runs"] == []
        assert len(robot.runs) == 1 and len(robot.protocols) == 1
        (run,) = robot.runs.values()
        assert robot.executed_in(run.id) == list(range(len(run.commands)))
        code, out, _ = invoke("runs", "list", "--store", store, "--json")
        assert [r["run_id"] for r in json.loads(out)["runs"]] == [run_id]
        # a finished run is not continued: running the command again is a new, second run
        code, out, err = invoke(*args, "--json")
        assert code == 0 and json.loads(out)["run"]["run_id"] != run_id
        assert len(robot.runs) == 2
