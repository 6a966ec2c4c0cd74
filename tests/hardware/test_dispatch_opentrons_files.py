"""Opentrons files through the gate: a Python or Protocol Designer protocol is certified as its
exact bytes (plus runtime parameter values and custom labware), and only those bytes reach the
Opentrons simulator or the robot, unchanged; the twin runs the protocol converted from them.

Real analyses (the pinned Opentrons 9.0.0 analysis in its sandbox), the fake robot server on
127.0.0.1 (real HTTP) for opentrons-http; every existing rule of the dispatcher still applies
(ledger first, idempotency keys, exactly-once).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dispatch_support import FAST_POLICY, certify, http_backend
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.errors import BackendUnavailableError
from labwright.hardware.fake_robot import FakeRobot, Fault
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState, SourceFile
from labwright.hardware.opentrons_sim_backend import OpentronsSimBackend
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols.errors import DispatchRefusedError
from labwright.simulators.opentrons_interop.analyzer import run_opentrons_analysis
from labwright.verifiers.opentrons_python import verify_opentrons_file
from labwright.verifiers.verifier import VerifyOptions
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
RTP = ROOT / "tests" / "data" / "opentrons_files" / "rtp_transfer.py"
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
PD_V6 = CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the public Opentrons corpus is not at {CORPUS} (../shared is absent)"
)


def certify_file(
    path: Path, parameters: dict[str, str] | None = None, labware: list[dict[str, Any]] | None = None
) -> tuple[Any, Any, SourceFile]:
    """(converted protocol, certificate, the file as dispatched) of a clean Opentrons file."""
    report = verify_opentrons_file(path, VerifyOptions(extra_labware=labware or []), parameters=parameters)
    assert report.ok and report.certificate is not None, [f.message for f in report.findings]
    binding = report.certificate.source
    source = SourceFile(
        kind=binding.kind,
        filename=path.name,
        data=path.read_bytes(),
        runtime_parameters=binding.runtime_parameters,
        custom_labware=labware or [],
    )
    return report.protocol, report.certificate, source


@pytest.fixture
def rtp120() -> tuple[Any, Any, SourceFile]:
    """Certified under this test's labwright home (each test has its own key)."""
    return certify_file(RTP, {"volume": "120", "column": "3"})


@pytest.fixture
def robot() -> Iterator[FakeRobot]:
    with FakeRobot(command_seconds=0.001) as r:
        yield r


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------- the gate


def test_the_certificate_names_the_file_bytes_the_values_and_the_converted_protocol(rtp120) -> None:  # noqa: ANN001
    protocol, cert, source = rtp120
    assert cert.source.sha256 == _sha(RTP.read_bytes()) == source.sha256
    assert cert.source.kind == "opentrons-python"
    assert cert.source.runtime_parameters == {"volume": 120, "column": "3", "twice": False}
    from labwright.protocols.io import protocol_sha256

    assert cert.protocol_sha256 == protocol_sha256(protocol)


def test_one_byte_changed_after_certifying_is_refused_and_nothing_is_recorded(tmp_path: Path, rtp120) -> None:  # noqa: ANN001
    protocol, cert, source = rtp120
    data = bytearray(source.data)
    data[data.index(b"small")] = ord("S")  # one byte, in a docstring: the protocol does the same
    changed = source.model_copy(update={"data": bytes(data)})
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(DispatchRefusedError, match="the file changed after it was certified"):
            Dispatcher(TwinBackend(), ledger, FAST_POLICY).dispatch(protocol, cert, source=changed)
        assert ledger.list() == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"runtime_parameters": {"volume": 50, "column": "3", "twice": False}}, "are not the certified"),
        ({"runtime_parameters": {"volume": 120, "column": "3", "twice": 0}}, "are not the certified"),
        ({"custom_labware": [{"parameters": {"loadName": "x"}}]}, "custom labware definitions differ"),
        ({"kind": "opentrons-json"}, "not an opentrons-json file"),
    ],
)
def test_other_values_labware_or_kind_are_another_certified_thing(
    tmp_path: Path,
    rtp120,  # noqa: ANN001
    change: dict,
    words: str,
) -> None:
    protocol, cert, source = rtp120
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(DispatchRefusedError, match=words):
            Dispatcher(TwinBackend(), ledger, FAST_POLICY).dispatch(
                protocol, cert, source=source.model_copy(update=change)
            )
        assert ledger.list() == []


def test_a_file_certificate_needs_its_file_and_a_protocol_certificate_takes_no_file(
    tmp_path: Path,
    rtp120,  # noqa: ANN001
) -> None:
    protocol, cert, source = rtp120
    yaml_protocol, yaml_cert = certify()
    with Ledger(tmp_path / "l.sqlite") as ledger:
        dispatcher = Dispatcher(TwinBackend(), ledger, FAST_POLICY)
        with pytest.raises(DispatchRefusedError, match="dispatch that file, not only its converted protocol"):
            dispatcher.dispatch(protocol, cert)
        with pytest.raises(DispatchRefusedError, match="covers a labwright protocol, not an Opentrons file"):
            dispatcher.dispatch(yaml_protocol, yaml_cert, source=source)
        assert ledger.list() == []


def test_the_twin_runs_the_converted_protocol_and_the_ledger_keeps_the_file(tmp_path: Path, rtp120) -> None:  # noqa: ANN001
    protocol, cert, source = rtp120
    with Ledger(tmp_path / "l.sqlite") as ledger:
        dispatcher = Dispatcher(TwinBackend(), ledger, FAST_POLICY)
        record = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="twin-1")
        assert record.state is RunState.SUCCEEDED, record.error
        assert record.source["sha256"] == source.sha256 and record.source["filename"] == "rtp_transfer.py"
        assert record.source["runtime_parameters"] == {"volume": 120, "column": "3", "twice": False}
        assert ledger.source_file(record.run_id).data == RTP.read_bytes()
        assert record.total_steps == len(protocol.steps)
        again = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="twin-1")
        assert again.run_id == record.run_id and len(ledger.list()) == 1  # the key is never sent twice
        # another file (a comment added), certified, converts to the same protocol: the key that
        # names the first file's run does not send it
        other_path = tmp_path / "rtp_transfer.py"
        other_path.write_bytes(RTP.read_bytes() + b"# a comment\n")
        other_protocol, other_cert, other = certify_file(other_path, {"volume": "120", "column": "3"})
        assert other_cert.protocol_sha256 == cert.protocol_sha256 and other.sha256 != source.sha256
        with pytest.raises(DispatchRefusedError, match="already names run"):
            dispatcher.dispatch(other_protocol, other_cert, source=other, idempotency_key="twin-1")
        assert len(ledger.list()) == 1


# ------------------------------------------------------------------- the Opentrons simulator


def test_the_simulator_runs_the_file_unchanged_with_the_certified_values(tmp_path: Path, rtp120) -> None:  # noqa: ANN001
    protocol, cert, source = rtp120
    with Ledger(tmp_path / "l.sqlite") as ledger:
        record = Dispatcher(OpentronsSimBackend(), ledger, FAST_POLICY).dispatch(
            protocol, cert, source=source
        )
    assert record.state is RunState.SUCCEEDED, record.error
    summary = record.results.summary
    # the simulator's own analysis reports the SHA-256 of the bytes it read: the user's file
    assert summary["sent_sha256"] == _sha(RTP.read_bytes())
    assert summary["sent"] == "the certified Opentrons file, unchanged"
    liquid = [
        (c.command_type, c.params["volume"], c.params["wellName"])
        for c in record.results.commands
        if c.command_type in ("aspirate", "dispense")
    ]
    assert liquid == [("aspirate", 120.0, "A1"), ("dispense", 120.0, "A3")]  # the values were applied
    direct = run_opentrons_analysis(RTP, parameters={"volume": 120, "column": "3"})
    assert [c.command_type for c in record.results.commands] == [c["commandType"] for c in direct.commands]


# -------------------------------------------------------------------------------- the robot


def test_the_robot_receives_the_file_byte_for_byte_with_its_values(
    tmp_path: Path, robot: FakeRobot, rtp120
) -> None:  # noqa: ANN001
    protocol, cert, source = rtp120
    with Ledger(tmp_path / "l.sqlite") as ledger:
        dispatcher = Dispatcher(http_backend(robot), ledger, FAST_POLICY)
        record = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="rtp-1")
        assert record.state is RunState.SUCCEEDED, record.error
        ((name, data),) = robot.uploads[0]
        assert data == RTP.read_bytes() and name == f"rtp_transfer.{record.run_id}.py"
        (uploaded,) = robot.protocols.values()
        assert uploaded.key == "rtp-1" and uploaded.parameters == {
            "volume": 120,
            "column": "3",
            "twice": False,
        }
        analysis = uploaded.analyses[-1]
        assert analysis["result"] == "ok"
        assert {p["variableName"]: p["value"] for p in analysis["runTimeParameters"]}["column"] == "3"
        moved = [
            (c["commandType"], c["params"]["volume"]) for c in analysis["commands"] if "volume" in c["params"]
        ]
        assert moved == [("aspirate", 120.0), ("dispense", 120.0)]
        (run,) = robot.runs.values()
        assert run.parameters == {"volume": 120, "column": "3", "twice": False}
        assert robot.executed_in(run.id) == list(range(len(analysis["commands"])))
        assert record.handles["sent_sha256"] == _sha(RTP.read_bytes())
        # the same key: nothing uploaded or started twice; a new key: a run of its own
        again = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="rtp-1")
        assert again.run_id == record.run_id and len(robot.uploads) == 1 and len(robot.runs) == 1
        second = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="rtp-2")
        assert second.state is RunState.SUCCEEDED and second.run_id != record.run_id
        assert len(robot.protocols) == 2 and len(robot.runs) == 2
        assert robot.uploads[1][0][1] == RTP.read_bytes()


@needs_corpus
def test_a_protocol_designer_file_goes_to_the_robot_unchanged(tmp_path: Path, robot: FakeRobot) -> None:
    protocol, cert, source = certify_file(PD_V6)
    assert cert.source.kind == "opentrons-json"
    with Ledger(tmp_path / "l.sqlite") as ledger:
        record = Dispatcher(http_backend(robot), ledger, FAST_POLICY).dispatch(protocol, cert, source=source)
    assert record.state is RunState.SUCCEEDED, record.error
    ((name, data),) = robot.uploads[0]
    assert data == PD_V6.read_bytes() and name.endswith(".json")
    (uploaded,) = robot.protocols.values()
    assert uploaded.protocol_type == "json" and uploaded.analyses[-1]["result"] == "ok"


def test_custom_labware_travels_with_the_file(tmp_path: Path, robot: FakeRobot) -> None:
    from opentrons_shared_data.labware import load_definition

    definition = load_definition("corning_96_wellplate_360ul_flat", 2)
    definition["namespace"] = "custom_beta"
    definition["parameters"]["loadName"] = "lab_plate_custom"
    definition["metadata"]["displayName"] = "Lab plate (custom)"
    path = tmp_path / "custom_plate.py"
    path.write_text(
        RTP.read_text().replace(
            'protocol.load_labware("corning_96_wellplate_360ul_flat", "2")',
            'protocol.load_labware("lab_plate_custom", "2", namespace="custom_beta", version=2)',
        )
    )
    protocol, cert, source = certify_file(path, labware=[definition])
    assert len(cert.source.custom_labware_sha256) == 1
    assert any(lw.load_name == "lab_plate_custom" for lw in protocol.labware)
    with Ledger(tmp_path / "l.sqlite") as ledger:
        record = Dispatcher(http_backend(robot), ledger, FAST_POLICY).dispatch(protocol, cert, source=source)
    assert record.state is RunState.SUCCEEDED, record.error
    (main, labware_file) = robot.uploads[0]
    assert main[1] == path.read_bytes()
    assert json.loads(labware_file[1]) == definition and labware_file[0].endswith("lab_plate_custom.json")
    assert list(robot.protocols.values())[0].analyses[-1]["result"] == "ok"


def test_a_dispatch_resumed_from_the_ledger_sends_the_same_file_and_a_tampered_one_is_refused(
    tmp_path: Path,
    robot: FakeRobot,
    rtp120,  # noqa: ANN001
) -> None:
    protocol, cert, source = rtp120
    store = tmp_path / "l.sqlite"
    with Ledger(store) as ledger:
        dispatcher = Dispatcher(http_backend(robot), ledger, FAST_POLICY)
        first = dispatcher.dispatch(protocol, cert, source=source, idempotency_key="k-ok", wait=False)
        job = dispatcher.job_from_record(ledger.get(first.run_id))
        assert job.source is not None and job.source.data == RTP.read_bytes()
        assert job.source.runtime_parameters == source.runtime_parameters
        dispatcher.wait(first.run_id)
        robot.wait_for(lambda: all(r.status == "succeeded" for r in robot.runs.values()))
    # a queued dispatch whose stored file was altered in the ledger is never sent
    robot.faults.append(Fault(kind="500", method="POST", path="/protocols", times=50))
    with Ledger(store) as ledger:
        dispatcher = Dispatcher(http_backend(robot), ledger, FAST_POLICY)
        with pytest.raises(BackendUnavailableError):  # the upload never got through
            dispatcher.dispatch(protocol, cert, source=source, idempotency_key="k-tampered")
        queued = ledger.get_by_key("k-tampered")
        assert queued is not None and not queued.terminal
    robot.faults.clear()
    with sqlite3.connect(store) as db:
        assert source.data.replace(b"A small", b"A Small") != source.data
        db.execute(
            "UPDATE sources SET data=? WHERE run_id=?",
            (source.data.replace(b"A small", b"A Small"), queued.run_id),
        )
    with Ledger(store) as ledger:
        dispatcher = Dispatcher(http_backend(robot), ledger, FAST_POLICY)
        uploads = len(robot.uploads)
        (reconciled,) = [r for r in dispatcher.reconcile(resume=True) if r.run_id == queued.run_id]
        assert reconciled.state is RunState.REFUSED and reconciled.error.code == "LEDGER_CERTIFICATE_INVALID"
        assert "the file changed after it was certified" in reconciled.error.message
        assert len(robot.uploads) == uploads  # nothing was sent


# ----------------------------------------------------------------------------------- the CLI


def _invoke(*args: str) -> tuple[int, str, str]:
    from labwright.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_runs_a_python_file_on_the_robot_and_never_sends_one_with_errors(
    tmp_path: Path, robot: FakeRobot
) -> None:
    store = str(tmp_path / "runs.sqlite")
    base = ["run", str(RTP), "--backend", "opentrons-http", "--robot", robot.url, "--store", store, "--json"]
    code, out, err = _invoke(*base, "--param", "volume=150", "--param", "twice=true")
    doc = json.loads(out)
    assert code == 1 and doc["refused"] is True and doc["run"] is None, err
    assert "VOLUME_ASPIRATE_EXCEEDS_WELL" in {f["code"] for f in doc["validation"]["findings"]}
    assert robot.uploads == [] and robot.runs == {}
    code, out, err = _invoke(*base, "--param", "volume=abc")
    assert code == 2 and "--param volume=abc: not a valid integer" in err and robot.uploads == []
    code, out, err = _invoke(*base, "--param", "volume=75")
    assert code == 0, err
    run = json.loads(out)["run"]
    assert run["state"] == "succeeded"
    assert run["certificate"]["source"]["runtime_parameters"]["volume"] == 75
    assert run["source"]["sha256"] == _sha(RTP.read_bytes()) == run["handles"]["sent_sha256"]
    assert robot.uploads[0][0][1] == RTP.read_bytes()
    code, out, _ = _invoke("runs", "list", "--store", store, "--json")
    assert [r["run_id"] for r in json.loads(out)["runs"]] == [run["run_id"]]


def test_cli_runs_files_on_the_twin_and_the_simulator(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    code, out, err = _invoke("run", str(RTP), "--backend", "twin", "--store", store, "--json")
    assert code == 0, err
    twin = json.loads(out)["run"]
    assert twin["state"] == "succeeded" and twin["source"]["runtime_parameters"]["volume"] == 50
    code, out, err = _invoke(
        "run", str(RTP), "-b", "opentrons-sim", "--store", store, "-p", "column=3", "--json"
    )
    assert code == 0, err
    sim = json.loads(out)["run"]
    assert sim["results"]["summary"]["sent_sha256"] == _sha(RTP.read_bytes())
    assert [
        c["params"]["wellName"] for c in sim["results"]["commands"] if c["command_type"] == "dispense"
    ] == ["A3"]
    if PD_V6.is_file():  # a Protocol Designer file through the same command
        code, out, err = _invoke("run", str(PD_V6), "-b", "opentrons-sim", "--store", store, "--json")
        assert code == 0, err
        pd = json.loads(out)["run"]
        assert pd["state"] == "succeeded" and pd["source"]["kind"] == "opentrons-json"
        assert pd["results"]["summary"]["sent_sha256"] == _sha(PD_V6.read_bytes())


def test_cli_run_refuses_params_and_labware_for_labwright_protocols(tmp_path: Path) -> None:
    example = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
    store = str(tmp_path / "runs.sqlite")
    code, _, err = _invoke("run", str(example), "--store", store, "--param", "volume=5")
    assert code == 2 and "runtime parameters belong to Opentrons Python protocols" in err
    from opentrons_shared_data.labware import load_definition

    labware = tmp_path / "plate.json"
    labware.write_text(json.dumps(load_definition("corning_96_wellplate_360ul_flat", 2)))
    code, _, err = _invoke("run", str(example), "--store", store, "-L", str(labware))
    assert code == 2 and "-L custom labware applies to Opentrons files" in err


def test_cli_sends_a_crlf_file_byte_for_byte(tmp_path: Path, robot: FakeRobot) -> None:
    """Windows line endings are bytes of the file like any other: sent as they are."""
    path = tmp_path / "windows.py"
    path.write_bytes(RTP.read_bytes().replace(b"\n", b"\r\n"))
    store = str(tmp_path / "runs.sqlite")
    code, out, err = _invoke(
        "run", str(path), "-b", "opentrons-http", "--robot", robot.url, "--store", store, "--json"
    )
    assert code == 0, err
    assert robot.uploads[0][0][1] == path.read_bytes()
    assert json.loads(out)["run"]["certificate"]["source"]["sha256"] == _sha(path.read_bytes())


def test_a_version_1_ledger_gains_the_sources_table_and_keeps_its_runs(tmp_path: Path) -> None:
    store = tmp_path / "old.sqlite"
    protocol, cert = certify()
    with Ledger(store) as ledger:
        old = Dispatcher(TwinBackend(), ledger, FAST_POLICY).dispatch(protocol, cert, idempotency_key="old")
    with sqlite3.connect(store) as db:  # as labwright wrote it before Opentrons files were dispatched
        db.execute("DROP TABLE sources")
        db.execute("PRAGMA user_version=1")
    with Ledger(store) as ledger:
        assert ledger.get(old.run_id).state is RunState.SUCCEEDED and ledger.get(old.run_id).source is None
        with sqlite3.connect(store) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 2
            assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
