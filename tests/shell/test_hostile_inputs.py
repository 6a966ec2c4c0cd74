"""Unusable input around the protocol (labware files, ledgers, keys, robot addresses) gives exit 2
and one message with a hint, never a traceback (issue 13, must-have 4)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_deeply_nested_custom_labware_is_unusable(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    folder = tmp_path / "labware"
    folder.mkdir()
    (folder / "x.json").write_text('{"a": [[[' )
    for where in (deep, folder, tmp_path / "missing"):
        code, out, _ = invoke("validate", "--json", "-L", str(where), str(EXAMPLE))
        assert code == 2 and json.loads(out.splitlines()[0])["certificate"] is None


@pytest.mark.parametrize("kind", ["under-a-file", "a-directory", "unreachable-folder", "not-sqlite"])
def test_unusable_ledger_paths(tmp_path: Path, kind: str) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    (tmp_path / "garbage.sqlite").write_text("this is not a database\n" * 100)
    store = {
        "under-a-file": tmp_path / "afile" / "ledger.sqlite",
        "a-directory": tmp_path / "adir",
        "unreachable-folder": Path("/proc/labwright-test/ledger.sqlite"),  # read-only even for root
        "not-sqlite": tmp_path / "garbage.sqlite",
    }[kind]
    code, out, err = invoke("run", str(EXAMPLE), "--store", str(store), "--json")
    assert code == 2 and "ledger" in json.loads(out.splitlines()[-1])["error"], err
    code, _, err = invoke("runs", "list", "--store", str(store))
    assert code == 2 and "ledger" in err


def test_certificate_key_that_is_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "certificate.key").mkdir(parents=True)
    monkeypatch.setenv("LABWRIGHT_HOME", str(home))
    code, out, _ = invoke("validate", "--json", str(EXAMPLE))
    assert code == 2 and "certificate key" in json.loads(out.splitlines()[0])["error"]


@pytest.mark.parametrize("robot", ["http://[::1", "http://host:port", "ftp://robot", ":::"])
def test_robot_addresses_that_are_not_addresses(tmp_path: Path, robot: str) -> None:
    code, _, err = invoke("run", str(EXAMPLE), "--backend", "opentrons-http", "--robot", robot,
                          "--store", str(tmp_path / "l.sqlite"))
    assert code == 2 and "is not a robot address" in err


def test_corrupt_ledger_row_is_reported_and_never_dispatched(tmp_path: Path) -> None:
    store = tmp_path / "ledger.sqlite"
    code, out, _ = invoke("run", str(EXAMPLE), "--store", str(store), "--json")
    assert code == 0
    run_id = json.loads(out)["run"]["run_id"]
    db = sqlite3.connect(store)
    db.execute("UPDATE dispatches SET certificate_json='[1', state='queued'")
    db.execute("UPDATE events SET data_json='{oops'")
    db.commit()
    db.close()
    commands = (["runs", "list"], ["runs", "show", run_id], ["runs", "reconcile", "--resume"])
    commands += (["run", str(EXAMPLE)],)
    for args in commands:
        code, _, err = invoke(*args, "--store", str(store))
        assert code == 2 and f"corrupt record for run {run_id}" in err, (args, err)
    state = sqlite3.connect(store).execute("SELECT state FROM dispatches").fetchall()
    assert state == [("queued",)], "nothing was dispatched from the corrupt row"


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("parens.py", "x = " + "(" * 200_000 + "1" + ")" * 200_000, "too many nested parentheses"),
        ("unary.py", "x = " + "-" * 200_000 + "1", "nested too deeply to parse"),
        ("fifo.py", None, "not a regular file"),
    ],
)
def test_python_protocols_that_cannot_be_parsed_safely(tmp_path: Path, name: str, body: str | None,
                                                        message: str) -> None:
    """Checked in the validator's own process before any child starts: must not crash it."""
    path = tmp_path / name
    if body is None:
        import os

        os.mkfifo(path)
    else:
        path.write_text('metadata = {"apiLevel": "2.15"}\n' + body + "\n\ndef run(protocol):\n    pass\n")
    code, out, _ = invoke("validate", "--json", str(path), str(EXAMPLE))
    first, second = (json.loads(line) for line in out.splitlines()[-2:])
    assert code == 2 and message in first["error"] and first["certificate"] is None
    assert second["ok"] is True, "the other file of the call is still verified"
