"""Issue 5 end to end: the faulty safety examples through `labwright validate` (in-process with
typer's CliRunner, and as a real subprocess), the clean buffers/dyes/DNA protocol, and every
example protocol without a safety or policy finding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from labwright.protocols import read_document
from labwright.verifiers.verifier import VerifyOptions, verify_document
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[3]
FAULTY = ROOT / "examples" / "protocols" / "faulty"
STRICT_POLICY = ROOT / "examples" / "policies" / "strict_lab.yaml"
CLEAN = Path(__file__).parent / "data" / "clean_buffers_dyes_dna.yaml"
SAFETY_CATEGORIES = {"safety", "policy"}

runner = CliRunner()

# file -> (extra CLI options, exit code, codes of all findings)
EXPECTED: dict[str, tuple[list[str], int, set[str]]] = {
    "safety_incompatible_bleach_into_acid.yaml": ([], 1, {"SAFETY_INCOMPATIBLE"}),
    # the deck twin reports the same carry-over as a tip-hygiene error: inherent to carry-over
    "safety_carryover_acid_into_bleach.yaml": (
        [], 1, {"SAFETY_INCOMPATIBLE", "TIP_CROSS_CONTAMINATION"}),
    "safety_carryover_cyanide_into_acid.yaml": (
        [], 1, {"SAFETY_INCOMPATIBLE", "TIP_CROSS_CONTAMINATION", "POLICY_APPROVAL_REQUIRED"}),
    "safety_thermal_ether_heater_shaker.yaml": ([], 1, {"SAFETY_THERMAL"}),
    "policy_cwc_schedule1_by_name.yaml": ([], 1, {"POLICY_CWC_REFUSED"}),
    "policy_cwc_schedule1_by_smiles.yaml": ([], 1, {"POLICY_CWC_REFUSED"}),
    "policy_approval_required_osmium.yaml": ([], 0, {"POLICY_APPROVAL_REQUIRED"}),
    "policy_banned_substance_chloroform.yaml": (
        ["--policy", str(STRICT_POLICY)], 1, {"POLICY_BANNED_SUBSTANCE"}),
    "policy_max_volume_wash_reservoir.yaml": (
        ["--policy", str(STRICT_POLICY)], 1, {"POLICY_MAX_VOLUME"}),
    "policy_max_temperature_denaturation.yaml": (
        ["--policy", str(STRICT_POLICY)], 1, {"POLICY_MAX_TEMPERATURE"}),
    "safety_unknown_chemical.yaml": ([], 0, {"SAFETY_UNKNOWN_CHEMICAL"}),
}


def validate(path: Path, *options: str) -> tuple[int, dict[str, Any]]:
    """`labwright validate --json` in-process: exit code and the report of one file."""
    result = runner.invoke(app, ["validate", "--json", *options, str(path)])
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return result.exit_code, json.loads(lines[0])


def findings(report: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["code"] == code]


def test_every_faulty_example_is_covered_and_has_a_header() -> None:
    files = sorted(p.name for p in FAULTY.glob("*.yaml"))
    assert files == sorted(EXPECTED)
    for name in files:
        text = (FAULTY / name).read_text()
        header = text.split("labwright:", 1)[0]
        assert header.startswith("#") and "Expected:" in header, name
        for code in EXPECTED[name][2]:
            assert code in header, (name, code)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_faulty_example_gives_exactly_its_findings(name: str) -> None:
    options, exit_code, codes = EXPECTED[name]
    code, report = validate(FAULTY / name, *options)
    assert code == exit_code, report["findings"]
    assert {f["code"] for f in report["findings"]} == codes
    # otherwise valid: apart from the tip-hygiene twin of a carry-over, only safety/policy
    others = {f["code"] for f in report["findings"] if f["category"] not in SAFETY_CATEGORIES}
    assert others <= {"TIP_CROSS_CONTAMINATION"}
    for f in report["findings"]:
        if f["category"] in SAFETY_CATEGORIES:
            assert f["hint"] and f["step"] is not None and f["pointer"], f


def test_bleach_into_the_acid_well_names_chemicals_wells_step_hazard_and_source() -> None:
    code, report = validate(FAULTY / "safety_incompatible_bleach_into_acid.yaml")
    assert code == 1 and report["certificate"] is None
    [f] = findings(report, "SAFETY_INCOMPATIBLE")
    assert f["category"] == "safety" and f["severity"] == "error"
    assert f["step"] == 24 and f["pointer"].startswith("/steps/24")
    message = f["message"]
    for text in ("step 24", "'hydrochloric acid' (1 M)", "'sodium hypochlorite' (0.6%)",
                 "plate:A1", "H2", "toxic gas: chlorine", "source: NRC, Prudent Practices"):
        assert text in message, text
    data = f["data"]
    assert set(data["liquids"]) == {"stop", "bleach"}
    assert data["vessel"] == "plate:A1" and len(data["vessels"]) == 16
    assert all(v.startswith("plate:") for v in data["vessels"])  # not the sample plate
    assert "GT" in data["codes"]
    assert any(h["text"] == "toxic gas: chlorine" and "Prudent Practices" in h["source"]
               for h in data["hazards"])
    assert any("hydrochloric acid" in c for c in data["chemicals"])
    assert any("sodium hypochlorite" in c for c in data["chemicals"])


def test_acid_carried_on_an_unchanged_tip_into_the_bleach_source() -> None:
    code, report = validate(FAULTY / "safety_carryover_acid_into_bleach.yaml")
    assert code == 1
    found = {f["data"]["vessel"]: f for f in findings(report, "SAFETY_INCOMPATIBLE")}
    assert "reagents:A3" in found  # the bleach source, contaminated by the acid tip
    assert any(v.startswith("tip:") for v in found)
    source = found["reagents:A3"]
    assert source["step"] == 5
    assert "hydrochloric acid" in source["message"] and "sodium hypochlorite" in source["message"]
    assert "toxic gas: chlorine" in source["message"] and source["data"]["sources"]
    [tip] = findings(report, "TIP_CROSS_CONTAMINATION")
    assert tip["step"] == 5


def test_cyanide_carried_into_the_acid_source() -> None:
    code, report = validate(FAULTY / "safety_carryover_cyanide_into_acid.yaml")
    assert code == 1
    found = {f["data"]["vessel"]: f for f in findings(report, "SAFETY_INCOMPATIBLE")}
    source = found["reagents:A2"]
    assert source["step"] == 3
    for text in ("Drabkin's reagent", "potassium cyanide", "hydrochloric acid",
                 "toxic gas: hydrogen cyanide", "Prudent Practices"):
        assert text in source["message"], text
    wells = [f for f in found.values() if f["data"]["vessel"].startswith("plate:")]
    assert wells and len(wells[0]["data"]["vessels"]) == 8
    [approval] = findings(report, "POLICY_APPROVAL_REQUIRED")
    assert approval["requires_approval"] and "cyanide" in approval["message"]


def test_diethyl_ether_at_60_on_the_heater_shaker() -> None:
    code, report = validate(FAULTY / "safety_thermal_ether_heater_shaker.yaml")
    assert code == 1
    [f] = findings(report, "SAFETY_THERMAL")
    assert f["severity"] == "error" and f["step"] == 3
    for text in ("diethyl ether", "60 degC", "Heater-Shaker", "extraction_plate:A1",
                 "boiling point 34.4 degC", "flash point -45 degC", "chemicals"):
        assert text in f["message"], text
    data = f["data"]
    assert len(data["vessels"]) == 8 and data["major"]
    props = {fig["property"]: fig for fig in data["figures"]}
    assert props["boiling point"]["celsius"] < 40 and props["flash point"]["celsius"] < 0
    assert all(fig["source"] for fig in data["figures"])
    assert any("chemicals" in s for s in data["sources"])


@pytest.mark.parametrize("name, how", [("policy_cwc_schedule1_by_name.yaml", "name"),
                                       ("policy_cwc_schedule1_by_smiles.yaml", "structure family")])
def test_schedule_1_agents_are_refused_naming_the_schedule(name: str, how: str) -> None:
    code, report = validate(FAULTY / name)
    assert code == 1
    [f] = findings(report, "POLICY_CWC_REFUSED")
    assert f["category"] == "policy" and f["severity"] == "error" and f["step"] == 3
    assert "Schedule 1" in f["message"] and f"matched by {how}" in f["message"]
    assert "Chemical Weapons Convention, Annex on Chemicals" in f["message"]
    assert f["data"]["schedule"] == 1 and f["data"]["item"].startswith("1A")
    # no approval can waive a refusal, even under a policy without approvals
    code, strict = validate(FAULTY / name, "--policy", str(STRICT_POLICY))
    assert code == 1 and findings(strict, "POLICY_CWC_REFUSED")


def test_approval_findings_carry_requires_approval_in_json() -> None:
    name = FAULTY / "policy_approval_required_osmium.yaml"
    code, report = validate(name)
    assert code == 0 and report["ok"] and report["certificate"] is not None
    [f] = findings(report, "POLICY_APPROVAL_REQUIRED")
    assert f["requires_approval"] is True and f["severity"] == "warning"
    assert "osmium tetroxide" in f["message"] and "source: lab policy" in f["message"]
    code, strict = validate(name, "--strict")
    assert code == 1 and findings(strict, "POLICY_APPROVAL_REQUIRED")[0]["severity"] == "error"
    assert findings(strict, "POLICY_APPROVAL_REQUIRED")[0]["requires_approval"] is True


@pytest.mark.parametrize("name, code_name, words", [
    ("policy_banned_substance_chloroform.yaml", "POLICY_BANNED_SUBSTANCE",
     ["chloroform", "strict teaching lab"]),
    ("policy_max_volume_wash_reservoir.yaml", "POLICY_MAX_VOLUME",
     ["wash_reservoir:A1", "150750 uL", "50000 uL", "strict teaching lab"]),
    ("policy_max_temperature_denaturation.yaml", "POLICY_MAX_TEMPERATURE",
     ["95 degC", "70 degC", "Temperature Module", "'pcr_plate'", "strict teaching lab"]),
])
def test_policy_option_applies_the_lab_policy(name: str, code_name: str, words: list[str]) -> None:
    code, default = validate(FAULTY / name)
    assert code == 0 and default["findings"] == []
    code, report = validate(FAULTY / name, "--policy", str(STRICT_POLICY))
    assert code == 1
    [f] = findings(report, code_name)
    assert f["category"] == "policy" and f["severity"] == "error"
    for word in words:
        assert word in f["message"], word


def test_unknown_chemical_is_a_warning_and_an_error_under_strict() -> None:
    name = FAULTY / "safety_unknown_chemical.yaml"
    code, report = validate(name)
    [f] = findings(report, "SAFETY_UNKNOWN_CHEMICAL")
    assert code == 0 and f["severity"] == "warning" and "XR-7 enhancer" in f["message"]
    assert f["step"] == 1 and f["data"]["liquid"] == "enhancer"
    code, strict = validate(name, "--strict")
    assert code == 1 and findings(strict, "SAFETY_UNKNOWN_CHEMICAL")[0]["severity"] == "error"
    code, policy = validate(name, "--policy", str(STRICT_POLICY))
    assert code == 1 and findings(policy, "SAFETY_UNKNOWN_CHEMICAL")[0]["severity"] == "error"


def test_unusable_policy_file_exits_2_with_a_hint(tmp_path: Path) -> None:
    bad = tmp_path / "lab.yaml"
    bad.write_text("max_temprature_c: 90\n")
    result = runner.invoke(app, ["validate", "--policy", str(bad),
                                 str(FAULTY / "safety_unknown_chemical.yaml")])
    assert result.exit_code == 2
    assert "max_temprature_c" in result.output and "max_temperature_c" in result.output


def test_real_subprocess_validates_several_files_as_json_lines() -> None:
    exe = Path(sys.executable).parent / "labwright"
    files = [FAULTY / "safety_incompatible_bleach_into_acid.yaml", CLEAN]
    proc = subprocess.run([str(exe), "validate", "--json", *map(str, files)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["ok"] for r in reports] == [False, True]
    [bad] = findings(reports[0], "SAFETY_INCOMPATIBLE")
    assert "toxic gas: chlorine" in bad["message"] and bad["step"] == 24
    assert reports[1]["findings"] == [] and reports[1]["certificate"] is not None
    # the human report names the same things
    text = subprocess.run([str(exe), "validate", str(files[0])], capture_output=True,
                          text=True, timeout=120, check=False, env=_wide_terminal())
    assert text.returncode == 1
    assert "SAFETY_INCOMPATIBLE" in text.stdout and "toxic gas: chlorine" in text.stdout


def _wide_terminal() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "250"}


def test_clean_buffers_dyes_and_dna_protocol_passes_without_noise() -> None:
    code, report = validate(CLEAN)
    assert code == 0 and report["ok"] and report["certificate"] is not None
    assert report["findings"] == []
    assert "safety" in report["passes"] and "policy" in report["passes"]
    code, strict = validate(CLEAN, "--strict")
    assert code == 0 and strict["findings"] == []


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "protocols").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_example_protocols_have_no_safety_or_policy_findings(path: Path) -> None:
    report = verify_document(read_document(path), VerifyOptions(certify=False), source=str(path))
    noise = [f"{f.code}: {f.message}" for f in report.findings
             if f.category.value in SAFETY_CATEGORIES]
    assert noise == []


def test_heating_eluates_after_ethanol_washes_is_silent() -> None:
    doc = read_document(CLEAN)
    doc["steps"].insert(-2, {"op": "set_temperature", "module": "block", "celsius": 37})
    report = verify_document(doc, VerifyOptions(certify=False))
    assert [f.code for f in report.findings if f.category.value in SAFETY_CATEGORIES] == []


@pytest.mark.parametrize("concentration, celsius, severity", [
    ("5%", 37, "warning"),   # minor ethanol in an aqueous sample: flash point only, a warning
    ("70%", 37, "error"),    # 70% ethanol: a major flammable component past its flash point
    ("5%", 90, "warning"),   # minor: boiling and flash points, still warnings
])
def test_thermal_severity_follows_the_share_through_validate(
    tmp_path: Path, concentration: str, celsius: float, severity: str
) -> None:
    doc = read_document(FAULTY / "safety_thermal_ether_heater_shaker.yaml")
    solvent = next(liq for liq in doc["liquids"] if liq["id"] == "ether")
    solvent.update({"name": "ethanol", "concentration": concentration})
    for step in doc["steps"]:
        if step["op"] == "set_temperature":
            step["temperature"] = f"{celsius} degC"
    path = tmp_path / "ethanol.json"
    path.write_text(json.dumps(doc))
    code, report = validate(path)
    [f] = findings(report, "SAFETY_THERMAL")
    assert f["severity"] == severity and f["data"]["chemical"] == "ethanol"
    assert code == (1 if severity == "error" else 0)
    assert "flash point" in f["message"]


UNDECLARED_RESERVOIR = """\
labwright: labwright/1
metadata: {name: mixing in a reservoir the protocol never fills, robot: ot2}
labware:
  - {id: tips, load_name: opentrons_96_tiprack_1000ul, slot: "1"}
  - {id: wash_reservoir, load_name: nest_1_reservoir_195ml, slot: "3"}
  - {id: tubes, load_name: opentrons_15_tuberack_falcon_15ml_conical, slot: "6"}
pipettes:
  - {id: p1000, model: p1000_single_gen2, mount: right, tip_racks: [tips]}
steps:
  - {op: pick_up_tip, pipette: p1000}
  - {op: aspirate, pipette: p1000, volume: 750 uL, location: tubes:A1}
  - {op: dispense, pipette: p1000, volume: 750 uL, location: wash_reservoir:A1}
  - {op: drop_tip, pipette: p1000}
"""


def test_max_volume_of_an_undeclared_reservoir_is_a_warning_not_an_error(tmp_path: Path) -> None:
    """Opentrons' corpus (OT2_S_v2_20_8_None_PARTIAL_COLUMN_HappyPathMixedTipRacks.py line 31)
    mixes in a 290 mL reservoir the protocol never fills (it declares no liquids: every well is
    hand-filled, ``[0, capacity]``): what it holds is up to the operator,
    so only the protocol's own volume can break the policy limit (an error); the reservoir's
    capacity alone gives a warning. Under the strict lab policy (50 mL per vessel)."""
    path = tmp_path / "undeclared.yaml"
    path.write_text(UNDECLARED_RESERVOIR)
    code, report = validate(path, "--policy", str(STRICT_POLICY))
    [f] = findings(report, "POLICY_MAX_VOLUME")
    assert f["severity"] == "warning" and "not declared" in f["message"]
    assert f["data"]["volume_low_ul"] <= 750 and f["data"]["volume_ul"] > 50000
    # the declared 150 mL is the protocol's own: an error
    code, report = validate(FAULTY / "policy_max_volume_wash_reservoir.yaml", "--policy", str(STRICT_POLICY))
    [f] = findings(report, "POLICY_MAX_VOLUME")
    assert code == 1 and f["severity"] == "error" and f["data"]["volume_low_ul"] > 50000


def _heat_eluates_at_95(doc: dict[str, Any]) -> dict[str, Any]:
    """The clean-up protocol with its PCR plate (eluates, master mix, DMSO, water) heated to
    95 degC (an initial denaturation) once the eluates are in."""
    at = next(i for i, s in enumerate(doc["steps"]) if s.get("note") == "eluates")
    doc["steps"].insert(at + 1, {"op": "set_temperature", "module": "block", "temperature": "95 degC"})
    return doc


def _thermal_errors(doc: dict[str, Any]) -> list[Any]:
    report = verify_document(doc, VerifyOptions(certify=False))
    return [f for f in report.findings if f.code == "SAFETY_THERMAL" and f.severity.value == "error"]


def test_eluates_of_washes_that_were_removed_are_heated_without_a_thermal_error() -> None:
    """Issue 14: ethanol washes drawn off in full (150 uL of the 150 uL put in) before the
    air-dry leave no ethanol for the eluate to carry: 95 degC on the eluates is no fault."""
    assert _thermal_errors(_heat_eluates_at_95(read_document(CLEAN))) == []


def test_ethanol_that_was_not_removed_is_heated_with_the_eluate_and_is_an_error() -> None:
    """The same protocol with the 70% ethanol wash drawn off short (100 of 150 uL): 50 uL of
    70% ethanol stay on the beads, a 5 min air-dry does not take them (evaporation from a PCR
    well is well under a microlitre a minute), the low-TE elution takes them up and the 5 uL
    eluate brings ~12% ethanol into each PCR well: past its boiling and flash points at 95 degC."""
    doc = _heat_eluates_at_95(read_document(CLEAN))
    removals = [s for s in doc["steps"] if s.get("dest") == "reagents:A12"]
    assert len(removals) == 3 and removals[2]["volume"] == "150 uL"  # the 70% wash's removal
    removals[2]["volume"] = "100 uL"
    found = _thermal_errors(doc)
    assert [f.data["chemical"] for f in found] == ["ethanol"]
    assert "95 degC" in found[0].message and found[0].data["major"]
    assert 0.10 <= found[0].data["share"] < 0.2
