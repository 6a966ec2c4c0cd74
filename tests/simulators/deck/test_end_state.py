"""The deck twin's end state (simulators/deck/end_state.py) and deck map (deck_svg.py), on real
Opentrons definitions: what each well holds after the last step, worked out by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from labwright.protocols import load_protocol, parse_protocol
from labwright.simulators.deck.deck_svg import EMPTY_FILL, UNKNOWN_FILL, UNTOUCHED_FILL, deck_svg, well_fill
from labwright.simulators.deck.definitions import load_labware
from labwright.simulators.deck.end_state import end_state
from labwright.simulators.deck.resolve import resolve

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "protocols"
SVG = "{http://www.w3.org/2000/svg}"


def _state(doc: dict):
    return end_state(resolve(parse_protocol(doc)))


def _doc(steps: list[dict], liquids: list[dict] | None = None, **extra: list) -> dict:
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "t", "robot": "ot2"},
        "labware": [
            {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
            {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "2"},
            {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"},
            *extra.get("labware", []),
        ],
        "modules": extra.get("modules", []),
        "pipettes": [
            {"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]},
            *extra.get("pipettes", []),
        ],
        "liquids": liquids or [],
        "steps": steps,
    }


def test_serial_dilution_example_halves_the_dye_in_each_well() -> None:
    state = end_state(resolve(load_protocol(EXAMPLES / "serial_dilution.yaml")))
    plate = state.labware["plate"]
    assert (plate.load_name, plate.slot) == ("corning_96_wellplate_360ul_flat", "3")
    # A1 keeps 100 of its 200 uL of dye; each next well gets 100 uL of the one before in 100 uL water
    assert plate.wells["A1"].composition_ul == {"dye": 100.0}
    dye = 100.0
    for col in range(2, 11):
        dye /= 2
        well = plate.wells[f"A{col}"]
        assert well.volume_ul == (100.0, 100.0)
        assert well.composition_ul["dye"] == pytest.approx(dye, rel=1e-5)
        assert well.composition_ul["diluent"] == pytest.approx(100 - dye, rel=1e-5)
    assert plate.wells["A11"].volume_ul == (200.0, 200.0)  # the example leaves the last well at 200 uL
    assert "B1" not in plate.wells  # never touched, never filled
    assert state.liquids["dye"].name == "tartrazine"
    assert state.steps == 3 and state.duration_s == 0
    assert state.tips_used == len(state.labware["tips"].tips_used) == 2
    assert not [f for f in state.findings if f.severity.value == "error"]


def test_untouched_wells_are_left_out_and_filled_ones_kept() -> None:
    liquids = [{"id": "water", "name": "water", "initial_volumes_ul": {"res:A1": 5000, "res:A2": 1000}}]
    steps = [{"op": "transfer", "pipette": "p", "volume_ul": 50, "source": "res:A1", "dest": ["plate:C3"]}]
    state = _state(_doc(steps, liquids))
    assert set(state.labware["plate"].wells) == {"C3"}
    assert state.well("plate:C3").composition_ul == {"water": 50.0}
    assert state.well("res:A1").volume_ul == (4950.0, 4950.0)
    assert state.well("res:A2").volume_ul == (1000.0, 1000.0)  # filled, never touched: listed
    assert state.well("res:A3") is None
    assert state.labware["tips"].tips_used == ["A1"]


def test_hand_filled_wells_keep_their_interval_and_unknown_contents() -> None:
    steps = [{"op": "transfer", "pipette": "p", "volume_ul": 40, "source": "res:A1", "dest": ["plate:A1"]}]
    state = _state(_doc(steps))  # no liquid declared: every well may have been filled by hand
    a1 = state.well("plate:A1")
    cap = load_labware("corning_96_wellplate_360ul_flat").wells["A1"].capacity_ul
    assert a1.volume_ul[0] == 40.0
    assert a1.volume_ul[1] == pytest.approx(cap, abs=1e-3)  # at most full (the twin caps at capacity)
    assert "?res:A1" in a1.composition_ul and "?plate:A1" in a1.composition_ul
    assert set(state.labware["plate"].wells) == {"A1"}  # the other 95 hand-filled wells were not touched
    assert well_fill(a1, {}) == UNKNOWN_FILL


def test_timed_steps_add_up_to_the_duration() -> None:
    modules = [{"id": "hs", "type": "heater_shaker", "slot": "4"}]
    labware = [
        {
            "id": "hsplate",
            "load_name": "nest_96_wellplate_200ul_flat",
            "module": "hs",
            "adapter": "opentrons_96_flat_bottom_adapter",
        }
    ]
    steps = [{"op": "delay", "seconds": 30}, {"op": "shake", "module": "hs", "rpm": 500, "seconds": 60}]
    state = _state(_doc(steps, modules=modules, labware=labware))
    assert state.duration_s == 90
    assert state.labware["hsplate"].module == "hs" and state.labware["hsplate"].slot == "4"


def test_an_eight_channel_pipette_fills_the_whole_column() -> None:
    liquids = [{"id": "buffer", "name": "PBS", "initial_volumes_ul": {"res:A1": 10000}}]
    pip = [{"id": "m", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["tips"]}]
    steps = [{"op": "transfer", "pipette": "m", "volume_ul": 30, "source": "res:A1", "dest": ["plate:A4"]}]
    state = _state(_doc(steps, liquids, pipettes=pip))
    assert set(state.labware["plate"].wells) == {f"{r}4" for r in "ABCDEFGH"}
    assert all(w.composition_ul == {"buffer": 30.0} for w in state.labware["plate"].wells.values())
    assert state.well("res:A1").volume_ul == (10000 - 8 * 30, 10000 - 8 * 30)
    assert len(state.labware["tips"].tips_used) == 8


def test_a_faulty_protocol_still_has_an_end_state_and_says_what_went_wrong() -> None:
    liquids = [{"id": "water", "name": "water", "initial_volumes_ul": {"res:A1": 5000}}]
    steps = [{"op": "transfer", "pipette": "p", "volume_ul": 500, "source": "res:A1", "dest": ["plate:A1"]}]
    state = _state(_doc(steps, liquids))
    assert "VOLUME_WELL_OVERFLOW" in {f.code for f in state.findings}
    assert state.well("plate:A1").volume_ul[0] == 500.0


def test_traces_of_a_long_dilution_series_are_kept() -> None:
    """The 12th well of a 10-fold series holds 1e-9 of the stock: not rounded away."""
    liquids = [
        {"id": "dye", "name": "tartrazine", "initial_volumes_ul": {"plate:A1": 200}},
        {"id": "water", "name": "water", "initial_volumes_ul": {"res:A1": 12000}},
    ]
    dests = [f"plate:A{c}" for c in range(2, 13)]
    steps = [
        {"op": "transfer", "pipette": "p", "volume_ul": 180, "source": "res:A1", "dest": dests},
        {
            "op": "transfer",
            "pipette": "p",
            "volume_ul": 20,
            "source": [f"plate:A{c}" for c in range(1, 12)],
            "dest": dests,
            "new_tip": "always",
            "mix_after": {"repetitions": 2, "volume_ul": 100},
        },
    ]
    state = _state(_doc(steps, liquids, labware=[]))
    assert state.well("plate:A12").composition_ul["dye"] == pytest.approx(20 * 0.1**10, rel=1e-4)


# ---------------------------------------------------------------------------------- deck map


def test_the_deck_map_is_svg_with_one_coloured_shape_per_well() -> None:
    resolved = resolve(load_protocol(EXAMPLES / "serial_dilution.yaml"))
    state = end_state(resolved)
    root = ET.fromstring(deck_svg(resolved.deck, state))  # well-formed XML or it raises
    assert root.tag == f"{SVG}svg"
    shapes = [el for el in root.iter() if el.get("data-well")]
    for lw in resolved.deck.labware.values():
        mine = [el for el in shapes if el.get("data-well").split(":")[0] == lw.id]
        assert len(mine) == len(lw.info.wells), lw.id
        assert all(el.tag in (f"{SVG}circle", f"{SVG}rect") for el in mine)
        assert all(el.get("fill", "").startswith("#") for el in mine)
    fill = {el.get("data-well"): el.get("fill") for el in shapes}
    assert fill["plate:A1"] == "#F5C400"  # only tartrazine, its declared colour
    assert fill["plate:A12"] == "#3A7BD5"  # only water
    assert fill["plate:B1"] == UNTOUCHED_FILL
    mixed = fill["plate:A2"]  # half and half: between the two colours
    assert mixed not in ("#F5C400", "#3A7BD5", UNTOUCHED_FILL, EMPTY_FILL)
    assert fill["tips:A1"] != fill["tips:C1"]  # a used tip and a fresh one
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert any(t.startswith("A2: 100 uL") and "tartrazine 50 uL" in t for t in titles)


def test_the_flex_deck_map_places_labware_in_its_slots() -> None:
    resolved = resolve(load_protocol(EXAMPLES / "flex_bradford_standards.yaml"))
    root = ET.fromstring(deck_svg(resolved.deck, end_state(resolved)))
    slots = {el.get("data-slot") for el in root.iter() if el.get("data-slot")}
    assert {"A1", "D3", "A4"} <= slots
    placed = {el.get("data-labware") for el in root.iter() if el.get("data-labware")}
    assert placed == {lw.id for lw in resolved.deck.labware.values() if lw.slot is not None}
