"""`labwright simulate` as a user runs it: JSON shape, the readable table, the SVG deck map,
Opentrons Python input, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from labwright.simulators.deck.definitions import load_labware
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
PY_PROTOCOL = ROOT / "tests" / "data" / "opentrons_protocols" / "ot2_serial_dilution_api213.py"
runner = CliRunner()


def invoke(*args: str):  # noqa: ANN201
    return runner.invoke(app, list(args))


def test_json_has_labware_wells_liquids_steps_and_duration() -> None:
    r = invoke("simulate", str(EXAMPLE), "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {"labware", "liquids", "steps", "duration_s"} <= set(doc)
    plate = doc["labware"]["plate"]
    assert (plate["load_name"], plate["slot"]) == ("corning_96_wellplate_360ul_flat", "3")
    a2 = plate["wells"]["A2"]
    assert a2["volume_ul"] == [100.0, 100.0]
    assert a2["composition_ul"] == {"diluent": 50.0, "dye": 50.0}
    assert "H12" not in plate["wells"]  # never touched nor filled
    assert doc["liquids"]["dye"]["name"] == "tartrazine"
    assert doc["liquids"]["diluent"]["smiles"] == "O"
    assert doc["steps"] == 3 and doc["duration_s"] == 0
    assert doc["labware"]["tips"]["tips_used"] == ["A1", "B1"]
    assert doc["findings"] == []


def test_table_and_svg(tmp_path: Path) -> None:
    svg = tmp_path / "deck.svg"
    r = invoke("simulate", str(EXAMPLE), "--svg", str(svg))
    assert r.exit_code == 0, r.output
    assert "plate (corning_96_wellplate_360ul_flat, slot 3)" in r.stdout
    assert "water 50, tartrazine 50" in r.stdout
    root = ET.parse(svg).getroot()  # well-formed XML
    wells = [el for el in root.iter() if el.get("data-well")]
    expected = sum(
        len(load_labware(n).wells)
        for n in ("opentrons_96_tiprack_300ul", "nest_12_reservoir_15ml", "corning_96_wellplate_360ul_flat")
    )
    assert len(wells) == expected
    assert all(el.tag.endswith(("circle", "rect")) and el.get("fill", "").startswith("#") for el in wells)
    fills = {el.get("data-well"): el.get("fill") for el in wells}
    assert fills["reservoir:A1"] == "#3A7BD5" and fills["plate:A1"] == "#F5C400"


def test_errors_of_the_replay_exit_1_and_the_end_state_is_still_shown(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace(
            "volume: 100 uL\n    source: reservoir:A1", "volume: 400 uL\n    source: reservoir:A1"
        )
    )
    r = invoke("simulate", str(bad), "--json")
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    assert doc["labware"]["plate"]["wells"]["A2"]["volume_ul"][0] >= 400
    assert "VOLUME_WELL_OVERFLOW" in {f["code"] for f in doc["findings"]}


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("missing.yaml", None, "no such file"),
        ("notes.txt", "hello", "not a protocol file"),
        ("list.yaml", "- a\n- b\n", "mapping"),
        (
            "bad_schema.yaml",
            "labwright: labwright/1\nmetadata: {name: x, robot: ot3}\n",
            "not a valid protocol",
        ),
        ("broken.json", "{", "json"),
    ],
)
def test_unusable_input_exits_2_with_one_clear_line(
    tmp_path: Path, name: str, text: str | None, needle: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    r = invoke("simulate", str(path))
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    first = r.stderr.strip().splitlines()[0]
    assert first.startswith("unusable input") and needle.lower() in first.lower(), r.stderr


def test_an_svg_path_in_a_missing_folder_exits_2(tmp_path: Path) -> None:
    r = invoke("simulate", str(EXAMPLE), "--svg", str(tmp_path / "nope" / "deck.svg"))
    assert r.exit_code == 2 and "cannot write the deck map" in r.stderr


def test_opentrons_python_is_simulated_through_the_importer(tmp_path: Path) -> None:
    svg = tmp_path / "deck.svg"
    r = invoke("simulate", str(PY_PROTOCOL), "--json", "--svg", str(svg))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    plate = next(lw for lw in doc["labware"].values() if lw["load_name"] == "corning_96_wellplate_360ul_flat")
    assert len(plate["wells"]) == 96
    # no liquid is declared: each well's contents are hand-filled, at least what was pipetted in
    low, high = plate["wells"]["A1"]["volume_ul"]
    assert low == 100.0 and high > low
    assert any(k.startswith("?") for k in plate["wells"]["A1"]["composition_ul"])
    assert doc["steps"] > 100
    ET.parse(svg)
