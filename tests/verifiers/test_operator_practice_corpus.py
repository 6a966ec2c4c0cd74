"""Operator practice on real protocols of Opentrons' own corpus, through the real Opentrons
9.0.0 analysis (issue 14, item 3): each practice is a warning with its reason, and the real
faults found in the same corpus stay errors.

The corpus is read in place (``../shared/corpora/opentrons-analyses/``, its README says what it
is); these tests skip when it is absent. Protocols whose analysis takes more than 20 s on a
loaded machine are marked slow.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.findings import Finding, Severity
from labwright.verifiers.opentrons_python import verify_opentrons_python
from labwright.verifiers.verifier import Report, VerifyOptions, verify_document

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "opentrons-analyses"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "protocols").is_dir(), reason=f"the public Opentrons corpus is not at {CORPUS}"
)


@cache
def report(name: str) -> Report:
    labware = [json.loads(p.read_text()) for p in sorted((CORPUS / "labware").glob("*.json"))]
    options = VerifyOptions(extra_labware=labware, safety=False, certify=False)
    return verify_opentrons_python(CORPUS / "protocols" / name, options)


def of(rep: Report, code: str) -> list[Finding]:
    return [f for f in rep.findings if f.code == code]


def lines(findings: list[Finding]) -> set[int]:
    return {f.data["line"] for f in findings if "line" in f.data}


def test_ligseq_mixes_and_supernatant_removals_are_warnings() -> None:
    """Flex ligation sequencing kit: ``p1000.mix(10, 60)`` in a 53 uL reaction (line 362) and
    ``aspirate(RemoveSup - 100)`` + ``aspirate(100)`` to take the whole supernatant (lines
    462-464) into the liquid waste: the robot draws air with the liquid, nothing is lost."""
    rep = report("Flex_S_v2_18_ligseq.py")
    assert [f for f in rep.findings if f.severity is Severity.ERROR] == []
    mixes = of(rep, "VOLUME_MIX_DRAWS_AIR")
    assert 362 in lines(mixes) and all(f.severity is Severity.WARNING for f in mixes)
    drains = of(rep, "VOLUME_ASPIRATE_DRAINS_WELL")
    assert {462, 549} <= lines(drains)
    assert any("goes to the trash" in f.message for f in drains if f.data["line"] == 549)


def test_nickel_nta_plate_prep_one_reagent_in_two_wells_is_not_contamination() -> None:
    """Ni-NTA plate prep declares "Beads" once per reservoir well (two liquids of one name); the
    one tip that moves on from the first well to the second carries beads into beads."""
    rep = report("pl_NiNTA_Flex_96well_PlatePrep_final.py")
    assert [f for f in rep.findings if f.severity is Severity.ERROR] == []
    assert of(rep, "TIP_CROSS_CONTAMINATION") == [] and of(rep, "TIP_CARRYOVER_CONTAINED") == []


@pytest.mark.slow
def test_idt_xgen_96_removes_supernatants_into_the_waste_and_reuses_tips_on_hand_filled_wells() -> None:
    """IDT xGen on the 96-channel: supernatant removals of 50 uL from wells holding ~31 uL
    (lines 440, 777) go into the liquid-waste reservoir; tips are reused between wells whose
    contents the protocol never declares (no ``load_liquid``)."""
    rep = report("Flex_S_v2_15_P1000_96_GRIP_HS_MB_TC_TM_IDTXgen96Part1to3.py")
    assert [f for f in rep.findings if f.severity is Severity.ERROR] == []
    assert {440, 777} <= lines(of(rep, "VOLUME_ASPIRATE_DRAINS_WELL"))
    possible = of(rep, "TIP_POSSIBLE_CONTAMINATION")
    assert possible and all(f.severity is Severity.WARNING for f in possible)


@pytest.mark.slow
def test_qiaseq_normalizer_pauses_to_replace_tips_then_resets_the_racks() -> None:
    """``protocol.pause("RESET p200 TIPS")`` then ``p1000.reset_tipracks()`` (lines 193-196):
    the import reads it as the pause replacing those racks, and picking the trashed positions
    again afterwards is no fault."""
    rep = report("pl_QIAseq_FX_24x_Normalizer_Workflow_B.py")
    assert rep.protocol is not None
    pauses = [s for s in rep.protocol.steps if s.op == "pause" and s.replace_tipracks]
    assert [p.message for p in pauses] == ["RESET p200 TIPS", "RESET p50 TIPS", "RESET p200 TIPS"]
    assert of(rep, "TIP_PICKED_AFTER_DROP") == [] and of(rep, "TIP_RACK_REPLACED_ASSUMED") == []
    assert of(rep, "IMPORT_TIPRACK_REPLACED_AT_PAUSE")


@pytest.mark.slow
def test_em_seq_never_adds_elution_buffer_for_one_column_a_real_fault() -> None:
    """EM-seq: elution buffer is added only in the ``elif i % 2 > 0`` branch (line 318), which
    never runs for the default single column; the bead pellet, dry after the ethanol removal
    (lines 328-330), is then mixed (line 366): air in an empty well, and no eluate."""
    rep = report("pl_EM_seq_48Samples_AllSteps_Edits_150.py")
    errors = [f for f in of(rep, "VOLUME_ASPIRATE_EXCEEDS_WELL") if f.severity is Severity.ERROR]
    assert 366 in lines(errors)
    assert any("mixes air in an empty well" in f.message for f in errors)


@pytest.mark.slow
def test_normalization_fills_pcr_wells_four_times_over_a_real_fault() -> None:
    """Simple normalisation: the whole dye + diluent addition runs twice (``for X in range(2)``,
    line 164) and the diluent volume is read from the dye column (``data[current][2]``, line
    186): a well gets four times its dye volume (H1: 4 x 100 uL) in a 100 uL PCR well, which
    overflows (lines 190, 219, 248, one per plate). No pause, no operator can prevent it."""
    rep = report("Flex_S_v2_15_P1000S_None_SimpleNormalizeLongRight.py")
    overflow = [f for f in of(rep, "VOLUME_WELL_OVERFLOW") if f.severity is Severity.ERROR]
    assert lines(overflow) == {190, 219, 248}
    wells = {f.data["well"] for f in overflow}
    assert {"plate_D3:H1", "plate_C3:H1", "plate_B3:H1"} <= wells
    assert all(f.data["volume_ul"] > f.data["capacity_ul"] for f in overflow)


@cache
def imported(name: str) -> Any:
    from labwright.simulators.opentrons_interop.importer import import_opentrons_python

    labware = [json.loads(p.read_text()) for p in sorted((CORPUS / "labware").glob("*.json"))]
    return import_opentrons_python(CORPUS / "protocols" / name, labware), labware


def _thermal_errors(doc: dict[str, Any], labware: list[dict[str, Any]]) -> list[Finding]:
    report = verify_document(doc, VerifyOptions(extra_labware=labware, certify=False))
    return [f for f in report.findings if f.code == "SAFETY_THERMAL" and f.severity is Severity.ERROR]


@pytest.mark.slow
def test_kapahyperplus_heats_ethanol_because_its_first_cleanup_removes_130_of_198_ul() -> None:
    """KAPA HyperPlus: ``remove_supernatant(i, 130, ...)`` (line 798) takes 2 x 65 uL (lines
    614/616) of the 198 uL in each well; the ethanol washes mix into the 68 uL left and the
    eluate carries ethanol to 98 degC (line 535): SAFETY_THERMAL, a real fault. The same protocol
    with 2 x 95 uL drawn there leaves a few microlitres, and nothing flammable is heated."""
    result, labware = imported("Flex_S_v2_18_kapahyperplus.py")
    doc = copy.deepcopy(result.document)
    assert {f.data["chemical"] for f in _thermal_errors(doc, labware)} == {"ethanol"}
    first_elution = result.step_lines.index(908)
    first_cleanup = [
        i for i, line in enumerate(result.step_lines[:first_elution])
        if line in (614, 616) and doc["steps"][i]["op"] == "aspirate"
    ]
    assert len(first_cleanup) == 2 and all(doc["steps"][i]["volume_ul"] == 65.0 for i in first_cleanup)
    for i in first_cleanup:
        doc["steps"][i]["volume_ul"] = 95.0
    assert _thermal_errors(doc, labware) == []


@pytest.mark.slow
def test_langone_heats_ethanol_because_it_declares_200_ul_of_sample() -> None:
    """Langone RNA library prep declares 200 uL of sample in every well (line 156): the
    75 + 10 uL supernatant removal (lines 275-276) leaves 174 uL, the ethanol washes mix into it
    and the eluate takes ethanol to 98 degC (line 376). With 20 uL of sample the removal drains
    the well and no ethanol is heated: the fault is the declaration."""
    result, labware = imported("pl_langone_pt2_ribo.py")
    doc = copy.deepcopy(result.document)
    [found] = _thermal_errors(doc, labware)
    assert found.data["chemical"] == "ethanol"
    [sample] = [liq for liq in doc["liquids"] if liq["name"] == "Sample"]
    assert set(sample["initial_volumes_ul"].values()) == {200.0}
    sample["initial_volumes_ul"] = dict.fromkeys(sample["initial_volumes_ul"], 20.0)
    assert _thermal_errors(doc, labware) == []
