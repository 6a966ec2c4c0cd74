"""`labwright validate x.py`: Opentrons Python protocols through the real Opentrons 9.0.0
simulator, then every verifier pass.

Real-world-shaped protocols (hand-filled plates, tip parking, one tip per dilution row, an
8-channel on a one-well reservoir, air gaps, a PCR plate past its nominal volume, bead
clean-ups, declared liquids) validate with no errors; faulty ones are reported with the right
code and category; a file that is not a protocol is unusable input (exit 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.findings import Severity
from labwright.protocols.locations import WellRef
from labwright.verifiers.opentrons_python import verify_opentrons_python
from labwright.verifiers.verifier import Report, VerifyOptions

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "opentrons_protocols"
FAULTY = DATA / "faulty"
CLEAN = sorted(DATA.glob("*.py"))

_REPORTS: dict[tuple[Path, bool], Report] = {}


def report(path: Path, strict: bool = False) -> Report:
    key = (path, strict)
    if key not in _REPORTS:
        _REPORTS[key] = verify_opentrons_python(path, VerifyOptions(strict=strict))
    return _REPORTS[key]


def errors(rep: Report) -> list[Any]:
    return [f for f in rep.findings if f.severity is Severity.ERROR]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABWRIGHT_HOME": str(home)}
    cmd = [sys.executable, "-m", "labwright.cli", "validate", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


# ------------------------------------------------------------------------------------ CLI


def test_cli_real_world_protocols_exit_0_certified(labwright_home: Path) -> None:
    proc = _cli("--json", *[str(p) for p in CLEAN], home=labwright_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(d["file"]).name for d in lines] == [p.name for p in CLEAN]
    for d in lines:
        assert d["ok"] is True, (d["file"], [f for f in d["findings"] if f["severity"] == "error"])
        assert d["certificate"] is not None and d["protocol_sha256"]
    assert "Traceback" not in proc.stderr


def test_cli_faulty_protocols_exit_1_with_message_and_category(labwright_home: Path) -> None:
    cases = {
        "legacy_bottom_minus_2_api213.py": ("LOCATION_BELOW_BOTTOM", "location", "below the well bottom"),
        "slot_conflict.py": ("OPENTRONS_REJECTED", "deck", "already present"),
        "volume_above_max.py": ("OPENTRONS_REJECTED", "pipette", "Cannot aspirate 50.0"),
        "temperature_out_of_range.py": ("OPENTRONS_REJECTED", "temperature", "invalid temperature 120.0"),
    }
    proc = _cli("--json", *[str(FAULTY / name) for name in cases], home=labwright_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for line in proc.stdout.splitlines():
        d = json.loads(line)
        code, category, words = cases[Path(d["file"]).name]
        assert d["ok"] is False and d["certificate"] is None
        hits = [f for f in d["findings"] if f["code"] == code and f["severity"] == "error"]
        assert hits, d["findings"]
        assert hits[0]["category"] == category
        assert words in hits[0]["message"]
        assert {"code", "category", "severity", "step", "pointer", "message", "hint"} <= set(hits[0])
    assert "Traceback" not in proc.stderr


def test_cli_not_a_protocol_exit_2_without_traceback(labwright_home: Path) -> None:
    proc = _cli("--json", str(FAULTY / "not_a_protocol.py"), home=labwright_home)
    assert proc.returncode == 2
    said = " ".join(proc.stderr.split())  # rich wraps long lines
    assert "not an Opentrons Python protocol: no run() function" in said and "apiLevel" in said
    assert "Traceback" not in proc.stderr
    d = json.loads(proc.stdout)
    assert d["unusable"] is True and d["ok"] is False and "def run(" in d["hint"]


# ---------------------------------------------------------------------- real protocols pass


@pytest.mark.parametrize("path", CLEAN, ids=lambda p: p.stem)
def test_real_world_protocol_has_no_errors(path: Path) -> None:
    rep = report(path)
    assert rep.ok, [(f.code, f.step, f.message) for f in errors(rep)]
    assert rep.certificate is not None
    assert rep.source == str(path)
    assert rep.passes[0] == "opentrons-simulator" and "replay" in rep.passes


def test_hand_filled_wells_are_unknown_not_errors() -> None:
    rep = report(DATA / "ot2_serial_dilution_api213.py")
    assert rep.protocol is not None and rep.protocol.liquids == []
    codes = {f.code for f in rep.findings}
    assert "VOLUME_HAND_FILLED_ASSUMED" in codes
    assert not {c for c in codes if c.startswith(("VOLUME_ASPIRATE", "TIP_"))}


def test_pcr_plate_past_nominal_is_a_warning_only() -> None:
    rep = report(DATA / "ot2_pcr_overfilled.py")
    above = [f for f in rep.findings if f.code == "VOLUME_ABOVE_NOMINAL"]
    assert len(above) == 8 and all(f.severity is Severity.WARNING for f in above)
    strict = report(DATA / "ot2_pcr_overfilled.py", strict=True)
    assert not strict.ok and strict.certificate is None, "--strict makes the warnings errors"


def test_tip_parking_and_one_tip_per_row_raise_no_tip_findings() -> None:
    for name in ("ot2_normalization_tip_parking.py", "ot2_serial_dilution_api213.py"):
        rep = report(DATA / name)
        tip = [f for f in rep.findings if f.category.value == "tip" and f.severity is not Severity.INFO]
        assert tip == [], (name, tip)


def test_eight_channel_draws_eight_times_from_the_one_well_reservoir() -> None:
    rep = report(DATA / "ot2_multichannel_one_well_reservoir.py")
    assert rep.protocol is not None and rep.twin is not None
    drawn_per_channel = sum(
        s.volume_ul for s in rep.protocol.steps if s.op == "aspirate" and s.location == "reservoir_2:A1"
    )
    well = rep.twin.wells[WellRef("reservoir_2", "A1")]
    assert well.capacity - well.high == pytest.approx(8 * drawn_per_channel)
    assert drawn_per_channel == pytest.approx(12 * 250 + 6 * 160)


def test_declared_liquids_are_tracked_exactly() -> None:
    rep = report(DATA / "flex_pcr_setup_liquids.py")
    assert rep.twin is not None
    master_mix = rep.twin.wells[WellRef("reservoir_A3", "A1")]
    assert master_mix.low == master_mix.high == pytest.approx(3000 - 3 * 8 * 25)
    undeclared = rep.twin.wells[WellRef("reservoir_A3", "A12")]
    assert (undeclared.low, undeclared.high) == (0.0, 0.0)
    reaction = rep.twin.wells[WellRef("plate_B1", "A1")]
    assert set(reaction.amounts) >= {"master_mix", "template_dna"}


def test_clean_up_reagents_mixed_in_sample_wells_are_not_a_hazard() -> None:
    rep = report(DATA / "flex_bead_cleanup_magblock.py")
    assert rep.protocol is not None and rep.twin is not None
    assert {liq.id for liq in rep.protocol.liquids} == {
        "magnetic_beads",
        "ethanol_80",
        "water",
        "pcr_product",
    }
    sample = rep.twin.wells[WellRef("plate_D1", "A1")]
    assert set(sample.amounts) == {"magnetic_beads", "ethanol_80", "water", "pcr_product"}
    loud = [f for f in rep.findings if f.severity is not Severity.INFO]
    assert loud == [], [(f.code, f.message) for f in loud]


def test_custom_labware_definition_is_used_by_the_simulator_and_the_verifier(tmp_path: Path) -> None:
    from labwright.simulators.deck.definitions import shared_data_root

    path = shared_data_root() / "labware" / "definitions" / "2" / "corning_96_wellplate_360ul_flat" / "2.json"
    definition = json.loads(path.read_text())
    definition["parameters"]["loadName"] = "lab_96_wellplate_300ul"
    definition["namespace"], definition["version"] = "custom_beta", 1
    protocol = tmp_path / "custom.py"
    protocol.write_text(
        'metadata = {"apiLevel": "2.15"}\n'
        "def run(ctx):\n"
        '    tips = ctx.load_labware("opentrons_96_tiprack_300ul", 1)\n'
        '    plate = ctx.load_labware("lab_96_wellplate_300ul", 2)\n'
        '    p = ctx.load_instrument("p300_single_gen2", "right", tip_racks=[tips])\n'
        "    p.pick_up_tip()\n"
        '    p.aspirate(100, plate["A1"])\n'
        '    p.dispense(100, plate["B1"].bottom(-1))\n'
        "    p.drop_tip()\n"
    )
    with_def = verify_opentrons_python(protocol, VerifyOptions(extra_labware=[definition]))
    assert [f.code for f in errors(with_def)] == ["LOCATION_BELOW_BOTTOM"]
    assert with_def.protocol is not None
    assert with_def.protocol.custom_labware[0]["parameters"]["loadName"] == "lab_96_wellplate_300ul"
    without = verify_opentrons_python(protocol, VerifyOptions())
    rejected = [f for f in errors(without) if f.code == "OPENTRONS_REJECTED"]
    assert rejected and rejected[0].category.value == "reference"
    assert "lab_96_wellplate_300ul" in rejected[0].message


# -------------------------------------------------------------------------- faulty protocols


def test_legacy_bottom_minus_two_is_a_location_error_at_the_aspirate() -> None:
    rep = report(FAULTY / "legacy_bottom_minus_2_api213.py")
    below = [f for f in rep.findings if f.code == "LOCATION_BELOW_BOTTOM"]
    assert len(below) == 8
    assert rep.protocol is not None
    for f in below:
        assert f.category.value == "location" and f.severity is Severity.ERROR
        step = rep.protocol.steps[f.step]
        assert step.op == "aspirate" and step.offset_mm == pytest.approx(-2.0)
        assert f.pointer == f"/steps/{f.step}"
        # the Python line of `p300.aspirate(50, reservoir["A1"].bottom(-2))`
        assert f.data["line"] == 19 and "legacy_bottom_minus_2_api213.py line 19" in f.message
    assert rep.certificate is None


def test_legacy_temperature_out_of_range_is_caught_by_labwright() -> None:
    """The legacy core accepts 120 degC on a Temperature Module; labwright does not."""
    rep = report(FAULTY / "temperature_out_of_range_api213.py")
    hits = [f for f in rep.findings if f.code == "TEMPERATURE_OUT_OF_RANGE"]
    assert hits and hits[0].category.value == "temperature" and hits[0].step == 0
    assert "OPENTRONS_REJECTED" not in {f.code for f in rep.findings}


def test_rejected_protocol_keeps_the_partial_verification() -> None:
    rep = report(FAULTY / "volume_above_max.py")
    assert not rep.ok and rep.certificate is None
    rejected = [f for f in rep.findings if f.code == "OPENTRONS_REJECTED"]
    assert len(rejected) == 1 and rejected[0].category.value == "pipette"
    assert rejected[0].data["line"] == 13 and rejected[0].hint
    assert rep.protocol is not None and [s.op for s in rep.protocol.steps] == ["pick_up_tip"]
    assert "replay" in rep.passes
