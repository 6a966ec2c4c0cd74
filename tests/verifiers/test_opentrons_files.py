"""`labwright validate` on Protocol Designer JSON files and on Python protocols with runtime
parameters: the real Opentrons 9.0.0 analysis in its sandbox, the same converter, every pass.

PD files come from Opentrons' public corpus (read in place; skipped without ../shared); the
runtime-parameter protocol is ``tests/data/opentrons_files/rtp_transfer.py``, whose parameter
values decide whether it holds a real fault (twice 150 uL from a well holding 200 uL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.findings import Severity
from labwright.verifiers.opentrons_python import verify_opentrons_file
from labwright.verifiers.verifier import VerifyOptions

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
RTP = ROOT / "tests" / "data" / "opentrons_files" / "rtp_transfer.py"
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the public Opentrons corpus is not at {CORPUS} (../shared is absent)"
)


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABWRIGHT_HOME": str(home)}
    cmd = [sys.executable, "-m", "labwright.cli", "validate", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def _invoke(*args: str) -> tuple[int, str, str]:
    """The `labwright` CLI in this process (the Typer runner of the CLI tests): the analyses share
    this process' fork server instead of paying the Opentrons import per call."""
    from typer.testing import CliRunner

    from labwright.cli import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _errors(report) -> set[str]:  # noqa: ANN001
    return {f.code for f in report.findings if f.severity is Severity.ERROR}


# ------------------------------------------------------------------------- Protocol Designer


@needs_corpus
def test_cli_reads_pd_json_beside_labwright_json_by_content(labwright_home: Path, tmp_path: Path) -> None:
    from labwright.protocols import read_document

    labwright_json = tmp_path / "serial_dilution.json"
    labwright_json.write_text(json.dumps(read_document(EXAMPLE)))
    files = {
        "OT2_S_v6_P1000S_None_SimpleTransfer.json": 6,
        "OT2_S_v3_P300SGen1_None_Gen1PipetteSimple.json": 3,
        "OT2_S_v4_P300M_P20S_MM_TM_TC1_PD40.json": 4,
    }
    proc = _cli("--json", *[str(CORPUS / f) for f in files], str(labwright_json), home=labwright_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(d["file"]).name for d in lines] == [*files, "serial_dilution.json"]
    for d in lines[:3]:
        assert d["ok"] is True and d["passes"][0] == "opentrons-simulator", d["findings"]
        source = d["certificate"]["source"]
        raw = (CORPUS / Path(d["file"]).name).read_bytes()
        assert source["kind"] == "opentrons-json" and source["runtime_parameters"] == {}
        import hashlib

        assert source["sha256"] == hashlib.sha256(raw).hexdigest()
    assert lines[3]["ok"] is True and lines[3]["certificate"]["source"] is None
    assert "Traceback" not in proc.stderr


@needs_corpus
def test_pd_files_convert_through_the_same_command_stream() -> None:
    """v6 (protocol engine) and v3/v4 (legacy core: heights and module commands from the run log)
    become the same kind of labwright protocol a Python protocol does."""
    v6 = verify_opentrons_file(CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json", VerifyOptions())
    assert v6.ok and v6.protocol is not None
    assert [s.op for s in v6.protocol.steps] == [
        "pick_up_tip",
        "aspirate",
        "dispense",
        "aspirate",
        "dispense",
        "drop_tip",
    ]
    assert {liq.name for liq in v6.protocol.liquids} == {"GOLD", "SILVER"}
    pd40 = verify_opentrons_file(CORPUS / "OT2_S_v4_P300M_P20S_MM_TM_TC1_PD40.json", VerifyOptions())
    assert pd40.ok and pd40.protocol is not None
    ops = {s.op for s in pd40.protocol.steps}
    assert {"engage_magnets", "set_temperature", "aspirate", "dispense"} <= ops
    assert {m.type.value for m in pd40.protocol.modules} == {"magnetic", "temperature", "thermocycler"}
    # legacy-core liquid handling keeps its real heights (from the run log), not the well top
    heights = {(s.position, s.offset_mm) for s in pd40.protocol.steps if s.op == "aspirate"}
    assert all(position == "bottom" for position, _ in heights)


@needs_corpus
def test_a_pd_file_opentrons_rejects_is_rejected_with_the_fault_category() -> None:
    report = verify_opentrons_file(CORPUS / "OT2_X_v6_P20S_None_SimpleTransfer.json", VerifyOptions())
    assert not report.ok and report.certificate is None
    (rejected,) = [f for f in report.findings if f.code == "OPENTRONS_REJECTED"]
    assert "Cannot aspirate 21.0" in rejected.message and rejected.category.value in {
        "pipette",
        "tip",
        "volume",
    }


@needs_corpus
@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            "drop_aspirate_volume",
            "not a valid Protocol Designer protocol: aspirate.params.volume: Field required",
        ),
        ("unknown_command", "Input tag 'fly' found using 'commandType'"),
        ("schema_9", "schema v9, newer than Opentrons 9.0.0 reads"),
    ],
)
def test_cli_malformed_or_unsupported_pd_files_exit_2(tmp_path: Path, edit: str, words: str) -> None:
    doc = json.loads((CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json").read_text())
    if edit == "drop_aspirate_volume":
        next(c for c in doc["commands"] if c["commandType"] == "aspirate")["params"].pop("volume")
    elif edit == "unknown_command":
        doc["commands"].append({"commandType": "fly", "key": "x", "params": {}})
    else:
        doc["schemaVersion"], doc["$otSharedSchema"] = 9, "#/protocol/schemas/9"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    code, out, err = _invoke("validate", str(path))
    assert code == 2, out + err
    assert words in err and "hint" in err and "Traceback" not in err


# ------------------------------------------------------------------------ runtime parameters


def test_defaults_are_used_and_recorded_in_the_certificate() -> None:
    report = verify_opentrons_file(RTP, VerifyOptions())
    assert report.ok and report.certificate is not None
    assert report.certificate.source.runtime_parameters == {"volume": 50, "column": "2", "twice": False}
    note = next(f for f in report.findings if f.code == "OPENTRONS_RUNTIME_PARAMETERS")
    assert "volume=50 (default)" in note.message
    moved = [s for s in report.protocol.steps if s.op == "dispense"]
    assert [(str(s.location), s.volume_ul) for s in moved] == [("plate_2:A2", 50)]


def test_param_values_change_the_protocol_and_the_certified_thing() -> None:
    default = verify_opentrons_file(RTP, VerifyOptions())
    other = verify_opentrons_file(RTP, VerifyOptions(), parameters={"volume": "120", "column": "3"})
    assert other.ok and other.certificate is not None
    assert other.certificate.source.runtime_parameters == {"volume": 120, "column": "3", "twice": False}
    assert other.certificate.source.sha256 == default.certificate.source.sha256  # the same file
    assert other.protocol_sha256 != default.protocol_sha256
    assert [(str(s.location), s.volume_ul) for s in other.protocol.steps if s.op == "dispense"] == [
        ("plate_2:A3", 120)
    ]


def test_a_value_that_makes_a_real_fault_is_caught() -> None:
    report = verify_opentrons_file(RTP, VerifyOptions(), parameters={"volume": "150", "twice": "yes"})
    assert "VOLUME_ASPIRATE_EXCEEDS_WELL" in _errors(report) and report.certificate is None


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            ["volume=151"],
            "--param volume=151: out of range; the protocol defines volume (integer, 10 to 150 uL, "
            "default 50)",
        ),
        (["volume=lots"], "--param volume=lots: not a valid integer"),
        (
            ["column=4"],
            "--param column=4: not one of the allowed choices; the protocol defines column (string, "
            "one of '2', '3', default '2')",
        ),
        (
            ["twice=perhaps"],
            "not a valid boolean; the protocol defines twice (boolean, true or false, default False)",
        ),
        (["speed=3"], "the protocol defines no runtime parameter 'speed' (it defines: volume (integer"),
        (["volume"], "--param 'volume' is not NAME=VALUE"),
    ],
)
def test_cli_bad_param_values_exit_2_naming_the_parameter(params: list[str], words: str) -> None:
    args = [x for p in params for x in ("--param", p)]
    code, out, err = _invoke("validate", str(RTP), *args)
    assert code == 2, out + err
    assert words in err and "Traceback" not in err


def test_params_for_files_that_define_none_are_unusable(tmp_path: Path) -> None:
    plain = ROOT / "tests" / "data" / "opentrons_protocols" / "ot2_air_gap_transfer.py"
    with pytest.raises(UnusableInputError, match="defines no runtime parameters"):
        verify_opentrons_file(plain, VerifyOptions(), parameters={"volume": "5"})
    if CORPUS.is_dir():
        with pytest.raises(
            UnusableInputError, match="a Protocol Designer protocol has no runtime parameters"
        ):
            verify_opentrons_file(
                CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json", VerifyOptions(), parameters={"x": "1"}
            )


@needs_corpus
def test_the_corpus_golden_rtp_protocol_takes_values_of_every_type() -> None:
    golden = CORPUS / "OT2_S_v2_18_NO_PIPETTES_GoldenRTP_OT2.py"
    values = {
        "min_max_all_fields": "12",
        "float_choices_no_unit": "50",
        "bool_no_desc": "true",
        "str_choices_all_many_fields": "A",
    }
    report = verify_opentrons_file(golden, VerifyOptions(), parameters=values)
    assert report.ok and report.certificate is not None
    recorded = report.certificate.source.runtime_parameters
    assert (recorded["min_max_all_fields"], recorded["float_choices_no_unit"]) == (12, 50.0)
    assert (recorded["bool_no_desc"], recorded["str_choices_all_many_fields"]) == (True, "A")
    assert recorded["int_choice_no_unit"] == 6  # not given: its default
