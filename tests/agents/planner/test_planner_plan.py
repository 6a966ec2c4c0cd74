"""The offline planner end to end: its protocols pass the real verifier (every pass, safety
included) and leave the wells as the chemistry says; what it cannot do it refuses or names."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from labwright.agents.planner import PlanResult, plan_offline
from labwright.protocols.models import Protocol
from labwright.simulators.deck.definitions import load_labware, load_pipette
from labwright.simulators.deck.end_state import end_state
from labwright.simulators.deck.resolve import resolve
from labwright.verifiers.verifier import VerifyOptions, verify_document

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
import agent_bench  # noqa: E402
from agent_requests import REQUESTS  # noqa: E402

EXAMPLE = (
    "Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well plate, "
    "100 uL final volume per well, then measure fluorescence."
)


def _state(result: PlanResult):  # noqa: ANN202
    assert result.document is not None, (result.not_understood, result.refusal)
    return end_state(resolve(Protocol.model_validate(result.document)))


def test_the_issue_example_is_certified_and_leaves_a_two_fold_series() -> None:
    result = plan_offline(EXAMPLE)
    assert result.refusal is None and result.not_understood == []
    assert "1:2 serial dilution of fluorescein in PBS" in result.understood
    assert "standard curve" in result.purpose
    report = verify_document(result.document, VerifyOptions())
    assert report.ok and report.certificate is not None, [f.code for f in report.findings]
    assert "safety" in report.passes
    state = _state(result)
    names = {lid: liq.name for lid, liq in state.liquids.items()}
    for k, row in enumerate("ABCDEFGH"):
        well = state.well(f"plate:{row}1")
        assert well.volume_ul == pytest.approx((100.0, 100.0), abs=1e-6)
        by_name = {names[key]: v for key, v in well.composition_ul.items()}
        assert by_name["fluorescein"] == pytest.approx(100 / 2**k, rel=1e-4)
        assert by_name.get("PBS", 0.0) == pytest.approx(100 - 100 / 2**k, rel=1e-4, abs=1e-6)
    measure = [s for s in result.document["steps"] if s["op"] == "measure"]
    assert measure == [
        {
            "op": "measure",
            "labware": "plate",
            "kind": "fluorescence",
            "wells": [f"{r}1" for r in "ABCDEFGH"],
            "note": "measure fluorescence",
        }
    ]
    # every line of the plan names a step or what to load
    assert len([ln for ln in result.plan if ln[:2].rstrip(".").isdigit()]) == len(result.document["steps"])
    assert any(ln.startswith("Load ") and "fluorescein (CAS 2321-07-5)" in ln for ln in result.plan)


def test_liquids_carry_their_chemical_identity() -> None:
    doc = plan_offline(EXAMPLE).document
    liquids = {liq["name"]: liq for liq in doc["liquids"]}
    assert liquids["fluorescein"]["cas"] == "2321-07-5"
    assert liquids["fluorescein"]["smiles"]
    assert "cas" not in liquids["PBS"]  # a mixture: the name is what the safety checker resolves
    assert "phosphate-buffered saline" in liquids["PBS"]["description"]


def test_labware_fits_the_volumes_per_the_opentrons_definitions() -> None:
    small = plan_offline("Add 100 uL of water to column 1 of a 96 well plate.").document
    big = plan_offline("Add 1.5 mL of water to column 1 of a 96 well plate.").document
    for doc, volume in ((small, 100), (big, 1500)):
        plate = next(lw for lw in doc["labware"] if lw["id"] == "plate")
        info = load_labware(plate["load_name"])
        assert len(info.wells) == 96
        assert min(w.nominal_ul for w in info.wells.values()) >= volume
    small_info = load_labware(next(lw["load_name"] for lw in small["labware"] if lw["id"] == "plate"))
    assert min(w.nominal_ul for w in small_info.wells.values()) < 1500  # not a deep-well plate for 100 uL


def test_pipettes_and_tips_fit_the_volumes() -> None:
    doc = plan_offline(
        "Add 250 uL of water to well A1 of a 96 well plate, then add 2 uL of DMSO to well A1."
    ).document
    by_id = {p["id"]: load_pipette(p["model"]) for p in doc["pipettes"]}
    racks = {lw["id"]: load_labware(lw["load_name"]) for lw in doc["labware"] if "tiprack" in lw["load_name"]}
    for step in doc["steps"]:
        if step["op"] != "transfer":
            continue
        pip = by_id[step["pipette"]]
        assert pip.min_volume_ul <= step["volume_ul"]
        pid = next(p for p in doc["pipettes"] if p["id"] == step["pipette"])
        tips = racks[pid["tip_racks"][0]].tip_volume_ul
        assert tips in pip.tip_volumes_ul and tips >= min(step["volume_ul"], pip.max_volume_ul)
    assert {p.max_volume_ul for p in by_id.values()} == {20.0, 300.0}


def test_a_flex_request_gets_flex_hardware_and_an_eight_channel_pipette() -> None:
    doc = plan_offline(
        "On a Flex, add 30 uL of PBS to columns 1 to 3 of a 96 well plate with an 8-channel pipette."
    ).document
    assert doc["metadata"]["robot"] == "flex"
    (pip,) = doc["pipettes"]
    assert pip["model"].startswith("flex_8channel")
    step = next(s for s in doc["steps"] if s["op"] == "transfer")
    assert step["dest"] == ["plate:A1", "plate:A2", "plate:A3"]
    assert verify_document(doc, VerifyOptions()).ok


@pytest.mark.parametrize(
    ("request_text", "reason"),
    [
        ("Transfer 5 mL of water into well A1 of a 96 well plate.", "holds 5000 uL"),
        ("Heat the plate to 150 degrees C.", "no Opentrons module holds 150 degC"),
        ("Add 0.2 uL of DMSO to well A1 of a 96 well plate.", "below the smallest volume"),
        ("Add 100 uL of PBS to row A of a 96 well plate, then shake at 5000 rpm for 1 min.", "200-3000 rpm"),
    ],
)
def test_what_no_hardware_can_do_is_refused_without_a_protocol(request_text: str, reason: str) -> None:
    result = plan_offline(request_text)
    assert result.document is None and result.refusal is not None
    assert reason in result.refusal


@pytest.mark.parametrize(
    ("request_text", "part"),
    [
        ("Transfer water to well A1 of a 96 well plate.", "how much"),
        ("Add 50 uL of water to A1 of a 96 well plate, then centrifuge the plate for 5 min.", "centrifuge"),
        (
            "Make a serial dilution of fluorescein in PBS down column 1 of a 96 well plate, 100 uL per well.",
            "dilution factor",
        ),
        ("Add 50 uL of water to well A1 of a 96 well plate, 100 uL final volume per well.", "does not apply"),
        ("", "empty"),
    ],
)
def test_what_is_not_understood_is_named_and_nothing_is_planned(request_text: str, part: str) -> None:
    result = plan_offline(request_text)
    assert result.document is None and result.refusal is None
    assert any(part in item for item in result.not_understood), result.not_understood


@pytest.mark.parametrize("index", range(len(REQUESTS)), ids=[f"r{i}" for i in range(len(REQUESTS))])
def test_bench_request(index: int) -> None:
    """Each bench request through the planner, the real verifier and the repair loop."""
    outcome = agent_bench.run_one(index, REQUESTS[index])
    assert outcome.ok, (outcome.got, outcome.problems)


@pytest.mark.parametrize(
    "request_text",
    [
        EXAMPLE,
        "Copy 20 uL of every well of a 96 well plate of samples into 2 new plates with an 8-channel pipette.",
        "Add 100 uL of PBS to row A of a 96 well plate, then shake at 500 rpm for 2 minutes.",
    ],
    ids=["serial_dilution", "plate_copy_8ch", "heater_shaker"],
)
def test_planned_protocols_run_in_the_opentrons_simulator(request_text: str, tmp_path: Path) -> None:
    """Exported to Opentrons Python, a planned protocol passes `opentrons_simulate` (9.0.0)."""
    import subprocess

    from labwright.simulators.opentrons_interop.export import export_opentrons

    doc = plan_offline(request_text).document
    path = tmp_path / "planned.py"
    path.write_text(export_opentrons(Protocol.model_validate(doc)))
    exe = Path(sys.executable).with_name("opentrons_simulate")
    done = subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
