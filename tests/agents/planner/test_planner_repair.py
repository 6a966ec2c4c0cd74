"""The offline repair step on faulty drafts: each fault found by the real verifier is repaired
(another pipette or tip size, another labware, split volumes, more tips, more liquid) until the
protocol verifies, and the end state is what the draft meant; what it cannot repair it says."""

from __future__ import annotations

import copy

import pytest
from labwright.agents.planner import repair_offline
from labwright.protocols.models import Protocol
from labwright.simulators.deck.definitions import load_labware
from labwright.simulators.deck.end_state import end_state
from labwright.simulators.deck.resolve import resolve
from labwright.verifiers.verifier import VerifyOptions, verify_document

BASE = {
    "labwright": "labwright/1",
    "metadata": {"name": "draft", "robot": "ot2"},
    "labware": [
        {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
        {"id": "plate", "load_name": "nest_96_wellplate_200ul_flat", "slot": "2"},
        {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"},
    ],
    "pipettes": [{"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
    "liquids": [{"id": "water", "name": "water", "smiles": "O", "initial_volumes_ul": {"res:A1": 12000}}],
    "steps": [],
}
ALL_WELLS = [f"plate:{r}{c}" for c in range(1, 13) for r in "ABCDEFGH"]


def _draft(steps: list[dict], **changes: object) -> dict:
    doc = copy.deepcopy(BASE)
    doc["steps"] = steps
    doc.update(copy.deepcopy(changes))
    return doc


def _loop(doc: dict, rounds: int = 3) -> tuple[dict, object, list[str]]:
    changes: list[str] = []
    report = verify_document(doc, VerifyOptions())
    for _ in range(rounds):
        if not [f for f in report.findings if f.severity.value != "info"]:
            break
        repaired = repair_offline(doc, report.findings)
        changes += repaired.changes
        if not repaired.changes:
            break
        doc = repaired.document
        report = verify_document(doc, VerifyOptions())
    return doc, report, changes


def _well(doc: dict, loc: str):  # noqa: ANN202
    return end_state(resolve(Protocol.model_validate(doc))).well(loc)


def test_a_well_too_small_gets_labware_of_the_same_format_with_larger_wells() -> None:
    doc, report, changes = _loop(
        _draft(
            [{"op": "transfer", "pipette": "p", "volume_ul": 400, "source": "res:A1", "dest": ["plate:A1"]}]
        )
    )
    assert report.ok and report.certificate is not None
    assert changes and changes[0].startswith("VOLUME_WELL_OVERFLOW")
    plate = load_labware(next(lw["load_name"] for lw in doc["labware"] if lw["id"] == "plate"))
    assert len(plate.wells) == 96 and plate.wells["A1"].nominal_ul >= 400
    assert _well(doc, "plate:A1").composition_ul == {"water": 400.0}


def test_running_out_of_tips_adds_a_rack_in_a_free_slot() -> None:
    steps = [
        {
            "op": "transfer",
            "pipette": "p",
            "volume_ul": 50,
            "source": "res:A1",
            "dest": [*ALL_WELLS, "plate:A1"],
            "new_tip": "always",
        }
    ]
    doc, report, changes = _loop(_draft(steps))
    assert report.ok, [f.code for f in report.findings]
    assert changes[0].startswith("TIP_RACK_EMPTY")
    (pip,) = doc["pipettes"]
    assert len(pip["tip_racks"]) == 2
    slots = [lw["slot"] for lw in doc["labware"]]
    assert len(slots) == len(set(slots))
    assert _well(doc, "plate:A1").volume_ul == (100.0, 100.0)


def test_a_volume_below_the_pipette_gets_a_smaller_pipette_on_the_free_mount() -> None:
    doc, report, changes = _loop(
        _draft([{"op": "transfer", "pipette": "p", "volume_ul": 5, "source": "res:A1", "dest": ["plate:A1"]}])
    )
    assert not [f for f in report.findings if f.severity.value != "info"], [f.code for f in report.findings]
    assert changes[0].startswith("PIPETTE_VOLUME_BELOW_MIN")
    models = {p["model"]: p for p in doc["pipettes"]}
    assert "p20_single_gen2" in models and models["p20_single_gen2"]["mount"] == "left"
    assert doc["steps"][0]["pipette"] == models["p20_single_gen2"]["id"]


def test_an_aspirate_dispense_pair_above_the_pipette_is_split() -> None:
    steps = [
        {"op": "pick_up_tip", "pipette": "p"},
        {"op": "aspirate", "pipette": "p", "volume_ul": 500, "location": "res:A1"},
        {"op": "dispense", "pipette": "p", "volume_ul": 500, "location": "res:A2"},
        {"op": "drop_tip", "pipette": "p"},
    ]
    doc, report, changes = _loop(_draft(steps))
    assert report.ok
    assert changes[0].startswith("PIPETTE_VOLUME_ABOVE_MAX") and "split" in changes[0]
    assert [s["op"] for s in doc["steps"]].count("aspirate") == 2
    assert _well(doc, "res:A2").volume_ul == (500.0, 500.0)


def test_tips_too_small_for_the_volume_become_the_pipettes_larger_tips() -> None:
    draft = _draft(
        [
            {"op": "pick_up_tip", "pipette": "p"},
            {"op": "aspirate", "pipette": "p", "volume_ul": 250, "location": "res:A1"},
            {"op": "dispense", "pipette": "p", "volume_ul": 250, "location": "plate:A1"},
            {"op": "drop_tip", "pipette": "p"},
        ],
        labware=[
            {"id": "tips", "load_name": "opentrons_96_filtertiprack_200ul", "slot": "1"},
            *BASE["labware"][1:],
        ],
    )
    first = verify_document(draft, VerifyOptions())
    assert "TIP_CAPACITY_EXCEEDED" in {f.code for f in first.findings}
    doc, report, changes = _loop(draft)
    assert report.ok, [f.code for f in report.findings]
    assert changes[0].startswith("TIP_CAPACITY_EXCEEDED")
    assert (
        next(lw for lw in doc["labware"] if lw["id"] == "tips")["load_name"] == "opentrons_96_tiprack_300ul"
    )


def test_a_source_that_runs_dry_is_loaded_with_more() -> None:
    draft = _draft(
        [
            {
                "op": "transfer",
                "pipette": "p",
                "volume_ul": 100,
                "source": "plate:A1",
                "dest": ["plate:B1", "plate:C1"],
            }
        ],
        liquids=[{"id": "dye", "name": "tartrazine", "initial_volumes_ul": {"plate:A1": 100}}],
    )
    doc, report, changes = _loop(draft)
    assert report.ok, [f.code for f in report.findings]
    assert changes[0].startswith("VOLUME_ASPIRATE_EXCEEDS_WELL")
    assert _well(doc, "plate:C1").composition_ul == {"dye": 100.0}


def test_deck_and_mount_mistakes() -> None:
    draft = _draft(
        [{"op": "transfer", "pipette": "q", "volume_ul": 10, "source": "res:A1", "dest": ["plate:A1"]}],
        labware=[*BASE["labware"], {"id": "tips20", "load_name": "opentrons_96_tiprack_20ul", "slot": "3"}],
        pipettes=[
            BASE["pipettes"][0],
            {"id": "q", "model": "p20_single_gen2", "mount": "right", "tip_racks": ["tips20"]},
        ],
    )
    doc, report, changes = _loop(draft)
    assert report.ok, [f.code for f in report.findings]
    codes = {c.split(" ")[0].rstrip(":") for c in changes}
    assert {"DECK_SLOT_OCCUPIED", "PIPETTE_MOUNT_CONFLICT"} <= codes


def test_a_misspelt_load_name_is_corrected_only_when_one_name_is_close() -> None:
    draft = _draft(
        [{"op": "transfer", "pipette": "p", "volume_ul": 50, "source": "res:A1", "dest": ["plate:A1"]}],
        labware=[
            BASE["labware"][0],
            {"id": "plate", "load_name": "nest_96_wellplate_200ul_flatt", "slot": "2"},
            BASE["labware"][2],
        ],
    )
    doc, report, changes = _loop(draft)
    assert report.ok and "LABWARE_DEFINITION_NOT_FOUND" in changes[0]
    vague = _draft([], labware=[{"id": "x", "load_name": "a_plate", "slot": "2"}])
    result = repair_offline(vague, verify_document(vague, VerifyOptions()).findings)
    assert result.gave_up and not result.changes


def test_safety_findings_have_no_offline_repair() -> None:
    draft = _draft(
        [
            {"op": "transfer", "pipette": "p", "volume_ul": 100, "source": "res:A2", "dest": ["plate:A1"]},
            {
                "op": "transfer",
                "pipette": "p",
                "volume_ul": 100,
                "source": "res:A3",
                "dest": ["plate:A1"],
                "new_tip": "always",
            },
        ],
        liquids=[
            {"id": "bleach", "name": "bleach", "initial_volumes_ul": {"res:A2": 1000}},
            {"id": "ammonia", "name": "ammonia", "initial_volumes_ul": {"res:A3": 1000}},
        ],
    )
    report = verify_document(draft, VerifyOptions())
    assert "SAFETY_INCOMPATIBLE" in {f.code for f in report.findings}
    result = repair_offline(draft, report.findings)
    assert result.gave_up and result.changes == []


def test_a_document_that_does_not_parse_is_given_up() -> None:
    broken = {"metadata": {"name": "x"}, "steps": [{"op": "teleport"}]}
    result = repair_offline(broken, verify_document(broken, VerifyOptions()).findings)
    assert result.gave_up and result.document == broken


MIXED = "Distribute 250 uL of PBS to every well of a 96 well plate, then add 5 uL of fluorescein to column 1."
TWICE = (
    "Add 50 uL of PBS to every well of a 96 well plate, then add 50 uL of water to every well of the plate."
)


def _small_plate(doc: dict) -> None:
    next(lw for lw in doc["labware"] if lw["id"] == "plate")["load_name"] = (
        "nest_96_wellplate_100ul_pcr_full_skirt"
    )


def _one_rack(doc: dict) -> None:
    for p in doc["pipettes"]:
        extra = p["tip_racks"][1:]
        assert extra, "the plan needs more than one rack"
        p["tip_racks"] = p["tip_racks"][:1]
        doc["labware"] = [lw for lw in doc["labware"] if lw["id"] not in extra]


def _big_pipette_only(doc: dict) -> None:
    big = next(p for p in doc["pipettes"] if p["model"] == "p300_single_gen2")
    for s in doc["steps"]:
        if "pipette" in s:
            s["pipette"] = big["id"]


@pytest.mark.parametrize(
    ("request_text", "spoil", "code"),
    [
        (MIXED, _small_plate, "VOLUME_WELL_OVERFLOW"),
        (TWICE, _one_rack, "TIP_RACK_EMPTY"),
        (MIXED, _big_pipette_only, "PIPETTE_VOLUME_BELOW_MIN"),
    ],
    ids=["small_plate", "one_rack", "big_pipette"],
)
def test_faulty_versions_of_planned_protocols_are_repaired(request_text: str, spoil, code: str) -> None:  # noqa: ANN001
    """Planner output spoiled the way a hasty draft would be, then repaired back to the same wells."""
    from labwright.agents.planner import plan_offline

    doc = plan_offline(request_text).document
    assert doc is not None
    want = _well(doc, "plate:A1")
    spoiled = copy.deepcopy(doc)
    spoil(spoiled)
    assert code in {f.code for f in verify_document(spoiled, VerifyOptions()).findings}
    fixed, report, changes = _loop(spoiled)
    assert report.ok and changes, [f.code for f in report.findings]
    assert changes[0].startswith(code)
    got = _well(fixed, "plate:A1")
    assert got.composition_ul == pytest.approx(want.composition_ul)


def test_the_bench_repairs_spoiled_drafts_back_to_their_expected_end_state() -> None:
    """bench/agent_bench.py's second part, on the requests whose drafts every spoiler applies to."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import agent_bench
    from agent_requests import REQUESTS

    starts = ("Serially dilute 1 mM fluorescein", "Copy 20 uL of every well", "Make a grid of red dye")
    chosen = [(i, r) for i, r in enumerate(REQUESTS) if r.text.startswith(starts)]
    assert len(chosen) == 3
    result = agent_bench.run_spoiled(chosen)
    assert {row["spoil"] for row in result["rows"]} == {"small_plate", "one_rack", "dry_sources"}
    assert result["repaired"] == result["drafts"] >= 5, [r for r in result["rows"] if not r["ok"]]
    assert all(1 <= row["rounds"] <= agent_bench.MAX_ROUNDS for row in result["rows"])
