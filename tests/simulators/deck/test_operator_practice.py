"""Operator practice in the deck twin (issue 14, item 3): what real protocols rely on and do not
say is a warning; what would really go wrong given what the protocol says stays an error.

Small labwright protocols on real Opentrons definitions, each practice against its fault twin:
a pause (refill, empty the waste, replace tip racks; declared or not), draining a well (a
supernatant, a mix larger than the well), a source nobody filled, a tip reused per sample or
between liquids of one name, a dispense of more than the tip holds.
"""

from __future__ import annotations

from typing import Any

import pytest
from labwright.protocols import parse_protocol
from labwright.verifiers.verifier import Report, VerifyOptions, verify

TIPS = {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"}
TIPS1000 = {"id": "tips1000", "load_name": "opentrons_96_tiprack_1000ul", "slot": "6"}
PLATE = {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "2"}
RES = {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"}
TUBES = {"id": "tubes", "load_name": "opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap", "slot": "4"}
DEEP = {"id": "deep", "load_name": "nest_96_wellplate_2ml_deep", "slot": "5"}
P300 = {"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}
M300 = {"id": "m", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["tips"]}
P1000 = {"id": "p1000", "model": "p1000_single_gen2", "mount": "left", "tip_racks": ["tips1000"]}


def run(
    steps: list[dict[str, Any]],
    liquids: list[dict[str, Any]] | None = None,
    labware: list[dict[str, Any]] | None = None,
    pipettes: list[dict[str, Any]] | None = None,
) -> Report:
    doc = {
        "labwright": "labwright/1",
        "metadata": {"name": "practice", "robot": "ot2"},
        "labware": labware or [TIPS, PLATE, RES],
        "pipettes": pipettes or [P300],
        "liquids": liquids or [],
        "steps": steps,
    }
    return verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))


def found(report: Report, severity: str) -> list[tuple[str, int | None]]:
    return [(f.code, f.step) for f in report.findings if f.severity.value == severity]


def codes(report: Report, severity: str) -> set[str]:
    return {code for code, _ in found(report, severity)}


def move(volume: str, source: str, dest: str, **extra: Any) -> dict[str, Any]:
    return {"op": "transfer", "pipette": "p", "volume": volume, "source": source, "dest": dest, **extra}


# --------------------------------------------------------------------------- pause: refill

WATER_500 = [{"id": "water", "name": "water", "initial_volumes": {"res:A1": "500 uL"}}]


def test_source_short_with_no_pause_is_an_error() -> None:
    r = run([move("300 uL", "res:A1", "plate:A1"), move("300 uL", "res:A1", "plate:A2")], WATER_500)
    assert found(r, "error") == [("VOLUME_ASPIRATE_EXCEEDS_WELL", 1)]
    assert "plate:A2 receives less" in r.findings[0].message
    assert r.twin.wells[("plate", "A2")].low == pytest.approx(200)  # what was left, then air


def test_source_short_after_a_pause_relies_on_a_refill_warning() -> None:
    steps = [
        move("300 uL", "res:A1", "plate:A1"),
        {"op": "pause", "message": "top up the water"},
        move("300 uL", "res:A1", "plate:A2"),
    ]
    r = run(steps, WATER_500)
    assert found(r, "error") == []
    [warn] = [f for f in r.findings if f.code == "VOLUME_REFILL_ASSUMED"]
    assert warn.step == 2 and "pause at step 1 ('top up the water')" in warn.message
    assert r.twin.wells[("plate", "A2")].low == pytest.approx(300)


def test_declared_refill_is_replayed_and_needs_no_warning() -> None:
    steps = [
        move("300 uL", "res:A1", "plate:A1"),
        {"op": "pause", "message": "refill", "refill": {"res:A1": "5 mL"}},
        move("300 uL", "res:A1", "plate:A2"),
    ]
    r = run(steps, WATER_500)
    assert found(r, "error") == [] and found(r, "warning") == []
    assert r.twin.wells[("res", "A1")].low == pytest.approx(4700)
    assert r.twin.wells[("plate", "A2")].amounts["water"] == pytest.approx(300)


def test_no_refill_covers_more_than_the_well_holds_after_the_pause() -> None:
    """A distribute that draws 6 mL from a 1.5 mL tube stays an error, pause or not."""
    steps = [
        {"op": "pause", "message": "load the tube"},
        {
            "op": "transfer",
            "pipette": "p1000",
            "volume": "1000 uL",
            "source": "tubes:A1",
            "dest": [f"deep:A{i}" for i in range(1, 7)],
            "new_tip": "once",
        },
    ]
    liquids = [{"id": "enzyme", "name": "enzyme mix", "initial_volumes": {"tubes:A1": "1.4 mL"}}]
    r = run(steps, liquids, labware=[TIPS1000, TUBES, DEEP], pipettes=[P1000])
    assert ("VOLUME_ASPIRATE_EXCEEDS_WELL", 1) in found(r, "error")


# ---------------------------------------------------------------------------- pause: empty


def _waste_steps(pause_at: int | None, empty: bool = False) -> list[dict[str, Any]]:
    """Supernatant (200 uL per well, 8-channel) of 12 columns into one 15 mL reservoir well."""
    steps: list[dict[str, Any]] = []
    for col in range(1, 13):
        if col == pause_at:
            steps.append(
                {"op": "pause", "message": "empty the waste", **({"empty": ["res:A12"]} if empty else {})}
            )
        steps.append(
            {
                "op": "transfer",
                "pipette": "m",
                "volume": "200 uL",
                "source": f"plate:A{col}",
                "dest": "res:A12",
            }
        )
    return steps


SAMPLES = [{"id": "s", "name": "lysate", "initial_volumes": {"plate:*": "200 uL"}}]


def test_waste_filled_past_its_volume_with_no_pause_is_an_error() -> None:
    r = run(_waste_steps(None), SAMPLES, pipettes=[M300])
    assert codes(r, "error") == {"VOLUME_WELL_OVERFLOW"}


def test_waste_overflowing_after_a_pause_relies_on_emptying_it_warning() -> None:
    r = run(_waste_steps(7), SAMPLES, pipettes=[M300])
    assert found(r, "error") == []
    [warn] = [f for f in r.findings if f.code == "VOLUME_EMPTY_ASSUMED"]
    assert "empty the waste" in warn.message and warn.data["well"] == "res:A12"
    assert r.twin.wells[("res", "A12")].low == pytest.approx(6 * 1600)


def test_declared_emptying_needs_no_warning_and_more_than_a_full_well_since_stays_an_error() -> None:
    r = run(_waste_steps(7, empty=True), SAMPLES, pipettes=[M300])
    assert found(r, "error") == [] and "VOLUME_EMPTY_ASSUMED" not in codes(r, "warning")
    r = run(_waste_steps(2), SAMPLES, pipettes=[M300])  # 11 columns (17.6 mL) after the pause
    assert codes(r, "error") == {"VOLUME_WELL_OVERFLOW"}


# ------------------------------------------------------------------------ pause: tip racks


def _reuse_steps(pause: dict[str, Any] | None, pause_before_drop: bool = False) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"}]
    if pause is not None and pause_before_drop:
        steps.append(pause)
    steps.append({"op": "drop_tip", "pipette": "p"})
    if pause is not None and not pause_before_drop:
        steps.append(pause)
    steps += [
        {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
        {"op": "drop_tip", "pipette": "p"},
    ]
    return steps


def test_trashed_tip_picked_again_after_a_pause_relies_on_a_new_rack_warning() -> None:
    r = run(_reuse_steps({"op": "pause", "message": "RESET TIPS"}))
    assert found(r, "error") == [] and found(r, "warning") == [("TIP_RACK_REPLACED_ASSUMED", 3)]
    r = run(_reuse_steps({"op": "pause", "message": "new rack", "replace_tipracks": ["tips"]}))
    assert found(r, "error") == [] and found(r, "warning") == []


def test_tip_trashed_after_the_last_pause_picked_again_is_an_error() -> None:
    r = run(_reuse_steps({"op": "pause", "message": "RESET TIPS"}, pause_before_drop=True))
    assert found(r, "error") == [("TIP_PICKED_AFTER_DROP", 3)]


# --------------------------------------------------------------------------- draining a well


def _cleanup(*tail: dict[str, Any]) -> list[dict[str, Any]]:
    """Beads (50 uL) added to a 100 uL sample: 150 uL the run made in plate:A1."""
    return [move("50 uL", "res:A1", "plate:A1", new_tip="always"), *tail]


BEADS = [
    {"id": "sample", "name": "DNA sample", "initial_volumes": {"plate:A1": "100 uL"}},
    {"id": "beads", "name": "SPRI beads", "initial_volumes": {"res:A1": "5 mL"}},
]


def test_removing_a_supernatant_with_a_generous_volume_drains_the_well_warning() -> None:
    r = run(_cleanup(move("200 uL", "plate:A1", "res:A12", new_tip="always")), BEADS)
    assert found(r, "error") == []
    [warn] = [f for f in r.findings if f.code == "VOLUME_ASPIRATE_DRAINS_WELL"]
    assert "res:A12" in warn.message and "leaving nothing behind" in warn.message
    assert r.twin.wells[("res", "A12")].low == pytest.approx(150)  # the liquid, not 200
    assert r.twin.wells[("plate", "A1")].high == pytest.approx(0)


def test_residual_removal_into_the_trash_is_a_drain_warning() -> None:
    steps = _cleanup(
        move("150 uL", "plate:A1", "res:A12", new_tip="always"),
        {"op": "pick_up_tip", "pipette": "p"},
        {"op": "aspirate", "pipette": "p", "volume": "20 uL", "location": "plate:A1"},
        {"op": "drop_tip", "pipette": "p"},
    )
    r = run(steps, BEADS)
    assert found(r, "error") == [] and ("VOLUME_ASPIRATE_DRAINS_WELL", 3) in found(r, "warning")


def test_mixing_more_than_the_well_holds_draws_air_warning() -> None:
    steps = _cleanup(
        {"op": "pick_up_tip", "pipette": "p"},
        {"op": "mix", "pipette": "p", "location": "plate:A1", "repetitions": 3, "volume": "200 uL"},
        {"op": "drop_tip", "pipette": "p"},
    )
    r = run(steps, BEADS)
    assert found(r, "error") == [] and ("VOLUME_MIX_DRAWS_AIR", 2) in found(r, "warning")
    assert r.twin.wells[("plate", "A1")].low == pytest.approx(150)  # nothing made from air


def test_mixing_a_well_that_holds_nothing_is_an_error() -> None:
    steps = _cleanup(
        move("150 uL", "plate:A1", "res:A12", new_tip="always"),
        {"op": "pick_up_tip", "pipette": "p"},
        {"op": "mix", "pipette": "p", "location": "plate:A1", "repetitions": 3, "volume": "50 uL"},
        {"op": "drop_tip", "pipette": "p"},
    )
    r = run(steps, BEADS)
    assert ("VOLUME_ASPIRATE_EXCEEDS_WELL", 3) in found(r, "error")
    assert any("mixes air in an empty well" in f.message for f in r.findings)


# ---------------------------------------------------------------------- never-filled source


def test_undeclared_source_nobody_filled_is_assumed_filled_by_hand_warning() -> None:
    r = run([move("100 uL", "res:A2", "plate:A1")], WATER_500)
    assert found(r, "error") == [] and found(r, "warning") == [("VOLUME_UNDECLARED_SOURCE", 0)]


def test_drawing_from_a_well_before_the_protocol_fills_it_is_an_error() -> None:
    r = run([move("100 uL", "plate:B1", "plate:A1"), move("150 uL", "res:A1", "plate:B1")], WATER_500)
    assert found(r, "error") == [("VOLUME_ASPIRATE_EXCEEDS_WELL", 0)]
    assert "fills it only at step 1" in r.findings[0].message


# -------------------------------------------------------------------------------- tip reuse


def _per_sample_buffer(second_sample_shares_buffer: bool) -> list[dict[str, Any]]:
    """One tip per sample: it mixes its sample, then takes buffer for that same sample."""
    buffer_2 = "res:A2" if second_sample_shares_buffer else "res:A3"
    steps: list[dict[str, Any]] = []
    for sample, buffer in (("plate:A1", "res:A2"), ("plate:A2", buffer_2)):
        steps += [
            {"op": "pick_up_tip", "pipette": "p"},
            {"op": "mix", "pipette": "p", "location": sample, "repetitions": 2, "volume": "20 uL"},
            {"op": "aspirate", "pipette": "p", "volume": "50 uL", "location": buffer},
            {"op": "dispense", "pipette": "p", "volume": "50 uL", "location": sample},
            {"op": "drop_tip", "pipette": "p"},
        ]
    return steps


SAMPLES_AND_BUFFER = [
    {"id": "s1", "name": "sample 1", "initial_volumes": {"plate:A1": "50 uL"}},
    {"id": "s2", "name": "sample 2", "initial_volumes": {"plate:A2": "50 uL"}},
    {"id": "buf", "name": "elution buffer", "initial_volumes": {"res:A2": "1 mL", "res:A3": "1 mL"}},
]


def test_tip_reused_for_its_own_sample_only_is_contained_carry_over_warning() -> None:
    r = run(_per_sample_buffer(second_sample_shares_buffer=False), SAMPLES_AND_BUFFER)
    assert found(r, "error") == []
    assert ("TIP_CARRYOVER_CONTAINED", 2) in found(r, "warning")


def test_carry_over_reaching_another_sample_is_cross_contamination() -> None:
    r = run(_per_sample_buffer(second_sample_shares_buffer=True), SAMPLES_AND_BUFFER)
    errors = [f for f in r.findings if f.severity.value == "error"]
    assert [(f.code, f.step) for f in errors] == [("TIP_CROSS_CONTAMINATION", 2)]
    assert "plate:A2" in errors[0].message  # sample 1 reaches sample 2 through the buffer


def test_one_reagent_declared_in_two_wells_is_one_liquid() -> None:
    liquids = [
        {"id": "wr", "name": "Working Reagent", "initial_volumes": {"res:A1": "1 mL"}},
        {"id": "wr_2", "name": "working reagent", "initial_volumes": {"res:A2": "1 mL"}},
    ]
    steps = [move("100 uL", "res:A1", "plate:A1"), move("100 uL", "res:A2", "plate:A2")]
    steps = [{**s, "new_tip": "never"} for s in steps]
    r = run([{"op": "pick_up_tip", "pipette": "p"}, *steps, {"op": "drop_tip", "pipette": "p"}], liquids)
    assert found(r, "error") == [] and found(r, "warning") == []


def test_tip_reused_between_wells_whose_contents_are_not_declared_is_a_warning() -> None:
    steps = [
        {"op": "pick_up_tip", "pipette": "p"},
        {**move("50 uL", "res:A1", "plate:A1"), "new_tip": "never"},
        {**move("50 uL", "res:A2", "plate:A2"), "new_tip": "never"},
        {"op": "drop_tip", "pipette": "p"},
    ]
    r = run(steps)  # no liquids declared: every well was filled by hand
    assert found(r, "error") == [] and ("TIP_POSSIBLE_CONTAMINATION", 2) in found(r, "warning")


# ----------------------------------------------------------------------- short dispense


def test_dispensing_more_than_the_tip_holds() -> None:
    aspirate = {"op": "aspirate", "pipette": "p", "volume": "50 uL", "location": "res:A1"}
    back = {"op": "dispense", "pipette": "p", "volume": "80 uL", "location": "res:A1"}
    on = {"op": "dispense", "pipette": "p", "volume": "80 uL", "location": "plate:A1"}
    tip = [{"op": "pick_up_tip", "pipette": "p"}, aspirate]
    r = run([*tip, back, {"op": "drop_tip", "pipette": "p"}], WATER_500)
    assert found(r, "error") == [] and found(r, "warning") == [("VOLUME_DISPENSE_PUSHES_AIR", 2)]
    r = run([*tip, on, {"op": "drop_tip", "pipette": "p"}], WATER_500)
    assert found(r, "error") == [("VOLUME_DISPENSE_EXCEEDS_TIP", 2)]


# ----------------------------------------------------------------- pause declarations resolve


@pytest.mark.parametrize(
    ("pause", "code", "pointer"),
    [
        ({"replace_tipracks": ["tipz"]}, "UNKNOWN_LABWARE", "/steps/0/replace_tipracks/0"),
        ({"replace_tipracks": ["plate"]}, "TIPRACK_NOT_A_TIPRACK", "/steps/0/replace_tipracks/0"),
        ({"empty": ["res:A13"]}, "UNKNOWN_WELL", "/steps/0/empty/0"),
        ({"refill": {"tips:A1": "1 mL"}}, "LOCATION_TIPRACK_AS_WELL", "/steps/0/refill_ul/tips:A1"),
    ],
)
def test_pause_declarations_name_what_exists(pause: dict[str, Any], code: str, pointer: str) -> None:
    r = run([{"op": "pause", **pause}])
    errors = [f for f in r.findings if f.severity.value == "error"]
    assert [(f.code, f.step, f.pointer) for f in errors] == [(code, 0, pointer)]


def test_refill_volumes_carry_units() -> None:
    with pytest.raises(Exception, match="unit"):
        parse_protocol(
            {
                "labwright": "labwright/1",
                "metadata": {"name": "x", "robot": "ot2"},
                "steps": [{"op": "pause", "refill": {"res:A1": 15}}],
            }
        )
