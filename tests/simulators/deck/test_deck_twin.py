"""Deck twin semantics on real Opentrons definitions: intervals, tips, channels, air gaps."""

from __future__ import annotations

from typing import Any

import pytest
from labwright.protocols import parse_protocol
from labwright.simulators.deck.definitions import load_labware, load_pipette
from labwright.simulators.deck.expand import split_volume
from labwright.verifiers.verifier import VerifyOptions, verify

OT2 = {"name": "t", "robot": "ot2"}


def run(
    labware: list[dict],
    pipettes: list[dict],
    steps: list[dict],
    liquids: list[dict] | None = None,
    modules: list[dict] | None = None,
) -> Any:
    doc = {
        "labwright": "labwright/1",
        "metadata": OT2,
        "labware": labware,
        "pipettes": pipettes,
        "steps": steps,
        "liquids": liquids or [],
        "modules": modules or [],
    }
    return verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))


def codes(report: Any, severity: str | None = None) -> list[str]:
    return [f.code for f in report.findings if severity is None or f.severity.value == severity]


TIPS300 = {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"}
PLATE = {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "2"}
RES12 = {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"}
RES1 = {"id": "res1", "load_name": "nest_1_reservoir_195ml", "slot": "4"}
P300 = {"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}
M300 = {"id": "m", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["tips"]}


def test_definitions_come_from_opentrons_shared_data() -> None:
    plate = load_labware("corning_96_wellplate_360ul_flat")
    assert plate.wells["A1"].nominal_ul == 360
    assert plate.wells["A1"].capacity_ul > 360  # geometric volume of a 6.86 mm x 10.67 mm well
    p20 = load_pipette("p20_single_gen2")
    assert (p20.min_volume_ul, p20.max_volume_ul, p20.channels) == (1.0, 20.0, 1)
    m = load_pipette("p300_multi_gen2")
    assert m.channels == 8 and m.nozzle_offsets[1] == (0.0, -9.0)


def test_split_volume_follows_the_opentrons_api() -> None:
    assert split_volume(250, 300) == [250]
    assert split_volume(500, 300) == [250, 250]
    assert split_volume(700, 300) == [300, 200, 200]


def test_declared_liquids_are_exact_and_an_undeclared_source_was_filled_by_hand() -> None:
    """A declared liquid is exact: drawing past it into a plate is an error. A well that is not
    declared and that nothing was put in is assumed filled by hand (issue 14): a warning."""
    r = run(
        [TIPS300, PLATE],
        [P300],
        [
            {"op": "pick_up_tip", "pipette": "p"},
            {"op": "aspirate", "pipette": "p", "location": "plate:A1", "volume": "50 uL"},
            {"op": "aspirate", "pipette": "p", "location": "plate:B1", "volume": "10 uL"},
            {"op": "dispense", "pipette": "p", "location": "plate:C1", "volume": "60 uL"},
            {"op": "aspirate", "pipette": "p", "location": "plate:A1", "volume": "80 uL"},
            {"op": "dispense", "pipette": "p", "location": "plate:D1", "volume": "80 uL"},
            {"op": "drop_tip", "pipette": "p"},
        ],
        liquids=[{"id": "s", "name": "water", "initial_volumes": {"plate:A1": "100 uL"}}],
    )
    errs = [f for f in r.findings if f.severity.value == "error"]
    assert [(f.code, f.step) for f in errs] == [("VOLUME_ASPIRATE_EXCEEDS_WELL", 4)]
    assert "plate:D1 receives less" in errs[0].message
    assert [(f.code, f.step) for f in r.findings if f.code == "VOLUME_UNDECLARED_SOURCE"] == [
        ("VOLUME_UNDECLARED_SOURCE", 2)
    ]
    assert r.twin.wells[("plate", "A1")].low == pytest.approx(0)
    assert r.twin.wells[("plate", "D1")].low == pytest.approx(50)  # all there was; the rest was air


def test_no_liquids_means_hand_filled_wells_and_no_false_alarms() -> None:
    r = run(
        [TIPS300, PLATE, RES12],
        [P300],
        [
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "100 uL",
                "source": "res:A1",
                "dest": ["plate:A1", "plate:A2", "plate:A3"],
                "new_tip": "once",
            },
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "50 uL",
                "source": ["plate:A1", "plate:A2"],
                "dest": ["plate:A2", "plate:A3"],
                "new_tip": "once",
                "mix_after": {"repetitions": 2, "volume": "40 uL"},
            },
        ],
    )
    assert codes(r, "error") == []
    assert codes(r, "warning") == []
    assert "VOLUME_HAND_FILLED_ASSUMED" in codes(r, "info")


def test_overfilling_past_nominal_is_a_warning_and_past_geometry_an_error() -> None:
    pcr = {"id": "pcr", "load_name": "nest_96_wellplate_100ul_pcr_full_skirt", "slot": "2"}
    liquids = [{"id": "mm", "name": "water", "initial_volumes": {"res:A1": "10 mL"}}]
    r = run(
        [TIPS300, pcr, RES12],
        [P300],
        [
            {"op": "transfer", "pipette": "p", "volume": "150 uL", "source": "res:A1", "dest": "pcr:A1"},
        ],
        liquids,
    )
    assert codes(r, "error") == []
    assert "VOLUME_ABOVE_NOMINAL" in codes(r, "warning")
    r = run(
        [TIPS300, pcr, RES12],
        [P300],
        [
            {"op": "transfer", "pipette": "p", "volume": "600 uL", "source": "res:A1", "dest": "pcr:A1"},
        ],
        liquids,
    )
    assert "VOLUME_WELL_OVERFLOW" in codes(r, "error")
    # 250 uL: more than the conical well's 217.3 uL (its inner-well geometry), though less than
    # the 329 uL of a cylinder as wide as the rim
    r = run(
        [TIPS300, pcr, RES12],
        [P300],
        [
            {"op": "transfer", "pipette": "p", "volume": "250 uL", "source": "res:A1", "dest": "pcr:A1"},
        ],
        liquids,
    )
    overflow = [f for f in r.findings if f.code == "VOLUME_WELL_OVERFLOW"]
    assert len(overflow) == 1 and "holds 217 uL" in overflow[0].message


def test_eight_channel_draws_eight_times_from_a_one_well_reservoir() -> None:
    liquids = [{"id": "buf", "name": "water", "initial_volumes": {"res1:A1": "1000 uL"}}]
    steps = [
        {"op": "pick_up_tip", "pipette": "m"},
        {"op": "aspirate", "pipette": "m", "location": "res1:A1", "volume": "100 uL"},
        {"op": "dispense", "pipette": "m", "location": "plate:A1", "volume": "100 uL"},
        {"op": "drop_tip", "pipette": "m"},
    ]
    r = run([TIPS300, PLATE, RES1], [M300], steps, liquids)
    assert codes(r, "error") == []
    assert r.twin.wells[("res1", "A1")].low == pytest.approx(200)  # 1000 - 8 x 100
    assert all(r.twin.wells[("plate", f"{row}1")].low == pytest.approx(100) for row in "ABCDEFGH")
    steps[1] = {**steps[1], "volume": "150 uL"}  # 8 x 150 = 1200 > 1000
    steps[2] = {**steps[2], "volume": "150 uL"}
    r = run([TIPS300, PLATE, RES1], [M300], steps, liquids)
    assert "VOLUME_ASPIRATE_EXCEEDS_WELL" in codes(r, "error")


def test_air_gap_is_air_not_liquid() -> None:
    liquids = [{"id": "w", "name": "water", "initial_volumes": {"res:A1": "100 uL"}}]
    r = run(
        [TIPS300, PLATE, RES12],
        [P300],
        [
            {"op": "pick_up_tip", "pipette": "p"},
            {"op": "aspirate", "pipette": "p", "location": "res:A1", "volume": "100 uL"},
            {"op": "air_gap", "pipette": "p", "volume": "20 uL"},
            {
                "op": "aspirate",
                "pipette": "p",
                "location": "res:A1",
                "volume": "10 uL",
                "position": "top",
                "offset": "2 mm",
            },
            {"op": "dispense", "pipette": "p", "location": "plate:A1", "volume": "130 uL"},
            {"op": "drop_tip", "pipette": "p"},
        ],
        liquids,
    )
    assert codes(r, "error") == []
    assert r.twin.wells[("plate", "A1")].low == pytest.approx(100)


def test_tip_parking_and_reuse_on_the_same_liquid_is_clean() -> None:
    liquids = [
        {"id": "a", "name": "water", "initial_volumes": {"res:A1": "5 mL"}},
        {"id": "b", "name": "ethanol", "initial_volumes": {"res:A2": "5 mL"}},
    ]
    r = run(
        [TIPS300, PLATE, RES12],
        [P300],
        [
            {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "50 uL",
                "source": "res:A1",
                "dest": "plate:A1",
                "new_tip": "never",
            },
            {"op": "return_tip", "pipette": "p"},
            {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "50 uL",
                "source": "res:A1",
                "dest": "plate:A2",
                "new_tip": "never",
            },
            {"op": "drop_tip", "pipette": "p"},
        ],
        liquids,
    )
    assert codes(r, "error") == [] and codes(r, "warning") == []


def test_used_tip_into_another_liquid_source_is_cross_contamination() -> None:
    liquids = [
        {"id": "a", "name": "water", "initial_volumes": {"res:A1": "5 mL"}},
        {"id": "b", "name": "ethanol", "initial_volumes": {"res:A2": "5 mL"}},
    ]
    r = run(
        [TIPS300, PLATE, RES12],
        [P300],
        [
            {"op": "pick_up_tip", "pipette": "p"},
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "50 uL",
                "source": "res:A1",
                "dest": "plate:A1",
                "new_tip": "never",
            },
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "50 uL",
                "source": "res:A2",
                "dest": "plate:A2",
                "new_tip": "never",
            },
            {"op": "drop_tip", "pipette": "p"},
        ],
        liquids,
    )
    errs = [f for f in r.findings if f.severity.value == "error"]
    assert [(f.code, f.category.value, f.step) for f in errs] == [("TIP_CROSS_CONTAMINATION", "tip", 2)]
    # and the carry-over is recorded as a mixing event in the source, for the safety pass
    assert any(m.vessel == "res:A2" and "a" in m.new for m in r.twin.mixes)


def test_consolidate_pools_on_purpose() -> None:
    liquids = [
        {"id": f"s{i}", "name": "DNA sample", "initial_volumes": {f"plate:A{i}": "50 uL"}} for i in (1, 2, 3)
    ]
    r = run(
        [TIPS300, PLATE],
        [P300],
        [
            {
                "op": "consolidate",
                "pipette": "p",
                "volume": "20 uL",
                "source": ["plate:A1", "plate:A2", "plate:A3"],
                "dest": "plate:H12",
            },
        ],
        liquids,
    )
    assert codes(r, "error") == []
    assert set(r.twin.wells[("plate", "H12")].amounts) == {"s1", "s2", "s3"}


def test_picking_a_dropped_tip_again_is_an_error() -> None:
    r = run(
        [TIPS300, PLATE],
        [P300],
        [
            {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
            {"op": "drop_tip", "pipette": "p"},
            {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
            {"op": "drop_tip", "pipette": "p"},
        ],
    )
    assert [(f.code, f.step) for f in r.findings if f.severity.value == "error"] == [
        ("TIP_PICKED_AFTER_DROP", 2)
    ]


def test_distribute_draws_disposal_volume_and_blows_it_out() -> None:
    liquids = [{"id": "w", "name": "water", "initial_volumes": {"res:A1": "1000 uL"}}]
    r = run(
        [TIPS300, PLATE, RES12],
        [P300],
        [
            {
                "op": "distribute",
                "pipette": "p",
                "volume": "50 uL",
                "source": "res:A1",
                "dest": [f"plate:A{i}" for i in range(1, 13)],
            },
        ],
        liquids,
    )
    assert codes(r, "error") == []
    # 12 x 50 uL in groups of 5 (5 x 50 + 20 disposal <= 300): 3 aspirations, each with 20 uL disposal
    assert r.twin.wells[("res", "A1")].low == pytest.approx(1000 - 600 - 3 * 20)


def test_eight_channel_returning_to_its_own_column_is_not_contamination() -> None:
    """250 uL with 200 uL tips is two trips to the same column: each tip goes back to its own well."""
    rack200 = {"id": "tips", "load_name": "opentrons_96_filtertiprack_200ul", "slot": "1"}
    src = {"id": "src", "load_name": "nest_96_wellplate_2ml_deep", "slot": "5"}
    liquids = [
        {"id": f"s{row}", "name": "DNA sample", "initial_volumes": {f"src:{row}1": "500 uL"}}
        for row in "ABCDEFGH"
    ]
    r = run(
        [rack200, src, PLATE],
        [M300],
        [
            {"op": "transfer", "pipette": "m", "volume": "250 uL", "source": "src:A1", "dest": "plate:A1"},
        ],
        liquids,
    )
    assert codes(r, "error") == []
    # each destination well got its own sample only
    assert all(set(r.twin.wells[("plate", f"{row}1")].amounts) == {f"s{row}"} for row in "ABCDEFGH")
