"""Nozzle layouts and the wells under each nozzle, on real Opentrons definitions.

Partial tip pickup (``configure_nozzles``), the single-tip trick of older apiLevels (one tip
picked with the back nozzle of an 8-channel at row H), reservoirs, 384-well plates, and the
engine's choice of the next tips for a partial layout.
"""

from __future__ import annotations

from typing import Any

import pytest
from labwright.protocols import parse_protocol
from labwright.protocols.locations import WellRef
from labwright.protocols.models import NozzleLayout
from labwright.simulators.deck.definitions import load_labware, load_pipette
from labwright.simulators.deck.nozzles import Nozzles, configure, full_layout, next_tip_target, wells_under
from labwright.simulators.deck.replay import replay
from labwright.simulators.deck.resolve import resolve
from labwright.verifiers.passes.schema import schema_pass
from labwright.verifiers.verifier import VerifyOptions, verify

M300 = load_pipette("p300_multi_gen2")
M50 = load_pipette("flex_8channel_50")
P96 = load_pipette("flex_96channel_1000")


def _layout(info: Any, layout: str, start: str | None = None, end: str | None = None) -> Nozzles:
    result = configure(info, NozzleLayout(layout), start, end)
    assert isinstance(result, Nozzles), result
    return result


# --------------------------------------------------------------------------------- layouts


def test_layouts_follow_the_opentrons_api_rules() -> None:
    assert _layout(M50, "partial_column", "H1", "D1").active == ("D1", "E1", "F1", "G1", "H1")
    assert _layout(M50, "partial_column", "A1", "C1").active == ("A1", "B1", "C1")
    assert _layout(M50, "single", "H1") == Nozzles("H1", ("H1",), full=False)
    column = _layout(P96, "column", "A12")
    assert column.primary == "A12" and column.active == tuple(f"{r}12" for r in "ABCDEFGH")
    assert _layout(P96, "row", "H1").active == tuple(f"H{c}" for c in range(1, 13))
    assert _layout(M300, "all") == full_layout(M300)
    # what InstrumentContext.configure_nozzle_layout refuses
    assert "96-channel" in str(configure(M50, NozzleLayout.COLUMN, "A1", None))
    assert "8-channel" in str(configure(P96, NozzleLayout.PARTIAL_COLUMN, "H1", "D1"))
    assert "no nozzle A12" in str(configure(M50, NozzleLayout.SINGLE, "A12", None))
    assert "use layout all" in str(configure(M50, NozzleLayout.PARTIAL_COLUMN, "H1", "A1"))


def test_the_schema_checks_start_and_end() -> None:
    base = {"labwright": "labwright/1", "metadata": {"name": "t", "robot": "flex"}}
    bad = [
        {"op": "configure_nozzles", "pipette": "m", "layout": "partial_column", "start": "H1"},
        {"op": "configure_nozzles", "pipette": "m", "layout": "single"},
        {"op": "configure_nozzles", "pipette": "m", "layout": "all", "start": "A1"},
        {"op": "configure_nozzles", "pipette": "m", "layout": "partial_column", "start": "H1", "end": "D12"},
    ]
    for step in bad:
        protocol, findings = schema_pass({**base, "steps": [step]})
        assert protocol is None and [f.code for f in findings] == ["NOZZLES_INVALID"], step


# -------------------------------------------------------------------------------- geometry


def test_eight_channel_on_a_384_well_plate_takes_every_other_row() -> None:
    plate = load_labware("corning_384_wellplate_112ul_flat")
    full = full_layout(M300)
    assert wells_under(plate, M300, full, "A1") == tuple(f"{r}1" for r in "ACEGIKMO")
    assert wells_under(plate, M300, full, "B3") == tuple(f"{r}3" for r in "BDFHJLNP")


def test_reservoirs_center_the_layout_as_the_engine_does() -> None:
    res12 = load_labware("nest_12_reservoir_15ml")
    res1 = load_labware("nest_1_reservoir_195ml")
    full96 = full_layout(P96)
    # 12 wells: the first nozzle column is centred on the well (Y_CENTER); column k in well Ak
    under = wells_under(res12, P96, full96, "A1")
    assert under == tuple(f"A{int(n[1:])}" for n in P96.nozzle_names)
    assert set(wells_under(res1, P96, full96, "A1")) == {"A1"}  # one well: XY_CENTER
    assert set(wells_under(res12, M300, full_layout(M300), "A5")) == {"A5"}
    # a single nozzle of the 96-channel goes to the well itself
    single = _layout(P96, "single", "H12")
    assert wells_under(res12, P96, single, "A3")[P96.nozzle_names.index("H12")] == "A3"


def test_partial_column_primary_nozzle_sits_on_the_target() -> None:
    plate = load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
    five = _layout(M50, "partial_column", "H1", "D1")
    under = dict(zip(M50.nozzle_names, wells_under(plate, M50, five, "E1"), strict=True))
    assert [under[n] for n in five.active] == ["A1", "B1", "C1", "D1", "E1"]
    under = dict(zip(M50.nozzle_names, wells_under(plate, M50, five, "A1"), strict=True))
    assert [under[n] for n in five.active] == [None, None, None, None, "A1"]


# ------------------------------------------------------------------------ next tips (engine)


def _rack_state(used: set[str]) -> tuple[Any, Any, Any]:
    rack = load_labware("opentrons_flex_96_tiprack_50ul")
    return rack.ordering, (lambda w: w not in used), (lambda w: w in used)


def test_next_tips_of_a_partial_column_start_where_the_engine_does() -> None:
    five = _layout(M50, "partial_column", "H1", "D1")
    columns, clean, empty = _rack_state(set())
    assert next_tip_target(M50, five, columns, clean, empty) == "E1"  # A1..E1 under D1..H1
    columns, clean, empty = _rack_state({"A1", "B1", "C1", "D1", "E1"})
    assert next_tip_target(M50, five, columns, clean, empty) == "E2"  # F1..H1 are only three


def test_next_tip_of_a_96_channel_single_nozzle_starts_opposite_it() -> None:
    columns, clean, empty = _rack_state(set())
    assert next_tip_target(P96, _layout(P96, "single", "H12"), columns, clean, empty) == "A1"
    assert next_tip_target(P96, _layout(P96, "single", "A1"), columns, clean, empty) == "H12"
    # a column layout may pick up only where the other eleven nozzle columns meet no tips
    col = _layout(P96, "column", "A12")
    assert next_tip_target(P96, col, columns, clean, empty) == "A1"
    columns, clean, empty = _rack_state({f"{r}1" for r in "ABCDEFGH"})
    assert next_tip_target(P96, col, columns, clean, empty) == "A2"


# ------------------------------------------------------------------------------ the replay

TIPS = {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"}
PCR = {"id": "pcr", "load_name": "nest_96_wellplate_100ul_pcr_full_skirt", "slot": "2"}
RES = {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"}
MULTI = {"id": "m", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["tips"]}


def _doc(steps: list[dict], robot: str = "ot2", **extra: Any) -> dict[str, Any]:
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "nozzles", "robot": robot},
        "labware": extra.get("labware", [TIPS, PCR, RES]),
        "pipettes": extra.get("pipettes", [MULTI]),
        "liquids": extra.get(
            "liquids", [{"id": "buf", "name": "water", "initial_volumes": {"res:A1": "10 mL"}}]
        ),
        "steps": steps,
    }


def _verify(doc: dict[str, Any]) -> Any:
    return verify(parse_protocol(doc), VerifyOptions(certify=False, safety=False))


def _codes(report: Any, severity: str = "error") -> list[str]:
    return [f.code for f in report.findings if f.severity.value == severity]


def test_one_tip_at_row_h_leaves_the_other_nozzles_bare() -> None:
    """The single-tip trick of older apiLevels: the back nozzle picks the tip at H1, the seven
    in front of it come down on nothing, carry no tip, and handle no liquid."""
    steps = [
        {"op": "pick_up_tip", "pipette": "m", "location": "tips:H1"},
        {"op": "aspirate", "pipette": "m", "volume": "50 uL", "location": "res:A1"},
        {"op": "dispense", "pipette": "m", "volume": "50 uL", "location": "pcr:H5"},
        {"op": "drop_tip", "pipette": "m"},
    ]
    doc = _doc(steps)
    assert _codes(_verify(doc)) == []
    twin = replay(resolve(parse_protocol(doc))).twin
    assert twin.wells[WellRef("pcr", "H5")].low == pytest.approx(50.0)
    assert twin.wells[WellRef("pcr", "G5")].high == 0.0
    assert twin.wells[WellRef("res", "A1")].low == pytest.approx(10_000 - 50)
    used = [str(r) for r, t in twin.tips.items() if t.status.value != "rack"]
    assert used == ["tips:H1"]


def test_eight_tips_at_row_h_hang_off_the_plate() -> None:
    steps = [
        {"op": "pick_up_tip", "pipette": "m"},
        {"op": "aspirate", "pipette": "m", "volume": "20 uL", "location": "res:A1"},
        {"op": "dispense", "pipette": "m", "volume": "20 uL", "location": "pcr:H1"},
        {"op": "drop_tip", "pipette": "m"},
    ]
    report = _verify(_doc(steps))
    assert _codes(report) == ["LOCATION_CHANNELS_OFF_LABWARE"]
    assert "7 of the 8 tips" in report.findings[0].message


def test_partial_column_overhang_is_reported_and_a_safe_target_is_not() -> None:
    """Opentrons' PARTIAL_COLUMN_Overhang protocol: five tips from H1, the front nozzle at A1
    puts four tips past row A, into the slot behind."""
    pcr = {**PCR, "slot": "5"}
    base = [
        {"op": "configure_nozzles", "pipette": "m", "layout": "partial_column", "start": "H1", "end": "D1"},
        {"op": "pick_up_tip", "pipette": "m"},
        {"op": "aspirate", "pipette": "m", "volume": "20 uL", "location": "res:A1"},
    ]
    safe = _verify(
        _doc(
            [*base, {"op": "dispense", "pipette": "m", "volume": "20 uL", "location": "pcr:E1"}],
            labware=[TIPS, pcr, RES],
        )
    )
    assert _codes(safe) == []
    over = _verify(
        _doc(
            [*base, {"op": "dispense", "pipette": "m", "volume": "20 uL", "location": "pcr:A1"}],
            labware=[TIPS, pcr, RES],
        )
    )
    assert _codes(over) == ["LOCATION_CHANNELS_OFF_LABWARE"]
    assert "4 of the 5 tips" in next(f.message for f in over.findings if f.severity.value == "error")
    twin = replay(resolve(parse_protocol(_doc(base, labware=[TIPS, pcr, RES])))).twin
    picked = sorted(str(r) for r, t in twin.tips.items() if t.status.value != "rack")
    assert picked == ["tips:A1", "tips:B1", "tips:C1", "tips:D1", "tips:E1"]  # as the engine picks


def test_96_channel_column_layout_handles_one_plate_column() -> None:
    labware = [
        {"id": "tips", "load_name": "opentrons_flex_96_tiprack_1000ul", "slot": "C3"},
        {"id": "plate", "load_name": "nest_96_wellplate_2ml_deep", "slot": "C2"},
    ]
    pipettes = [{"id": "p96", "model": "flex_96channel_1000", "mount": "left", "tip_racks": ["tips"]}]
    steps = [
        {"op": "configure_nozzles", "pipette": "p96", "layout": "column", "start": "A12"},
        {"op": "pick_up_tip", "pipette": "p96"},
        {"op": "aspirate", "pipette": "p96", "volume": "100 uL", "location": "plate:A1"},
        {"op": "dispense", "pipette": "p96", "volume": "100 uL", "location": "plate:A2"},
        {"op": "drop_tip", "pipette": "p96"},
    ]
    liquids = [{"id": "s", "name": "water", "initial_volumes": {"plate:A1..H1": "500 uL"}}]
    doc = _doc(steps, robot="flex", labware=labware, pipettes=pipettes, liquids=liquids)
    assert _codes(_verify(doc)) == []
    twin = replay(resolve(parse_protocol(doc))).twin
    assert all(twin.wells[WellRef("plate", f"{r}2")].low == pytest.approx(100.0) for r in "ABCDEFGH")
    assert twin.wells[WellRef("plate", "A3")].high == 0.0


def test_a_layout_the_pipette_cannot_take_is_an_error() -> None:
    steps = [{"op": "configure_nozzles", "pipette": "m", "layout": "column", "start": "A1"}]
    assert _codes(_verify(_doc(steps))) == ["PIPETTE_NOZZLE_LAYOUT_INVALID"]


# ------------------------------------------------------------------ the other false alarms


def test_blow_out_over_a_tip_rack_is_an_error_only_with_liquid() -> None:
    single = [{"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}]
    empty = [
        {"op": "pick_up_tip", "pipette": "p", "location": "tips:A1"},
        {"op": "blow_out", "pipette": "p", "location": "tips:A1"},
        {"op": "drop_tip", "pipette": "p"},
    ]
    assert _codes(_verify(_doc(empty, pipettes=single))) == []
    wet = [empty[0], {"op": "aspirate", "pipette": "p", "volume": "50 uL", "location": "res:A1"}, *empty[1:]]
    assert _codes(_verify(_doc(wet, pipettes=single))) == ["LOCATION_TIPRACK_AS_WELL"]


def test_a_quarter_millimetre_below_the_bottom_touches_and_two_crash() -> None:
    single = [{"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}]

    def at(offset: float) -> Any:
        steps = [
            {"op": "pick_up_tip", "pipette": "p"},
            {"op": "aspirate", "pipette": "p", "volume": "20 uL", "location": "res:A1", "offset_mm": offset},
            {"op": "drop_tip", "pipette": "p"},
        ]
        return _verify(_doc(steps, pipettes=single))

    assert _codes(at(-0.25)) == [] and _codes(at(-0.25), "warning") == ["LOCATION_AT_BOTTOM"]
    assert _codes(at(-2.0)) == ["LOCATION_BELOW_BOTTOM"]


def test_tips_of_the_newer_model_are_a_warning_for_the_older_one() -> None:
    tips20 = {"id": "tips", "load_name": "opentrons_96_tiprack_20ul", "slot": "1"}
    p10 = [{"id": "p", "model": "p10_single", "mount": "right", "tip_racks": ["tips"]}]
    report = _verify(_doc([], labware=[tips20, PCR, RES], pipettes=p10))
    assert _codes(report) == [] and _codes(report, "warning") == ["PIPETTE_TIPRACK_OLDER_MODEL"]
    m300 = [{**MULTI, "tip_racks": ["tips"]}]  # no P300 takes 20 uL tips
    assert _codes(_verify(_doc([], labware=[tips20, PCR, RES], pipettes=m300))) == [
        "PIPETTE_TIPRACK_INCOMPATIBLE"
    ]
