"""`labwright demo`: validates the bundled protocols, runs the colour-matching campaign on the
twin, writes its report and ends by printing where it is."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labwright.cli import app


def _report_path(output: str) -> Path:
    last = output.strip().splitlines()[-1]
    assert last.startswith("report: "), last
    return Path(last.removeprefix("report: "))


def test_demo_validates_the_examples_runs_the_colour_campaign_and_prints_its_report(
    labwright_home: Path,
) -> None:
    # random proposals and a short budget keep this fast; the full demo is the slow test below
    args = ["demo", "--optimizer", "random", "--budget", "4", "--baseline-seeds", "1"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "certified" in r.output and "rejected" not in r.output
    assert "experiment 4 (round 2): measured" in r.output
    report = _report_path(r.stdout)
    assert report.is_file() and report.parent == labwright_home / "reports"
    assert "<svg" in report.read_text()
    with sqlite3.connect(labwright_home / "ledger.sqlite") as db:
        rows = db.execute("select backend, state from dispatches").fetchall()
    assert rows == [("twin", "succeeded")] * 4


def test_demo_compute_flag_also_runs_the_computational_loop(labwright_home: Path, tmp_path: Path) -> None:
    args = ["demo", "--skip-validation", "--compute", "--optimizer", "random", "--budget", "2"]
    r = CliRunner().invoke(app, [*args, "--baseline-seeds", "0", "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert "round 3: succeeded" in r.output and "best molecule" in r.output
    assert _report_path(r.stdout) == (tmp_path / "r.html").resolve()


def test_demo_with_an_unusable_campaign_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("labwright: campaign/1\nname: x\n")
    r = CliRunner().invoke(app, ["demo", "--skip-validation", "--campaign", str(bad)])
    assert r.exit_code == 2 and "Traceback" not in r.output and "twin" in r.output


@pytest.mark.slow
def test_the_full_demo_reaches_the_colour_target(labwright_home: Path) -> None:
    """The demo as a new user runs it: Bayesian optimisation until CIEDE2000 < 2 (the issue asks
    for under 3 minutes on the development machine; the time is printed, not asserted)."""
    start = time.perf_counter()
    r = CliRunner().invoke(app, ["demo"])
    elapsed = time.perf_counter() - start
    assert r.exit_code == 0, r.output
    assert "target reached at experiment" in r.output
    assert _report_path(r.stdout).is_file()
    print(f"labwright demo took {elapsed:.0f} s")
