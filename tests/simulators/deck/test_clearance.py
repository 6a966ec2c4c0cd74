"""Bare nozzles of a partly loaded multi-channel over the labware it works in
(``simulators/deck/clearance.py``), on real Opentrons labware and pipette definitions.

The case is Opentrons' own ``*_SINGLE_TubeRackCollision`` snapshot protocols: one tip on an
8-channel (or a 96-channel) sent to the bottom of a tube in a 124 mm tall tube rack. The 9.0.0
analysis accepts them (its partial-tip check looks at the surrounding slots only); the bare
nozzles come down ~70 mm below the rack's top.
"""

from __future__ import annotations

from typing import Any

from labwright.protocols import parse_protocol
from labwright.protocols.models import NozzleLayout
from labwright.simulators.deck.clearance import bare_nozzle_clash, tip_reach_mm
from labwright.simulators.deck.definitions import load_labware, load_pipette
from labwright.simulators.deck.nozzles import Nozzles, configure, full_layout
from labwright.verifiers.verifier import VerifyOptions, verify

RACK = load_labware("opentrons_10_tuberack_falcon_4x50ml_6x15ml_conical")
PCR = load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
M50 = load_pipette("flex_8channel_50")
TIPS50 = load_labware("opentrons_flex_96_tiprack_50ul")


def _single(start: str) -> Nozzles:
    layout = configure(M50, NozzleLayout.SINGLE, start, None)
    assert isinstance(layout, Nozzles)
    return layout


def test_tip_reach_is_the_rack_definitions_length_less_its_overlap() -> None:
    assert tip_reach_mm(TIPS50) == 57.9 - 10.5
    assert tip_reach_mm(RACK) is None  # not a tip rack


def test_one_tip_at_the_bottom_of_a_15_ml_tube_brings_a_bare_nozzle_onto_the_rack() -> None:
    reach = tip_reach_mm(TIPS50)
    assert reach is not None
    h1 = M50.nozzle_names.index("H1")
    bottom = RACK.wells["A1"].z + 1.0  # 1 mm above the tube's bottom, the default aspirate height
    clash = bare_nozzle_clash(RACK, M50, _single("H1"), "A1", {h1}, bottom, reach)
    assert clash is not None
    # G1 is 9 mm behind A1's centre: past the 14.9 mm tube, still over the 85.5 mm deep rack;
    # F1..A1 are past the rack's back edge (over the next slot, which Opentrons checks itself)
    assert clash.nozzles == ("G1",)
    assert clash.labware_height_mm == 124.35
    assert abs(clash.nozzle_height_mm - (bottom + reach)) < 1e-9
    # high enough that the nozzles clear the rack's top: nothing
    above = RACK.height_mm - reach + 1.0
    assert bare_nozzle_clash(RACK, M50, _single("H1"), "A1", {h1}, above, reach) is None


def test_no_clash_with_every_nozzle_tipped_or_on_a_plate() -> None:
    reach = tip_reach_mm(TIPS50)
    assert reach is not None
    every = set(range(8))
    assert bare_nozzle_clash(RACK, M50, full_layout(M50), "A1", every, RACK.wells["A1"].z, reach) is None
    # one tip at the bottom of a PCR plate: the nozzles stay a tip length (47 mm) above a 16 mm plate
    h1 = M50.nozzle_names.index("H1")
    assert bare_nozzle_clash(PCR, M50, _single("H1"), "H5", {h1}, PCR.wells["H5"].z, reach) is None


def _doc(position: dict[str, str], *, layout: str = "single") -> dict[str, Any]:
    nozzles: dict[str, Any] = {"op": "configure_nozzles", "pipette": "m", "layout": layout}
    if layout == "single":
        nozzles["start"] = "H1"
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "tube rack", "robot": "flex"},
        "labware": [
            {"id": "tips", "load_name": "opentrons_flex_96_tiprack_50ul", "slot": "D2"},
            {"id": "rack", "load_name": "opentrons_10_tuberack_falcon_4x50ml_6x15ml_conical", "slot": "B2"},
        ],
        "pipettes": [{"id": "m", "model": "flex_8channel_50", "mount": "left", "tip_racks": ["tips"]}],
        "liquids": [{"id": "buf", "name": "water", "initial_volumes": {"rack:A1": "10 mL"}}],
        "steps": [
            nozzles,
            {"op": "pick_up_tip", "pipette": "m"},
            {"op": "aspirate", "pipette": "m", "volume": "30 uL", "location": "rack:A1", **position},
            {"op": "dispense", "pipette": "m", "volume": "30 uL", "location": "rack:A2", "position": "top"},
            {"op": "drop_tip", "pipette": "m"},
        ],
    }


def _errors(doc: dict[str, Any]) -> list[Any]:
    report = verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))
    return [f for f in report.findings if f.severity.value == "error"]


def test_the_replay_reports_the_collision_once_per_step_and_not_from_the_tubes_top() -> None:
    [found] = _errors(_doc({}))
    assert found.code == "LOCATION_PIPETTE_COLLISION" and found.category.value == "location"
    assert found.data["nozzles"] == ["G1"] and "rack:A1" in found.message
    # from 10 mm below the tube's top the tip holds liquid and the nozzles clear the rack
    assert _errors(_doc({"position": "top", "offset": "-10 mm"})) == []
    # all eight tips (no bare nozzle): the row-A target puts every tip over the rack's wells or
    # past it, which is the channel check's business, not this one's
    assert "LOCATION_PIPETTE_COLLISION" not in {f.code for f in _errors(_doc({}, layout="all"))}
