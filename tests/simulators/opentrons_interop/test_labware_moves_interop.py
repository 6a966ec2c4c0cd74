"""Labware moves through Opentrons interop, on the real Opentrons 9.0.0 analysis.

- Round trip (``-m slow``; the example's findings round trip and its run in the Opentrons
  simulator are checked by ``test_opentrons_export.py`` on every run): a labwright protocol with
  gripper and manual moves, staging and off-deck labware, a latch, a lid and the waste chute is
  exported, run by Opentrons' analysis, imported back, and gives the same moves (the same places,
  the same strategy and offsets) and the same verdict.
- Real Flex gripper protocols of Opentrons' own analysis corpus (which Opentrons accepts)
  validate with their moves replayed, without the DECK_SLOT_OCCUPIED false alarms that a static
  deck gave them; one the analysis refuses for a move into an occupied place is refused by the
  deck twin for that same move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.io import load_protocol, parse_protocol, to_document
from labwright.simulators.opentrons_interop.export import export_opentrons
from labwright.simulators.opentrons_interop.importer import import_opentrons_python
from labwright.verifiers.opentrons_python import verify_opentrons_python
from labwright.verifiers.verifier import VerifyOptions, verify

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "protocols" / "flex_gripper_plate_moves.yaml"
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
MOVE_OPS = ("move_labware", "open_latch", "close_latch", "open_lid", "close_lid")


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the Opentrons analysis corpus is not at {CORPUS} (../shared is absent)")
    return path


def _moves(steps: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The move, latch and lid steps, with labware and module ids replaced by ``names``."""
    out = []
    for step in steps:
        if step["op"] not in MOVE_OPS:
            continue
        out.append({k: names.get(v, v) if isinstance(v, str) else v for k, v in step.items() if k != "note"})
    return out


@pytest.mark.slow  # about 20 s: an export, one sandboxed Opentrons analysis, two verifications
def test_round_trip_keeps_every_move(tmp_path: Path) -> None:
    protocol = load_protocol(EXAMPLE)
    exported = tmp_path / "moves.py"
    exported.write_text(export_opentrons(protocol))
    result = import_opentrons_python(exported)
    assert result.protocol is not None and not result.rejected, result.issues
    # the ids the importer gives are its own: name both sides by load name and label
    name_of = {lw.id: f"{lw.load_name}/{lw.label}" for lw in protocol.labware}
    name_of |= {mo.id: mo.type.value for mo in protocol.modules}
    back = {lw.id: f"{lw.load_name}/{lw.label}" for lw in result.protocol.labware}
    back |= {mo.id: mo.type.value for mo in result.protocol.modules}
    original = _moves(to_document(protocol, exclude_defaults=True)["steps"], name_of)
    imported = _moves(to_document(result.protocol, exclude_defaults=True)["steps"], back)
    # the export closes the Heater-Shaker's latch over the plate loaded on it (set-up), and
    # before each shake: those are the imported protocol's extra close_latch steps
    hs = "heater_shaker"
    assert imported[:2] == [{"op": "close_latch", "module": hs}] * 2
    assert imported[2:] == original
    assert [m["op"] for m in original].count("move_labware") == 6
    assert {
        "op": "move_labware",
        "labware": original[-1]["labware"],
        "waste_chute": True,
        "use_gripper": True,
    } in imported
    # where each labware starts: the adapter on its own, the plate on it, off deck, staging
    starts = {back[lw.id]: (lw.module, lw.on_labware, lw.off_deck, lw.slot) for lw in result.protocol.labware}
    assert starts["opentrons_flex_96_tiprack_200ul/spare tips (staging)"][3] == "A4"
    assert starts["opentrons_96_wellplate_200ul_pcr_full_skirt/elution plate"][2] is True
    sample = starts["nest_96_wellplate_100ul_pcr_full_skirt/sample plate"]
    assert sample[1] is not None and back[sample[1]] == "opentrons_96_pcr_adapter/"
    options = VerifyOptions(certify=False, safety=False)
    assert verify(result.protocol, options).ok and verify(protocol, options).ok


@pytest.mark.parametrize(
    "name",
    [
        # magnetic block <-> aluminium-block adapter on a temperature module, with the gripper
        "Flex_S_v2_15_P1000_96_GRIP_HS_TM_QuickZymoMagbeadRNAExtractionCellsOrBacteria.py",
        # gripper moves into the waste chute and onto adapters, manual moves, staging slots
        "Flex_S_v2_16_P1000_96_GRIP_HS_MB_TC_TM_DeckConfiguration1.py",
    ],
)
def test_corpus_flex_gripper_protocols_validate_with_their_moves(name: str) -> None:
    path = _corpus(name)
    report = verify_opentrons_python(path, VerifyOptions(certify=False))
    assert report.protocol is not None
    moves = [s for s in report.protocol.steps if s.op == "move_labware"]
    assert len(moves) >= 8 and any(s.use_gripper for s in moves)
    codes = {f.code for f in report.findings if f.severity.value == "error"}
    assert "DECK_SLOT_OCCUPIED" not in codes and not {c for c in codes if c.startswith("MOVE_")}
    assert report.ok, [f.message for f in report.findings if f.severity.value == "error"]


def test_corpus_move_into_an_occupied_module_is_refused_for_that_move() -> None:
    """The analysis refuses this protocol at line 339: the sample plate is moved onto the
    Thermocycler, where it already is. The twin says the same, at the same line."""
    path = _corpus("Flex_S_v2_18_Illumina_Stranded_total_RNA_Ribo_Zero.py")
    result = import_opentrons_python(path)
    assert result.rejected
    report = verify(result.protocol, VerifyOptions(certify=False, safety=False))
    occupied = [f for f in report.findings if f.code == "DECK_SLOT_OCCUPIED"]
    assert len(occupied) == 1 and "where it already is" in occupied[0].message
    assert result.step_lines[occupied[0].step] == 339


def test_a_lid_comes_back_as_a_lid_on_its_plate(tmp_path: Path) -> None:
    """Opentrons loads the lid with its plate (``loadLid``) and sets it down in a slot on a lid
    stack object (``move_lid``); the import gives the lid labware and its moves back."""
    doc = {
        "labwright": "labwright/1",
        "metadata": {"name": "lid", "robot": "flex"},
        "labware": [
            {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "D2"},
            {"id": "lid", "load_name": "corning_96_wellplate_360ul_lid", "on_labware": "plate"},
        ],
        "steps": [
            {"op": "move_labware", "labware": "lid", "slot": "C2", "use_gripper": True},
            {"op": "move_labware", "labware": "lid", "on_labware": "plate", "use_gripper": True},
        ],
    }
    exported = tmp_path / "lid.py"
    exported.write_text(export_opentrons(parse_protocol(doc)))
    result = import_opentrons_python(exported)
    assert result.protocol is not None and result.issues == []
    lid = next(lw for lw in result.protocol.labware if lw.load_name == "corning_96_wellplate_360ul_lid")
    plate = next(lw for lw in result.protocol.labware if lw.load_name == "corning_96_wellplate_360ul_flat")
    assert lid.on_labware == plate.id
    assert steps_of(result.document, "move_labware") == [
        {"op": "move_labware", "labware": lid.id, "slot": "C2", "use_gripper": True},
        {"op": "move_labware", "labware": lid.id, "on_labware": plate.id, "use_gripper": True},
    ]


def steps_of(document: dict[str, Any] | None, op: str) -> list[dict[str, Any]]:
    assert document is not None
    return [s for s in document["steps"] if s["op"] == op]
