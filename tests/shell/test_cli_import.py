"""`labwright import FILE -o OUT.yaml`: an Opentrons protocol (Python or Protocol Designer) in the
protocol language, through the real Opentrons 9.0.0 analysis; written atomically, never over an
existing file without --force; importing an export gives the same protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from labwright.protocols.io import parse_protocol, protocol_sha256
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RTP = DATA / "opentrons_files" / "rtp_transfer.py"
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the public Opentrons corpus is not at {CORPUS} (../shared is absent)"
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def read_protocol(path: Path):  # noqa: ANN201
    text = path.read_text()
    return parse_protocol(json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))


def test_writes_the_converted_protocol_and_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "rtp.yaml"
    code, _, err = invoke("import", str(RTP), "-o", str(out), "--param", "volume=80")
    assert code == 0, err
    text = out.read_text()
    assert text.startswith('# converted by `labwright import` from "rtp_transfer.py"')
    protocol = read_protocol(out)
    assert protocol.metadata.name == "Runtime parameter transfer"
    assert [(s.op, getattr(s, "volume_ul", None)) for s in protocol.steps] == [
        ("pick_up_tip", None),
        ("aspirate", 80),
        ("dispense", 80),
        ("drop_tip", None),
    ]
    assert {liq.name for liq in protocol.liquids} == {"water"}
    # the written protocol validates as it is
    code, _, err = invoke("validate", str(out))
    assert code == 0, err
    # an existing file: exit 2, untouched; --force replaces it; no temporary file is left behind
    code, _, err = invoke("import", str(RTP), "-o", str(out))
    assert code == 2 and "already exists" in err and "--force" in err
    assert out.read_text() == text
    code, _, err = invoke("import", str(RTP), "-o", str(out), "--force")
    assert code == 0, err
    assert [s.volume_ul for s in read_protocol(out).steps if s.op == "aspirate"] == [50]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rtp.yaml"]


def test_json_output_stdout_and_unusable_inputs(tmp_path: Path) -> None:
    out = tmp_path / "rtp.json"
    code, _, err = invoke("import", str(RTP), "-o", str(out))
    assert code == 0, err
    code, stdout, _ = invoke("import", str(RTP))
    assert code == 0
    assert protocol_sha256(read_protocol(out)) == protocol_sha256(parse_protocol(yaml.safe_load(stdout)))
    example = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
    for args, words in (
        ([str(example)], "already a labwright protocol"),
        ([str(RTP), "--param", "volume=0"], "--param volume=0: out of range"),
        ([str(RTP), "-o", str(tmp_path / "missing" / "x.yaml")], "does not exist"),
        ([str(RTP), "-o", str(RTP)], "is the input file"),
        ([str(tmp_path / "nope.py")], "no such file"),
    ):
        code, _, err = invoke("import", *args)
        assert code == 2, (args, err)
        assert words in err and "Traceback" not in err


def test_a_protocol_with_errors_is_not_written_unless_asked(tmp_path: Path) -> None:
    out = tmp_path / "faulty.yaml"
    faulty = ["--param", "volume=150", "--param", "twice=true"]
    code, _, err = invoke("import", str(RTP), "-o", str(out), *faulty)
    assert code == 1 and "VOLUME_ASPIRATE_EXCEEDS_WELL" in err and "not imported" in err
    assert not out.exists()
    code, _, err = invoke("import", str(RTP), "-o", str(out), *faulty, "--no-verify")
    assert code == 0, err
    assert [s.volume_ul for s in read_protocol(out).steps if s.op == "aspirate"] == [150, 150]


@needs_corpus
def test_a_file_opentrons_rejects_is_never_written(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    for flag in ("--verify", "--no-verify"):
        code, _, err = invoke(
            "import", str(CORPUS / "OT2_X_v6_P20S_None_SimpleTransfer.json"), "-o", str(out), flag
        )
        assert code == 1 and "OPENTRONS_REJECTED" in err and not out.exists()


ROUND_TRIP = [
    RTP,
    DATA / "opentrons_protocols" / "flex_plate_prep_api228.py",  # air gaps of apiLevel 2.22+
    DATA / "opentrons_protocols" / "ot2_serial_dilution_api213.py",  # legacy core
    CORPUS / "OT2_S_v6_P300M_P20S_MixTransferManyLiquids.json",  # Protocol Designer
]


@pytest.mark.parametrize("source", ROUND_TRIP, ids=lambda p: p.name)
def test_importing_an_export_gives_the_same_protocol(tmp_path: Path, source: Path) -> None:
    if not source.is_file():
        pytest.skip(f"{source} is absent (../shared is not there)")
    first, exported, second = tmp_path / "first.yaml", tmp_path / "exported.py", tmp_path / "second.yaml"
    code, _, err = invoke("import", str(source), "-o", str(first))
    assert code == 0, err
    code, _, err = invoke("export", str(first), "--to", "opentrons", "-o", str(exported))
    assert code == 0, err
    code, _, err = invoke("import", str(exported), "-o", str(second))
    assert code == 0, err
    a, b = read_protocol(first), read_protocol(second)
    assert protocol_sha256(a) == protocol_sha256(b), [
        (i, x, y) for i, (x, y) in enumerate(zip(a.steps, b.steps, strict=False)) if x != y
    ][:3]
