"""`labwright demo`: validates the bundled protocols, then runs a closed loop on the twin."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from labwright.cli import app


def test_demo_certifies_examples_and_runs_a_campaign_into_the_ledger(labwright_home: Path) -> None:
    r = CliRunner().invoke(app, ["demo"])
    assert r.exit_code == 0, r.output
    assert "certified" in r.output and "rejected" not in r.output
    assert "round 3: succeeded" in r.output
    ledger = labwright_home / "ledger.sqlite"
    assert ledger.exists()
    with sqlite3.connect(ledger) as db:
        rows = db.execute("select backend, state from dispatches").fetchall()
    assert rows == [("twin", "succeeded")] * 3
    again = CliRunner().invoke(app, ["demo"])
    assert again.exit_code == 0
    assert again.output.count("from the ledger") == 3  # the same rounds are not dispatched twice
