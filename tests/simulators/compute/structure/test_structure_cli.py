"""`labwright structure search` end to end: JSON, files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ase.io import read
from typer.testing import CliRunner

from labwright.cli import app

runner = CliRunner()


def _run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout


def test_lj13_search_json_and_structure_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["structure", "search", "--composition", "LJ13", "--calculator", "lj"]
    args += ["--method", "basin-hopping", "--steps", "60", "--seed", "1", "--json"]
    code, out = _run(args)
    assert code == 0, out
    payload = json.loads(out)
    assert payload["best_energy"] == pytest.approx(-44.326801, abs=1e-5)
    assert payload["steps"] == 60
    assert payload["relaxations"] >= 61
    energies = [m["energy"] for m in payload["minima"]]
    assert energies == sorted(energies) and energies[0] == payload["best_energy"]
    assert len(energies) == len(set(round(e, 6) for e in energies))
    path = Path(payload["best_structure"])
    assert path.is_file() and path.parent == tmp_path
    atoms = read(path)
    assert len(atoms) == 13
    assert atoms.info.get("seed") == 1
    assert payload["provenance"]["calculator"] == "lj"
    assert payload["provenance"]["seed"] == 1
    assert "ase" in payload["provenance"]["versions"]

    # the default name never overwrites: a second run writes a new file
    code2, out2 = _run(args)
    assert code2 == 0
    second = Path(json.loads(out2)["best_structure"])
    assert second != path and second.is_file() and path.is_file()


def test_explicit_output_is_not_overwritten_without_flag(tmp_path: Path) -> None:
    target = tmp_path / "best.extxyz"
    target.write_text("keep me")
    args = ["structure", "search", "-c", "LJ7", "--steps", "5", "-o", str(target), "--json"]
    code, out = _run(args)
    assert code == 2
    assert "already exists" in json.loads(out)["error"]
    assert target.read_text() == "keep me"
    code, out = _run(args + ["--overwrite"])
    assert code == 0
    assert len(read(target)) == 7


def test_ag4_periodic_airss_cli(tmp_path: Path) -> None:
    out_file = tmp_path / "ag4.extxyz"
    args = ["structure", "search", "--composition", "Ag4", "--calculator", "emt", "--periodic"]
    args += ["--method", "airss", "--trials", "3", "--pressure", "0", "-o", str(out_file)]
    code, out = _run(args + ["--json"])
    assert code == 0, out
    payload = json.loads(out)
    assert payload["steps"] == 3 and payload["relaxations"] == 3
    assert payload["periodic"] is True
    assert payload["minima"][0]["volume_per_atom"] > 10.0
    atoms = read(out_file)
    assert atoms.pbc.all() and len(atoms) == 4


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "Xx3"],
        ["-c", "Ag4", "--calculator", "lj"],
        ["-c", "LJ13", "--periodic"],
        ["-c", "Ag4", "--calculator", "emt", "--periodic", "--method", "basin-hopping"],
        ["-c", "Ag4", "--calculator", "mace"],
        ["-c", "Cu13", "--calculator", "emt", "--method", "population"],
    ],
)
def test_unusable_input_exits_2_with_a_hint(args: list[str]) -> None:
    code, out = _run(["structure", "search", *args, "--steps", "1", "--json"])
    assert code == 2
    payload = json.loads(out)
    assert payload["error"] and payload["hint"]


def test_hull_command_json() -> None:
    args = ["structure", "hull", "-c", "Cu2", "-c", "Au2", "-c", "CuAu", "--trials", "1"]
    code, out = _run(args + ["--json"])
    assert code == 0, out
    payload = json.loads(out)
    points = {p["label"]: p for p in payload["points"]}
    assert points["Cu2"]["on_hull"] and points["Au2"]["on_hull"]
    assert points["Cu2"]["formation_energy_per_atom"] == pytest.approx(0.0, abs=1e-9)
    mixed = points["CuAu"]
    assert mixed["energy_above_hull_per_atom"] >= 0.0
    assert mixed["on_hull"] == (mixed["formation_energy_per_atom"] <= 1e-6)
    assert payload["relaxations"] == 3
