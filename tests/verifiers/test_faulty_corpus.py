"""The faulty-protocol corpus: every fault is caught with the right code, category, step and
pointer, through the public API and through `labwright validate --json`; every repaired twin
validates clean, so each check is specific to its fault.

Data: tests/data/faulty/*.yaml (one fault each), tests/data/faulty/expected.yaml (expected result
and the JSON Patch that repairs it), tests/data/faulty/clean/*.yaml (real-world-shaped protocols
that must pass: hand-filled plates, wells past their nominal volume, tip parking, 8-channel from a
one-well reservoir, air gaps, pooling, bead clean-up, Heater-Shaker neighbours, Flex thermocycler).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from faulty_corpus import (
    CATEGORIES,
    CLEAN,
    FAULTY,
    ROOT,
    apply_patch,
    expected,
    faulty_files,
    header_expectation,
    resolve,
)
from labwright.protocols.findings import Finding, Severity
from labwright.protocols.io import read_document
from labwright.verifiers.verifier import Report, VerifyOptions, verify_document

EXPECTED = expected()
FILES = faulty_files()
NAMES = [p.name for p in FILES]
# The chemical safety pass is a separate issue with its own tests; these faults are not safety
# faults, and the corpus must not depend on it.
OPTIONS = VerifyOptions(safety=False)


def _verify(doc: dict[str, Any], source: str = "") -> Report:
    return verify_document(doc, OPTIONS, source=source)


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _describe(findings: list[Finding]) -> str:
    return "\n".join(
        f"  {f.severity.value} {f.code} ({f.category.value}) step={f.step} {f.pointer}: {f.message}"
        for f in findings
    )


# ------------------------------------------------------------------------------ the corpus itself


def test_corpus_is_large_and_covers_every_category() -> None:
    assert len(FILES) >= 45
    assert set(NAMES) == set(EXPECTED), "every faulty file has an expected entry, and only those"
    per_category = {c: sum(1 for e in EXPECTED.values() if e["category"] == c) for c in CATEGORIES}
    assert all(n >= 3 for n in per_category.values()), per_category
    # both robots are represented
    robots = {read_document(p)["metadata"]["robot"] for p in FILES}
    assert {"ot2", "flex"} <= robots


@pytest.mark.parametrize("name", NAMES)
def test_header_states_the_expected_result(name: str) -> None:
    header = header_expectation(FAULTY / name)
    assert header is not None, f"{name} has no '# expect: CODE / category / step N' line"
    want = EXPECTED[name]
    assert header == {"code": want["code"], "category": want["category"], "step": want["step"]}


# ------------------------------------------------------------------------ caught, via the API


@pytest.mark.parametrize("name", NAMES)
def test_fault_is_caught_with_code_category_step_and_pointer(name: str) -> None:
    want = EXPECTED[name]
    doc = read_document(FAULTY / name)
    report = _verify(doc, source=name)
    errors = _errors(report.findings)
    assert not report.ok and report.certificate is None
    assert errors, f"{name}: no error reported\n{_describe(report.findings)}"
    # one fault -> every error is that fault (several wells may each report it)
    got = {(f.code, f.category.value, f.step) for f in errors}
    assert got == {(want["code"], want["category"], want["step"])}, (
        f"{name}: expected only {want['code']} ({want['category']}) at step {want['step']}\n"
        + _describe(report.findings)
    )
    pointers = {f.pointer for f in errors}
    assert want["pointer"] in pointers, f"{name}: pointers {pointers}"
    for f in errors:
        # a pointer is meaningful: it names something in the file as the user wrote it (for a
        # missing field: the place it belongs)
        resolve(doc, f.pointer.rsplit("/", 1)[0] if f.code == "FIELD_MISSING" else f.pointer)
        if f.step is not None:
            assert f.pointer.startswith(f"/steps/{f.step}")
        assert f.message and f.hint, "every error says what is wrong and how to fix it"


@pytest.mark.parametrize("name", NAMES)
def test_repaired_twin_validates_clean(name: str) -> None:
    """Apply the file's repair: no error may remain, so the check fired on that fault only."""
    doc = read_document(FAULTY / name)
    fixed = apply_patch(doc, EXPECTED[name]["fix"])
    report = verify_document(fixed, VerifyOptions(), source=f"{name} (repaired)")
    assert report.ok, f"{name} repaired still fails:\n{_describe(report.findings)}"
    assert report.certificate is not None
    assert report.certificate.protocol_sha256 == report.protocol_sha256


CLEAN_FILES = sorted(CLEAN.glob("*.yaml"))


@pytest.mark.parametrize("path", CLEAN_FILES, ids=[p.name for p in CLEAN_FILES])
def test_real_world_shaped_protocols_pass_clean(path: Path) -> None:
    report = _verify(read_document(path), source=path.name)
    assert report.ok, f"{path.name}:\n{_describe(report.findings)}"


def test_clean_twins_cover_what_real_protocols_do() -> None:
    names = {p.stem for p in CLEAN_FILES}
    assert len(names) >= 6
    assert {
        "hand_filled_plate_no_liquids",
        "pcr_plate_past_nominal",
        "tip_parking_same_liquid",
        "multichannel_from_single_well_reservoir",
        "air_gap_and_pooling",
    } <= names


def test_hand_filled_and_past_nominal_are_notes_not_errors() -> None:
    hand = _verify(read_document(CLEAN / "hand_filled_plate_no_liquids.yaml"))
    assert {f.code for f in hand.findings} == {"VOLUME_HAND_FILLED_ASSUMED"}
    assert {f.severity for f in hand.findings} == {Severity.INFO}
    nominal = _verify(read_document(CLEAN / "pcr_plate_past_nominal.yaml"))
    assert {(f.code, f.severity) for f in nominal.findings} == {("VOLUME_ABOVE_NOMINAL", Severity.WARNING)}


# ------------------------------------------------------------------------ caught, via the CLI

# one file per category, plus the multi-finding and declaration-level cases
CLI_SAMPLE = [
    "schema_unit_wrong_dimension_volume.yaml",
    "schema_unknown_op.yaml",
    "reference_unknown_labware.yaml",
    "deck_slot_invalid_flex.yaml",
    "pipette_aspirate_above_max.yaml",
    "tip_cross_contamination.yaml",
    "volume_multichannel_drains_reservoir.yaml",
    "location_below_bottom.yaml",
    "temperature_thermocycler_lid_120C.yaml",
    "volume_initial_overflow.yaml",
]


def _run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("labwright")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "labwright.cli"]
    env = {**os.environ, "LABWRIGHT_HOME": str(home)}
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_cli_json_reports_each_sampled_fault_and_exits_1(labwright_home: Path) -> None:
    """One real `labwright validate --json` process over the sample, as a user runs it."""
    paths = [str(FAULTY / n) for n in CLI_SAMPLE]
    proc = _run_cli("validate", "--json", *paths, home=labwright_home)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == len(CLI_SAMPLE), proc.stdout
    for line, name in zip(lines, CLI_SAMPLE, strict=True):
        out = json.loads(line)
        want = EXPECTED[name]
        assert out["ok"] is False and out["certificate"] is None
        assert Path(out["file"]).name == name
        assert out.get("unusable") is not True
        keys = {"code", "category", "severity", "step", "pointer", "message", "hint"}
        assert all(keys <= set(f) for f in out["findings"])
        errors = [f for f in out["findings"] if f["severity"] == "error"]
        assert {(f["code"], f["category"], f["step"]) for f in errors} == {
            (want["code"], want["category"], want["step"])
        }, f"{name}: {errors}"
        assert want["pointer"] in {f["pointer"] for f in errors}


def test_cli_exit_2_only_for_unusable_input(labwright_home: Path, tmp_path: Path) -> None:
    not_protocol = tmp_path / "shopping.yaml"
    not_protocol.write_text("- eggs\n- milk\n")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("metadata: {name: x\nsteps: [\n")
    for path in (tmp_path / "missing.yaml", not_protocol, broken_yaml):
        proc = _run_cli("validate", "--json", str(path), home=labwright_home)
        assert proc.returncode == 2, (path.name, proc.stdout, proc.stderr)
        out = json.loads(proc.stdout)
        assert out["unusable"] is True and out["ok"] is False and out["error"]
        assert "Traceback" not in proc.stderr
    # a faulty but well-formed protocol is exit 1, never 2
    proc = _run_cli("validate", "--json", str(FAULTY / "schema_missing_field.yaml"), home=labwright_home)
    assert proc.returncode == 1


def test_cli_exit_0_and_certificate_for_a_repaired_twin(labwright_home: Path, tmp_path: Path) -> None:
    name = "tip_cross_contamination.yaml"
    fixed = apply_patch(read_document(FAULTY / name), EXPECTED[name]["fix"])
    path = tmp_path / "repaired.yaml"
    path.write_text(yaml.safe_dump(fixed, sort_keys=False))
    proc = _run_cli("validate", "--json", str(path), home=labwright_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] is True and out["certificate"]["protocol_sha256"] == out["protocol_sha256"]


# ----------------------------------------------------- the record of what Opentrons itself catches

RECORD = FAULTY / "opentrons_catches.csv"
HAND_WRITTEN = ROOT / "tests" / "data" / "faulty_py"


def _record() -> list[dict[str, str]]:
    import csv

    with RECORD.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_opentrons_record_covers_the_corpus() -> None:
    """bench/faulty_vs_opentrons.py wrote this table; it must match the corpus as it is now."""
    rows = _record()
    assert [r["file"] for r in rows] == NAMES, "re-run bench/faulty_vs_opentrons.py"
    for r in rows:
        want = EXPECTED[r["file"]]
        assert (r["code"], r["category"]) == (want["code"], want["category"])
        assert r["labwright_caught"] == "yes"
        assert r["opentrons_caught"] in {"yes", "no", "n/a"}
        assert (r["opentrons_caught"] == "n/a") == (r["python_version"] == "not_expressible")
        if r["opentrons_caught"] == "yes":
            assert r["opentrons_message"]
    # what the record shows: faults only labwright catches exist in the volume and tip categories
    only_labwright = {r["category"] for r in rows if r["opentrons_caught"] == "no"}
    assert {"volume", "tip"} <= only_labwright


def test_hand_written_opentrons_analogs_are_python_for_corpus_files() -> None:
    import ast

    for path in sorted(HAND_WRITTEN.glob("*.py")):
        assert f"{path.stem}.yaml" in EXPECTED, path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body), path.name


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["deck_slot_occupied.yaml", "tip_cross_contamination.yaml", "schema_unknown_op.yaml"]
)
def test_opentrons_simulator_verdict_matches_the_record(name: str, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import faulty_vs_opentrons as bench

    kind, py, _ = bench.python_version(FAULTY / name, tmp_path)
    assert py is not None
    caught, message, _ = bench.run_opentrons(py, timeout=120)
    row = next(r for r in _record() if r["file"] == name)
    assert ("yes" if caught else "no") == row["opentrons_caught"], message
