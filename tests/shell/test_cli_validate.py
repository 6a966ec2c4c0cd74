"""`labwright validate` as a user runs it: exit codes, JSON shape, start-up weight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
runner = CliRunner()


def invoke(*args: str):  # noqa: ANN201
    return runner.invoke(app, list(args))


def test_clean_protocol_exits_0_with_a_certificate() -> None:
    r = invoke("validate", str(EXAMPLE), "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout.strip())
    assert doc["ok"] is True
    assert len(doc["protocol_sha256"]) == 64
    assert doc["certificate"]["protocol_sha256"] == doc["protocol_sha256"]
    assert doc["findings"] == []


def test_errors_exit_1_and_every_finding_carries_the_required_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace(
            "volume: 100 uL\n    source: reservoir:A1", "volume: 400 uL\n    source: reservoir:A1"
        )
    )
    r = invoke("validate", str(bad), "--json")
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout.strip())
    assert doc["ok"] is False and doc["certificate"] is None
    assert doc["findings"]
    for f in doc["findings"]:
        assert {"code", "category", "severity", "step", "pointer", "message", "hint"} <= set(f)
    assert any(f["severity"] == "error" for f in doc["findings"])


def test_one_json_object_per_file(tmp_path: Path) -> None:
    r = invoke("validate", str(EXAMPLE), str(EXAMPLE), "--json")
    lines = [json.loads(line) for line in r.stdout.strip().splitlines()]
    assert len(lines) == 2 and all(d["ok"] for d in lines)


def test_unusable_inputs_exit_2_without_a_traceback(tmp_path: Path) -> None:
    cases = {
        "missing.yaml": None,
        "list.yaml": "- a\n- b\n",
        "broken.yaml": "metadata: {name: [unclosed\n",
        "notes.txt": "hello",
        "other.yaml": "name: something else\nvalue: 3\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        r = invoke("validate", str(path), "--json")
        assert r.exit_code == 2, (name, r.output)
        assert "Traceback" not in r.output
        doc = json.loads(r.stdout.strip())
        assert doc["ok"] is False and doc["unusable"] is True and doc["hint"]


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        "corning_96_wellplate_360ul_flat", "nest_96_wellplate_100ul_pcr_full_skirt"
    )
    text = text.replace('{"plate:A1": "200 uL"}', '{"plate:A1": "150 uL"}')
    path = tmp_path / "pcr.yaml"
    path.write_text(text)
    lenient = json.loads(invoke("validate", str(path), "--json").stdout)
    assert lenient["ok"] is True
    assert any(
        f["code"] == "VOLUME_ABOVE_NOMINAL" and f["severity"] == "warning" for f in lenient["findings"]
    )
    strict = invoke("validate", str(path), "--json", "--strict")
    assert strict.exit_code == 1
    assert all(f["severity"] != "warning" for f in json.loads(strict.stdout)["findings"])


def test_schema_command_prints_a_json_schema() -> None:
    r = invoke("schema")
    assert r.exit_code == 0
    schema = json.loads(r.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "steps" in schema["properties"]


def test_validating_yaml_does_not_import_opentrons_or_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from labwright.commands.validate import validate_file\n"
        "from labwright.verifiers.verifier import VerifyOptions\n"
        f"r = validate_file(__import__('pathlib').Path({str(EXAMPLE)!r}), VerifyOptions())\n"
        "assert r.ok\n"
        "heavy = {'opentrons', 'torch', 'rdkit', 'ase', 'mace', 'langgraph'}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
