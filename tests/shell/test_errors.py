"""One set of exit codes and one way to report an error, for every command.

Every command reports a user mistake as ``<label> <message>`` and ``→ hint: <hint>`` on stderr (never
hard-wrapped, never read as rich markup), plus, with ``--json``, one JSON object on stdout with
``ok``, ``error`` and ``hint``; and exits with :class:`ExitCode`.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from labwright.cli import app
from labwright.commands.common import ExitCode

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
runner = CliRunner()


def test_exit_codes_are_the_documented_ones() -> None:
    assert (ExitCode.OK, ExitCode.FAILED, ExitCode.UNUSABLE) == (0, 1, 2)
    assert ExitCode.FINDINGS is ExitCode.FAILED
    assert ExitCode.INTERRUPTED == 130


def test_a_long_message_stays_on_one_line_and_markup_is_literal(tmp_path: Path) -> None:
    missing = tmp_path / ("a-rather-long-folder-name-" * 4) / "[red]protocol[/red].yaml"
    r = runner.invoke(app, ["validate", str(missing)])
    assert r.exit_code == ExitCode.UNUSABLE
    lines = r.stderr.splitlines()
    assert f"unusable input {missing}: no such file" in lines
    assert "→ hint: check the path" in lines


def test_json_errors_carry_ok_error_and_hint_and_people_still_see_them() -> None:
    r = runner.invoke(app, ["safety", "pair", "DMS0", "water", "--json"])
    assert r.exit_code == ExitCode.UNUSABLE
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and "unknown chemical" in doc["error"] and "did you mean" in doc["hint"]
    assert r.stderr.startswith("error ") and "\n→ hint: did you mean" in r.stderr


def test_export_and_run_use_the_same_report(tmp_path: Path) -> None:
    r = runner.invoke(app, ["export", str(EXAMPLE), "--to", "lego"])
    assert r.exit_code == ExitCode.UNUSABLE
    expected = ["unusable input unknown export target 'lego'", "→ hint: use --to opentrons"]
    assert r.stderr.splitlines()[:2] == expected
    store = tmp_path / "ledger.sqlite"
    r = runner.invoke(app, ["run", str(EXAMPLE), "--backend", "pigeon", "--store", str(store), "--json"])
    assert r.exit_code == ExitCode.UNUSABLE
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and "no backend named 'pigeon'" in doc["error"] and "twin" in doc["hint"]
    assert r.stderr.startswith("error no backend named 'pigeon'")
