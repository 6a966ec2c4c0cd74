"""Labware moves on the deck twin: small labwright YAML protocols on real Opentrons definitions.

Each rule of ``simulators/deck/moves.py`` is shown failing where the Opentrons 9.0.0 engine (or
an operator) could not do the move, and passing where it can: occupancy changes over time, the
gripper, stacking, the Thermocycler lid and the Heater-Shaker latch, labware off the deck and
in the waste chute, and the wells that travel with their labware.
"""

from __future__ import annotations

from typing import Any

import yaml
from labwright.protocols import parse_protocol
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import resolve
from labwright.verifiers.verifier import VerifyOptions, verify, verify_document

HEAD = """
labwright: labwright/1
metadata: {name: moves, robot: %s}
"""

FLEX_DECK = """
labware:
  - {id: plate, load_name: nest_96_wellplate_100ul_pcr_full_skirt, slot: D2}
  - {id: plate2, load_name: nest_96_wellplate_100ul_pcr_full_skirt, slot: C2}
  - {id: tips, load_name: opentrons_flex_96_tiprack_200ul, slot: B2}
  - {id: res, load_name: nest_12_reservoir_15ml, slot: D3}
modules:
  - {id: mag, type: magnetic_block, slot: C1}
  - {id: hs, type: heater_shaker, slot: D1}
  - {id: tc, type: thermocycler}
pipettes:
  - {id: p, model: flex_1channel_1000, mount: left, tip_racks: [tips]}
liquids:
  - {id: water, name: water, initial_volumes: {"res:A1": "5 mL"}}
"""


def flex(steps: str, deck: str = FLEX_DECK) -> Any:
    doc = yaml.safe_load(HEAD % "flex" + deck + "steps:\n" + steps)
    return verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))


def errors(report: Any) -> list[str]:
    return [f.code for f in report.findings if f.severity.value == "error"]


def messages(report: Any, code: str) -> list[str]:
    return [f.message for f in report.findings if f.code == code]


# ------------------------------------------------------------------------------ occupancy


def test_a_slot_is_free_once_its_labware_has_left() -> None:
    blocked = flex("  - {op: move_labware, labware: plate2, slot: D2, use_gripper: true}\n")
    assert errors(blocked) == ["DECK_SLOT_OCCUPIED"]
    assert "holds 'plate'" in messages(blocked, "DECK_SLOT_OCCUPIED")[0]
    freed = flex(
        "  - {op: move_labware, labware: plate, module: mag, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate2, slot: D2, use_gripper: true}\n"
    )
    assert errors(freed) == []


def test_a_module_holds_one_labware_and_a_module_slot_none() -> None:
    onto_module = flex(
        "  - {op: move_labware, labware: plate, module: mag, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate2, module: mag, use_gripper: true}\n"
    )
    assert errors(onto_module) == ["DECK_SLOT_OCCUPIED"]
    onto_module_slot = flex("  - {op: move_labware, labware: plate, slot: C1, use_gripper: true}\n")
    assert errors(onto_module_slot) == ["DECK_SLOT_OCCUPIED"]
    assert "module 'mag'" in messages(onto_module_slot, "DECK_SLOT_OCCUPIED")[0]
    into_itself = flex("  - {op: move_labware, labware: plate, slot: D2, use_gripper: true}\n")
    assert "where it already is" in messages(into_itself, "DECK_SLOT_OCCUPIED")[0]


def test_staging_slots_take_labware_and_the_waste_chute_takes_d3() -> None:
    staged = flex(
        "  - {op: move_labware, labware: plate, slot: A4, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate, slot: D2, use_gripper: true}\n"
    )
    assert errors(staged) == []
    # the reservoir stands in D3, where the waste chute would go
    chute = flex("  - {op: move_labware, labware: plate, waste_chute: true, use_gripper: true}\n")
    assert "DECK_SLOT_OCCUPIED" in errors(chute)
    assert any("waste chute" in m for m in messages(chute, "DECK_SLOT_OCCUPIED"))


# -------------------------------------------------------------------------------- gripper


def test_the_ot2_has_no_gripper_but_a_manual_move_is_fine() -> None:
    deck = """
labware:
  - {id: plate, load_name: corning_96_wellplate_360ul_flat, slot: "2"}
"""
    grip = yaml.safe_load(
        HEAD % "ot2" + deck + 'steps:\n  - {op: move_labware, labware: plate, slot: "5", use_gripper: true}\n'
    )
    report = verify(parse_protocol(grip), VerifyOptions(certify=False, safety=False))
    assert errors(report) == ["MOVE_GRIPPER_UNAVAILABLE"]
    by_hand = yaml.safe_load(
        HEAD % "ot2" + deck + 'steps:\n  - {op: move_labware, labware: plate, slot: "5"}\n'
    )
    assert errors(verify(parse_protocol(by_hand), VerifyOptions(certify=False, safety=False))) == []


def test_the_gripper_refuses_gripper_incompatible_labware_adapters_and_off_deck() -> None:
    deck = FLEX_DECK.replace(
        "labware:\n",
        "labware:\n"
        "  - {id: block, load_name: opentrons_24_aluminumblock_nest_0.5ml_screwcap, slot: A2}\n"
        "  - {id: adapter, load_name: opentrons_96_pcr_adapter, slot: B3}\n"
        "  - {id: spare, load_name: nest_96_wellplate_100ul_pcr_full_skirt, off_deck: true}\n",
    )
    report = flex(
        "  - {op: move_labware, labware: block, slot: A4, use_gripper: true}\n"
        "  - {op: move_labware, labware: adapter, slot: B4, use_gripper: true}\n"
        "  - {op: move_labware, labware: spare, slot: C4, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate, off_deck: true, use_gripper: true}\n",
        deck,
    )
    assert errors(report) == [
        "MOVE_GRIPPER_INCOMPATIBLE",
        "MOVE_GRIPPER_INCOMPATIBLE",
        "MOVE_GRIPPER_OFF_DECK",
        "MOVE_GRIPPER_OFF_DECK",
    ]
    assert "gripperIncompatible" in messages(report, "MOVE_GRIPPER_INCOMPATIBLE")[0]
    assert "adapter" in messages(report, "MOVE_GRIPPER_INCOMPATIBLE")[1]


# ------------------------------------------------------------------------------- stacking


def test_stacking_follows_the_definitions() -> None:
    deck = FLEX_DECK.replace(
        "labware:\n", "labware:\n  - {id: adapter, load_name: opentrons_96_pcr_adapter, module: hs}\n"
    )
    ok = flex(
        "  - {op: open_latch, module: hs}\n"
        "  - {op: move_labware, labware: plate, on_labware: adapter, use_gripper: true}\n",
        deck,
    )
    assert errors(ok) == []
    onto_reservoir = flex("  - {op: move_labware, labware: plate, on_labware: res, use_gripper: true}\n")
    assert errors(onto_reservoir) == ["MOVE_STACKING_INCOMPATIBLE"]
    assert "nest_12_reservoir_15ml" in messages(onto_reservoir, "MOVE_STACKING_INCOMPATIBLE")[0]
    # a PCR plate may sit on another (its definition lists itself), but then the lower one
    # carries it: moving the lower one would topple the stack
    stacked = flex(
        "  - {op: move_labware, labware: plate2, on_labware: plate, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate, module: mag, use_gripper: true}\n"
    )
    assert errors(stacked) == ["MOVE_LABWARE_STACKED"]
    onto_itself = flex(
        "  - {op: move_labware, labware: plate2, on_labware: plate, use_gripper: true}\n"
        "  - {op: move_labware, labware: plate, on_labware: plate2, use_gripper: true}\n"
    )
    assert "MOVE_ONTO_ITSELF" in errors(onto_itself)


def test_labware_loaded_on_an_adapter_and_an_incompatible_stack_at_load() -> None:
    deck = FLEX_DECK.replace(
        "labware:\n",
        "labware:\n"
        "  - {id: adapter, load_name: opentrons_96_pcr_adapter, module: hs}\n"
        "  - {id: sample, load_name: nest_96_wellplate_100ul_pcr_full_skirt, on_labware: adapter}\n",
    )
    resolved = resolve(parse_protocol(yaml.safe_load(HEAD % "flex" + deck + "steps: []\n")))
    sample = resolved.deck.labware["sample"]
    assert (sample.parent, sample.module, sample.slot) == ("adapter", "hs", "D1")
    bad = deck.replace("on_labware: adapter}", "on_labware: res}")
    report = flex("  []\n", bad)
    assert errors(report) == ["DECK_LABWARE_STACKING_INCOMPATIBLE"]


# ---------------------------------------------------------------------------- module state


def test_the_thermocycler_must_be_open_at_both_ends_of_a_move() -> None:
    not_opened = flex("  - {op: move_labware, labware: plate, module: tc, use_gripper: true}\n")
    assert errors(not_opened) == ["MOVE_THERMOCYCLER_LID_CLOSED"]
    assert "not opened" in messages(not_opened, "MOVE_THERMOCYCLER_LID_CLOSED")[0]
    opened = flex(
        "  - {op: open_lid, module: tc}\n"
        "  - {op: move_labware, labware: plate, module: tc, use_gripper: true}\n"
        "  - {op: close_lid, module: tc}\n"
        "  - {op: move_labware, labware: plate, slot: D2, use_gripper: true}\n"
    )
    assert errors(opened) == ["MOVE_THERMOCYCLER_LID_CLOSED"]
    assert (
        "moved from thermocycler 'tc', whose lid is closed"
        in messages(opened, "MOVE_THERMOCYCLER_LID_CLOSED")[0]
    )


def test_the_heater_shaker_latch_must_be_open_and_shaking_closes_it() -> None:
    not_opened = flex("  - {op: move_labware, labware: plate, module: hs, use_gripper: true}\n")
    assert errors(not_opened) == ["MOVE_HEATER_SHAKER_LATCH_CLOSED"]
    report = flex(
        "  - {op: open_latch, module: hs}\n"
        "  - {op: move_labware, labware: plate, module: hs, use_gripper: true}\n"
        "  - {op: shake, module: hs, rpm: 1000, seconds: 30}\n"
        "  - {op: move_labware, labware: plate, slot: D2, use_gripper: true}\n"
    )
    assert errors(report) == ["MOVE_HEATER_SHAKER_LATCH_CLOSED"]
    assert report.findings[0].step == 3 and "closed" in report.findings[0].message


def test_a_plate_moved_into_a_closed_thermocycler_cannot_be_pipetted() -> None:
    report = flex(
        "  - {op: open_lid, module: tc}\n"
        "  - {op: move_labware, labware: plate, module: tc, use_gripper: true}\n"
        "  - {op: close_lid, module: tc}\n"
        "  - {op: transfer, pipette: p, volume: 20 uL, source: res:A1, dest: plate:A1}\n"
    )
    assert errors(report) == ["LOCATION_LID_CLOSED"]


# ------------------------------------------------------------------------- off the deck


def test_pipetting_into_labware_off_the_deck_or_thrown_away_is_an_error() -> None:
    deck = FLEX_DECK.replace("slot: D3}", "slot: A2}").replace(
        "labware:\n",
        "labware:\n  - {id: later, load_name: nest_96_wellplate_100ul_pcr_full_skirt, off_deck: true}\n",
    )
    report = flex(
        "  - {op: transfer, pipette: p, volume: 20 uL, source: res:A1, dest: later:A1}\n"
        "  - {op: move_labware, labware: later, slot: A3}\n"
        "  - {op: transfer, pipette: p, volume: 20 uL, source: res:A1, dest: later:A1}\n"
        "  - {op: move_labware, labware: later, waste_chute: true, use_gripper: true}\n"
        "  - {op: transfer, pipette: p, volume: 20 uL, source: res:A1, dest: later:A2}\n"
        "  - {op: move_labware, labware: later, slot: A3, use_gripper: true}\n",
        deck,
    )
    found = [(f.code, f.step) for f in report.findings if f.severity.value == "error"]
    assert found == [("LOCATION_OFF_DECK", 0), ("LOCATION_OFF_DECK", 4), ("MOVE_LABWARE_DISPOSED", 5)]
    assert "off the deck" in messages(report, "LOCATION_OFF_DECK")[0]
    assert "in the waste chute" in messages(report, "LOCATION_OFF_DECK")[1]


def test_the_waste_chute_is_the_flex_s() -> None:
    doc = yaml.safe_load(
        HEAD % "ot2"
        + 'labware:\n  - {id: plate, load_name: corning_96_wellplate_360ul_flat, slot: "2"}\n'
        + "steps:\n  - {op: move_labware, labware: plate, waste_chute: true}\n"
    )
    report = verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))
    assert errors(report) == ["MOVE_WASTE_CHUTE_UNAVAILABLE"]


def test_a_move_names_exactly_one_destination() -> None:
    doc = yaml.safe_load(
        HEAD % "flex" + FLEX_DECK + "steps:\n  - {op: move_labware, labware: plate, slot: A2, module: mag}\n"
    )
    report = verify_document(doc, VerifyOptions(certify=False, safety=False))
    assert errors(report) == ["MOVE_DESTINATION_COUNT"]
    doc["steps"] = [{"op": "move_labware", "labware": "plate"}]
    assert errors(verify_document(doc, VerifyOptions(certify=False, safety=False))) == [
        "MOVE_DESTINATION_COUNT"
    ]


# ------------------------------------------------------------------------------- contents


def test_wells_keep_their_contents_and_heat_on_a_hot_module() -> None:
    doc = yaml.safe_load(
        HEAD % "flex" + FLEX_DECK + "steps:\n"
        "  - {op: transfer, pipette: p, volume: 80 uL, source: res:A1, dest: plate:A1}\n"
        "  - {op: set_temperature, module: hs, celsius: 60}\n"
        "  - {op: open_latch, module: hs}\n"
        "  - {op: move_labware, labware: plate, module: hs, use_gripper: true}\n"
        "  - {op: transfer, pipette: p, volume: 90 uL, source: plate:A1, dest: plate2:A1}\n"
    )
    result = replay(resolve(parse_protocol(doc)))
    twin = result.twin
    well = twin.wells[("plate", "A1")]
    # the 90 uL aspiration found only the 80 uL the plate carried with it (the run made that
    # well: asking for more than it holds takes all of it, a warning; simulators/deck/practice)
    assert not [f for f in twin.issues if f.severity.value == "error"]
    [drain] = [f for f in twin.issues if f.code == "VOLUME_ASPIRATE_DRAINS_WELL"]
    assert "holds at most 80 uL" in drain.message
    assert well.amounts.get("water", 0.0) < 1e-6 and twin.wells[("plate2", "A1")].high > 0
    heated = [h for h in twin.heats if h.vessel == "plate:A1"]
    assert heated and heated[0].step == 3 and heated[0].celsius == 60.0
    assert twin.places.module_of("plate").id == "hs"


def test_a_staging_slot_takes_its_cutout_from_modules_and_the_trash() -> None:
    deck = FLEX_DECK.replace("slot: D3}", "slot: A2}")
    doc = yaml.safe_load(
        HEAD % "flex"
        + deck.replace("modules:\n", "modules:\n  - {id: temp, type: temperature, slot: B3}\n")
        + "steps:\n  - {op: move_labware, labware: plate, slot: B4, use_gripper: true}\n"
    )
    resolved = resolve(parse_protocol(doc))
    assert [f.code for f in resolved.findings] == ["DECK_MODULE_SLOT_INVALID"]
    assert "staging slot B4" in resolved.findings[0].message


# ----------------------------------------------------------------------------------- lids

LID_DECK = """
labware:
  - {id: plate, load_name: corning_96_wellplate_360ul_flat, slot: D2}
  - {id: lid, load_name: corning_96_wellplate_360ul_lid, on_labware: plate}
  - {id: pcr, load_name: nest_96_wellplate_100ul_pcr_full_skirt, slot: C3}
  - {id: tips, load_name: opentrons_flex_96_tiprack_200ul, slot: B2}
modules:
  - {id: mag, type: magnetic_block, slot: C1}
pipettes:
  - {id: p, model: flex_1channel_1000, mount: left, tip_racks: [tips]}
"""


def test_a_lid_travels_with_its_plate_and_covers_it() -> None:
    report = flex(
        "  - {op: move_labware, labware: plate, module: mag, use_gripper: true}\n"
        "  - {op: transfer, pipette: p, volume: 50 uL, source: plate:A1, dest: plate:A2}\n"
        "  - {op: move_labware, labware: lid, slot: C2, use_gripper: true}\n"
        "  - {op: transfer, pipette: p, volume: 50 uL, source: plate:A1, dest: plate:A2}\n"
        "  - {op: move_labware, labware: lid, on_labware: pcr, use_gripper: true}\n",
        LID_DECK,
    )
    found = [(f.code, f.step) for f in report.findings if f.severity.value == "error"]
    # the lid rides along (no MOVE_LABWARE_STACKED); pipetting under it is refused; the lid
    # lists the plates it fits: not the PCR plate
    assert found == [("LOCATION_COVERED", 1), ("MOVE_STACKING_INCOMPATIBLE", 4)]
    assert "covered by 'lid'" in messages(report, "LOCATION_COVERED")[0]
    assert (
        "cannot sit on nest_96_wellplate_100ul_pcr_full_skirt"
        in messages(report, "MOVE_STACKING_INCOMPATIBLE")[0]
    )
