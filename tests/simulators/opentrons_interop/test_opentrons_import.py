"""Importing Opentrons Python protocols through the real Opentrons 9.0.0 simulator.

Every protocol here is run by the actual simulator (the analyzer's child process); results are
cached per test session so each protocol is simulated once (a few seconds each: the child
imports the opentrons package).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.models import Protocol
from labwright.simulators.opentrons_interop.importer import ImportResult, import_opentrons_python
from labwright.simulators.opentrons_interop.liquid_identity import decode_liquid_identity
from labwright.simulators.opentrons_interop.rejections import categorise, clean_message
from labwright.verifiers.verifier import VerifyOptions, verify

DATA = Path(__file__).resolve().parents[2] / "data" / "opentrons_protocols"
FAULTY = DATA / "faulty"

_CACHE: dict[Path, ImportResult] = {}


def imported(path: Path) -> ImportResult:
    if path not in _CACHE:
        _CACHE[path] = import_opentrons_python(path)
    return _CACHE[path]


def steps(result: ImportResult, op: str | None = None) -> list[dict[str, Any]]:
    assert result.document is not None
    return [s for s in result.document["steps"] if op is None or s["op"] == op]


# ------------------------------------------------------------------------------ clean imports


@pytest.mark.parametrize("path", sorted(DATA.glob("*.py")), ids=lambda p: p.stem)
def test_real_world_protocols_import_to_a_valid_protocol(path: Path) -> None:
    result = imported(path)
    assert not result.rejected, result.issues
    assert isinstance(result.protocol, Protocol)
    assert result.commands_count > 10
    assert result.protocol.steps, "the command list converts into steps"
    assert not [i for i in result.issues if i.severity == "error"]
    expected_robot = "flex" if path.name.startswith("flex") else "ot2"
    assert result.robot == expected_robot == result.protocol.metadata.robot.value
    assert result.legacy_core is ("api213" in path.stem)


def test_legacy_heights_come_from_the_run_log_and_match_the_engine() -> None:
    """apiLevel 2.13 (legacy core) and 2.15 (engine) of the same protocol convert identically,
    although the legacy analysis reports every location as the well top with offset 0."""
    legacy = imported(DATA / "ot2_air_gap_transfer_api213.py")
    engine = imported(DATA / "ot2_air_gap_transfer.py")
    assert legacy.legacy_core and not engine.legacy_core
    assert legacy.api_level == "2.13" and engine.api_level == "2.15"
    assert steps(legacy) == steps(engine)
    aspirates = steps(legacy, "aspirate")
    # p300.aspirate(60, tubes["A2"].bottom(2)): 2 mm above the bottom, not "top + 0"
    assert {"location": "tuberack_2:A2", "position": "bottom", "offset_mm": 2.0}.items() <= aspirates[
        -2
    ].items()
    # transfer(..., air_gap=20) and air_gap(20): air gaps, on both cores (up to apiLevel 2.21 an
    # air gap is an aspirate above the top: the legacy run log and the engine's moveToWell say so)
    gaps = steps(legacy, "air_gap")
    assert len(gaps) == 16 and all(s["height_mm"] > 0 and s["volume_ul"] == 20 for s in gaps)
    assert not [s for s in aspirates if s["position"] == "top"]
    # default aspirate / dispense height: 1 mm above the bottom
    assert {"position": "bottom", "offset_mm": 1.0}.items() <= aspirates[0].items()


def test_legacy_bottom_minus_two_is_read_as_below_the_bottom() -> None:
    result = imported(FAULTY / "legacy_bottom_minus_2_api213.py")
    assert result.legacy_core
    below = [s for s in steps(result, "aspirate") if s["offset_mm"] < 0]
    assert len(below) == 8
    assert all(s["position"] == "bottom" and s["offset_mm"] == pytest.approx(-2.0) for s in below)


def test_each_step_knows_its_python_source_line() -> None:
    source = (DATA / "ot2_normalization_tip_parking.py").read_text().splitlines()
    result = imported(DATA / "ot2_normalization_tip_parking.py")
    assert len(result.step_lines) == len(steps(result))
    for step, line in zip(steps(result), result.step_lines, strict=True):
        assert line is not None
        text = source[line - 1]
        expected = {
            "pick_up_tip": "pick_up_tip",
            "return_tip": "return_tip",
            "drop_tip": "drop_tip",
            "aspirate": "aspirate",
            "dispense": "dispense",
            "blow_out": "blow_out",
            "comment": "comment",
        }
        if step["op"] in expected and ".mix(" not in text:
            assert expected[step["op"]] in text, (step, line, text)


def test_protocol_without_liquids_declares_none() -> None:
    result = imported(DATA / "ot2_serial_dilution_api213.py")
    assert result.protocol is not None and result.protocol.liquids == []
    assert [p.model for p in result.protocol.pipettes] == ["p300_single_gen2"]
    # one tip per transfer with new_tip='once': a whole dilution row with one pick-up
    ops = [s["op"] for s in steps(result)]
    first_row = ops[ops.index("pick_up_tip", ops.index("drop_tip") + 1) :]
    assert first_row.count("aspirate") > 11


def test_define_liquid_and_load_liquid_become_liquids_with_initial_volumes() -> None:
    result = imported(DATA / "flex_pcr_setup_liquids.py")
    assert result.protocol is not None
    liquids = {liq.id: liq for liq in result.protocol.liquids}
    assert set(liquids) == {"master_mix", "water", "template_dna"}
    assert liquids["master_mix"].initial_volumes_ul == {"reservoir_A3:A1": 3000.0}
    assert liquids["master_mix"].color == "#6AA84F"
    assert liquids["template_dna"].initial_volumes_ul == {f"block_D1:{r}1": 40.0 for r in "ABCDEFGH"}
    modules = {m.type.value: m for m in result.protocol.modules}
    assert modules["thermocycler"].model == "thermocyclerModuleV2"
    assert modules["temperature"].slot == "D1"
    assert {p.model for p in result.protocol.pipettes} == {"flex_8channel_50", "flex_1channel_1000"}
    temps = [(s["celsius"], s.get("target", "default")) for s in steps(result, "set_temperature")]
    assert (105.0, "lid") in temps and (72.0, "block") in temps and (4.0, "default") in temps
    # the 30-cycle profile is one comment, its temperatures once each, and one delay of 30 x 75 s
    assert any(s["op"] == "delay" and s["seconds"] == pytest.approx(30 * 75) for s in steps(result))
    # air_gap(5) at apiLevel 2.20 (a moveToWell above the top, an aspirate there): an air gap
    gaps = steps(result, "air_gap")
    assert [(g["volume_ul"], g["height_mm"]) for g in gaps] == [(5.0, 5.0)] * 3


def test_liquid_identity_written_by_the_exporter_is_read_back() -> None:
    assert decode_liquid_identity(
        "ELISA stop solution; id: stop_solution; cas: 7664-93-9; concentration: 0.16 M"
    ) == (
        "ELISA stop solution",
        {"id": "stop_solution", "cas": "7664-93-9", "concentration": "0.16 M"},
    )
    assert decode_liquid_identity("2x master mix") == ("2x master mix", {})
    example = Path(__file__).resolve().parents[3] / "examples" / "protocols" / "elisa_wash_detection.py"
    if not example.exists():
        pytest.skip("example protocol not present")
    result = imported(example)
    assert result.protocol is not None
    acid = next(liq for liq in result.protocol.liquids if liq.name == "sulfuric acid")
    assert (acid.id, acid.cas, acid.concentration) == ("stop_solution", "7664-93-9", "0.16 M")
    assert acid.description == "ELISA stop solution"


def test_tip_parking_returns_and_repicks_the_same_rack_well() -> None:
    result = imported(DATA / "ot2_normalization_tip_parking.py")
    picks = [s["location"] for s in steps(result, "pick_up_tip")]
    parked = picks[:8]
    assert picks[8:16] == parked, "the second pass re-picks the parked tips"
    assert len(steps(result, "return_tip")) == 8
    assert len(steps(result, "drop_tip")) == 16


def test_waste_chute_adapters_and_labware_moves() -> None:
    result = imported(DATA / "flex_bead_cleanup_magblock.py")
    assert result.protocol is not None
    plate = next(lw for lw in result.protocol.labware if lw.load_name == "nest_96_wellplate_2ml_deep")
    # the plate moves off its adapter and back: the adapter is a labware of its own
    adapter = next(lw for lw in result.protocol.labware if lw.id == plate.on_labware)
    assert (adapter.load_name, adapter.module) == ("opentrons_96_deep_well_adapter", "heater_shaker_D1")
    moves = steps(result, "move_labware")
    assert [(s["labware"], s.get("module") or s.get("on_labware"), s["use_gripper"]) for s in moves] == [
        (plate.id, "magnetic_block_C1", True),
        (plate.id, adapter.id, True),
        (plate.id, "magnetic_block_C1", True),
    ]
    assert [s["op"] for s in steps(result) if "latch" in s["op"]] == [
        "close_latch", "open_latch", "close_latch", "open_latch"
    ]  # fmt: skip
    assert all("location" not in s for s in steps(result, "drop_tip")), "tips go to the waste chute (trash)"
    assert {"op": "blow_out", "pipette": "flex_8channel_1000", "location": "trash"} in steps(result)
    shakes = steps(result, "shake")
    assert [(s["rpm"], s["seconds"]) for s in shakes] == [(1800.0, 300.0), (2000.0, 120.0)]
    report = verify(result.protocol, VerifyOptions(certify=False, safety=False))
    assert [f.code for f in report.findings if f.category.value == "deck"] == []  # the moves replay


def test_eight_channel_draws_from_the_one_well_reservoir() -> None:
    result = imported(DATA / "ot2_multichannel_one_well_reservoir.py")
    aspirates = steps(result, "aspirate")
    assert {s["location"] for s in aspirates} == {"reservoir_2:A1"}
    assert result.protocol is not None and result.protocol.pipettes[0].model == "p300_multi_gen2"


def test_legacy_module_commands_are_converted_from_the_run_log() -> None:
    result = imported(DATA / "ot2_bead_cleanup_magdeck_api213.py")
    ops = [s["op"] for s in steps(result)]
    assert ops.count("engage_magnets") == 2 and ops.count("disengage_magnets") == 3
    assert sum(s["seconds"] for s in steps(result, "delay")) == pytest.approx(
        5 * 60 + 3 * 60 + 2 * 30 + 5 * 60 + 4 * 60
    )
    temps = imported(FAULTY / "temperature_out_of_range_api213.py")
    assert not temps.rejected, "the legacy simulator accepts 120 degC"
    assert steps(temps, "set_temperature") == [
        {"op": "set_temperature", "module": "temperature_3", "celsius": 120.0}
    ]


def test_legacy_module_commands_go_to_the_module_that_ran_them() -> None:
    """Legacy module messages carry no module id; the slot comes from the calling context."""
    result = imported(DATA / "ot2_modules_api213.py")
    temps = [(s["module"], s["celsius"], s.get("target")) for s in steps(result, "set_temperature")]
    assert temps[:2] == [("temperature_1", 4.0, None), ("temperature_9", 37.0, None)]
    assert ("thermocycler_7", 105.0, "lid") in temps and ("heater_shaker_3", 40.0, None) in temps
    assert ("thermocycler_7", 95.0, "block") in temps and ("thermocycler_7", 60.0, "block") in temps
    assert [(s["rpm"], s["seconds"]) for s in steps(result, "shake")] == [(1500.0, 30.0)]
    assert {s["module"] for s in steps(result, "deactivate")} == {
        "temperature_1",
        "temperature_9",
        "heater_shaker_3",
    }
    assert [s["module"] for s in steps(result, "engage_magnets")] == ["magnetic_4"]


def test_ot2_addressable_area_trash_and_adapter_plate_combination() -> None:
    """apiLevel 2.16: tips and blow-outs go to the fixed trash as an addressable area."""
    result = imported(DATA / "ot2_heater_shaker_api216.py")
    assert result.protocol is not None
    hs_plate = next(lw for lw in result.protocol.labware if lw.module == "heater_shaker_10")
    assert hs_plate.load_name == "opentrons_96_pcr_adapter_nest_wellplate_100ul_pcr_full_skirt"
    assert len([s for s in steps(result, "dispense") if s["location"].startswith(f"{hs_plate.id}:")]) == 8 * 3
    assert all("location" not in s for s in steps(result, "drop_tip"))
    assert len([s for s in steps(result, "blow_out") if s["location"] == "trash"]) == 8 + 1 + 1
    consolidate = [s for s in steps(result, "aspirate") if s["location"].startswith("plate_2:")]
    assert [s["volume_ul"] for s in consolidate] == [20.0] * 8
    assert steps(result, "shake") == [
        {"op": "shake", "module": "heater_shaker_10", "rpm": 1000.0, "seconds": 120.0}
    ]


def test_flex_newest_api_level_meniscus_air_gap_trash_and_off_deck_plate() -> None:
    result = imported(DATA / "flex_plate_prep_api228.py")
    assert result.api_level == "2.28" and result.protocol is not None
    assert [s["volume_ul"] for s in steps(result, "air_gap")] == [10.0, 5.0, 5.0, 5.0]
    meniscus = [s for s in steps(result, "aspirate") if s["volume_ul"] == 50.0]
    assert len(meniscus) == 1 and meniscus[0]["position"] == "bottom"
    # ~9.9 mL in a 26.85 mm deep NEST 12-well reservoir well: the liquid surface is mid-well
    assert 5.0 < meniscus[0]["offset_mm"] < 26.85
    assert {"op": "blow_out", "pipette": "flex_1channel_1000", "location": "trash"} in steps(result)
    pcr = next(
        lw for lw in result.protocol.labware if lw.load_name == "nest_96_wellplate_100ul_pcr_full_skirt"
    )
    # loaded off the deck, placed in B2 by hand (the robot pauses) before it is used
    assert (pcr.id, pcr.slot, pcr.off_deck) == ("plate_B2", None, True)
    assert {"op": "move_labware", "labware": "plate_B2", "slot": "B2"} in steps(result, "move_labware")
    # the runtime parameter's default (2 columns) is what the analysis ran
    assert [s["location"] for s in steps(result, "dispense") if s["location"].startswith("plate_B2")] == [
        "plate_B2:A1",
        "plate_B2:A2",
    ]


# ------------------------------------------------------------------------------ rejections


@pytest.mark.parametrize(
    ("name", "category", "words"),
    [
        ("slot_conflict.py", "deck", "already present"),
        ("volume_above_max.py", "pipette", "Cannot aspirate 50.0"),
        ("temperature_out_of_range.py", "temperature", "120.0"),
    ],
)
def test_simulator_rejection_is_one_error_with_the_fault_category(
    name: str, category: str, words: str
) -> None:
    result = imported(FAULTY / name)
    assert result.rejected
    rejected = [i for i in result.issues if i.code == "OPENTRONS_REJECTED"]
    assert len(rejected) == 1
    it = rejected[0]
    assert (it.category, it.severity) == (category, "error")
    assert words in it.message and "line" in it.message
    assert isinstance(it.data["line"], int)
    assert result.protocol is not None, "what ran before the failure is still converted"


SYNTAX_ERROR = 'metadata = {"apiLevel": "2.15"}\n\ndef run(protocol)\n    protocol.comment("no colon")\n'


@pytest.mark.parametrize("name", ["not_a_protocol.py", "syntax_error.py", "does_not_exist.py"])
def test_not_a_protocol_is_unusable_input(name: str, tmp_path: Path) -> None:
    path = FAULTY / name
    if name == "syntax_error.py":
        path = tmp_path / name
        path.write_text(SYNTAX_ERROR)
    with pytest.raises(UnusableInputError) as info:
        import_opentrons_python(path)
    assert str(path) in info.value.message
    assert info.value.hint


def test_protocol_prints_do_not_reach_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "chatty.py"
    path.write_text(
        'metadata = {"apiLevel": "2.15"}\n'
        "def run(protocol):\n"
        '    print("hello from the protocol")\n'
        '    protocol.comment("done")\n'
    )
    result = import_opentrons_python(path)
    assert "hello from the protocol" in result.printed
    assert "hello" not in capsys.readouterr().out
    assert steps(result) == [{"op": "comment", "text": "done"}]


def test_in_place_commands_use_where_the_pipette_was_moved(tmp_path: Path) -> None:
    path = tmp_path / "in_place.py"
    path.write_text(
        'requirements = {"robotType": "Flex", "apiLevel": "2.22"}\n'
        "def run(ctx):\n"
        '    ctx.load_trash_bin("A3")\n'
        '    tips = ctx.load_labware("opentrons_flex_96_tiprack_200ul", "C1")\n'
        '    plate = ctx.load_labware("nest_96_wellplate_200ul_flat", "D2")\n'
        '    p = ctx.load_instrument("flex_1channel_1000", "left", tip_racks=[tips])\n'
        "    p.pick_up_tip()\n"
        '    p.move_to(plate["A1"].bottom(2))\n'
        "    p.aspirate(20)\n"
        '    p.move_to(plate["B1"].top())\n'
        "    p.dispense(20)\n"
        "    p.blow_out()\n"
        "    p.drop_tip()\n"
    )
    result = import_opentrons_python(path)
    assert steps(result)[1:] == [
        {
            "op": "aspirate",
            "pipette": "flex_1channel_1000",
            "volume_ul": 20.0,
            "location": "plate_D2:A1",
            "position": "bottom",
            "offset_mm": 2.0,
        },
        {
            "op": "dispense",
            "pipette": "flex_1channel_1000",
            "volume_ul": 20.0,
            "location": "plate_D2:B1",
            "position": "top",
            "offset_mm": 0.0,
        },
        {"op": "blow_out", "pipette": "flex_1channel_1000", "location": "plate_D2:B1"},
        {"op": "drop_tip", "pipette": "flex_1channel_1000"},
    ]


def test_protocol_failing_at_import_time_is_rejected_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "raises.py"
    path.write_text(
        'metadata = {"apiLevel": "2.15"}\nraise RuntimeError("plate map missing")\ndef run(p):\n    pass\n'
    )
    result = import_opentrons_python(path)
    assert result.rejected
    it = next(i for i in result.issues if i.code == "OPENTRONS_REJECTED")
    assert "plate map missing" in it.message and it.category == "schema"


# ------------------------------------------------------------------ error classification (data)


def _tree(*details: tuple[str, str], info_class: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] | None = None
    for error_type, detail in reversed(details):
        node = {
            "errorType": error_type,
            "detail": detail,
            "errorInfo": {"class": info_class} if info_class else {},
            "wrappedErrors": [node] if node else [],
        }
    assert node is not None
    return node


@pytest.mark.parametrize(
    ("tree", "category"),
    [
        (
            _tree(
                (
                    "ExceptionInProtocolError",
                    "DeckConflictError [line 7]: a in slot 2 prevents b from using slot 2.",
                ),
                ("PythonException", "opentrons.motion_planning.deck_conflict.DeckConflictError: ..."),
            ),
            "deck",
        ),
        (
            _tree(
                (
                    "ExceptionInProtocolError",
                    "AssertionError [line 8]: Cannot aspirate more than pipette max volume",
                ),
                ("PythonException", "AssertionError: Cannot aspirate more than pipette max volume"),
            ),
            "pipette",
        ),
        (
            _tree(
                ("ExceptionInProtocolError", "OutOfTipsError [line 8]: "),
                ("PythonException", "opentrons.protocol_api.labware.OutOfTipsError"),
            ),
            "tip",
        ),
        (
            _tree(
                ("ExceptionInProtocolError", "KeyError [line 8]: 'Z99'"),
                ("PythonException", "KeyError: 'Z99'"),
            ),
            "reference",
        ),
        (
            _tree(
                (
                    "ExceptionInProtocolError",
                    "ValueError [line 9]: Invalid engage height for magneticModuleV2: 50.",
                )
            ),
            "deck",
        ),
        (_tree(("ExceptionInProtocolError", "ValueError [line 7]: my own check failed")), "schema"),
    ],
)
def test_categorise_by_class_then_message(tree: dict[str, Any], category: str) -> None:
    assert categorise(tree)[0] == category


def test_clean_message_drops_wrapper_noise() -> None:
    tree = _tree(
        (
            "ExceptionInProtocolError",
            "ProtocolCommandFailedError [line 8]: Error 4000 GENERAL_ERROR "
            "(ProtocolCommandFailedError): InvalidAspirateVolumeError: Cannot aspirate 400.0 uL",
        ),
    )
    assert clean_message(tree) == "InvalidAspirateVolumeError: Cannot aspirate 400.0 uL"
