"""Opentrons export: every example runs in the real Opentrons simulator (opentrons 9.0.0,
in-process) and performs exactly the deck twin's expansion.

For each protocol the test compares two operation traces, in order:

- the deck twin's: ``expand_resolved`` of the resolved protocol, replayed on its ``initial_twin`` so
  each tip pick-up names the rack well the twin chose;
- the simulator's: the leaf commands of ``opentrons.simulate.simulate``'s run log for the
  exported Python text, mapped back to the protocol's ids (pipettes by mount, labware by load
  name and slot, definition versions checked).

Aspirates and dispenses must agree in pipette, volume, well and height above the well bottom;
tip pick-ups and drops in pipette and rack well (or trash); blow-outs, air gaps and touch tips
in kind and place.
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from labwright.protocols import models as m
from labwright.protocols.errors import LabwrightError
from labwright.protocols.findings import Severity
from labwright.protocols.io import dump_json, load_protocol, parse_document_text, parse_protocol
from labwright.protocols.models import Protocol
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.definitions import shared_data_root
from labwright.simulators.deck.replay import expand_resolved, initial_twin
from labwright.simulators.deck.resolve import resolve
from labwright.simulators.opentrons_interop.export import ExportError, export_opentrons
from labwright.verifiers.verifier import VerifyOptions, verify
from typer.testing import CliRunner

from labwright.commands.export import app as export_app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "protocols").glob("*.yaml"))
Op = tuple[Any, ...]


# ------------------------------------------------------------------------------ traces


def twin_trace(protocol: Protocol) -> list[Op]:
    resolved = resolve(protocol)
    actions, findings = expand_resolved(resolved)
    assert not [f for f in findings if f.severity is Severity.ERROR], findings
    twin = initial_twin(resolved)
    ops: list[Op] = []
    for act in actions:
        twin.apply(act)
        if isinstance(act, a.PickUpTip):
            ops.append(("pick_up_tip", act.pipette, str(twin.pipettes[act.pipette].last_rack_well)))
        elif isinstance(act, a.DropTip):
            ops.append(("drop_tip", act.pipette, "trash" if act.location is None else str(act.location)))
        elif isinstance(act, a.ReturnTip):
            ops.append(("drop_tip", act.pipette, str(twin.pipettes[act.pipette].last_rack_well)))
        elif isinstance(act, a.Aspirate | a.Dispense):
            geo = resolved.deck.labware[act.well.labware].info.wells[act.well.well]
            base = {"bottom": 0.0, "top": geo.depth, "center": geo.depth / 2}[act.position]
            kind = "aspirate" if isinstance(act, a.Aspirate) else "dispense"
            ops.append((kind, act.pipette, act.volume_ul, str(act.well), base + act.offset_mm))
        elif isinstance(act, a.BlowOut):
            ops.append(("blow_out", act.pipette, "trash" if act.well is None else str(act.well)))
        elif isinstance(act, a.AirGap):
            ops.append(("air_gap", act.pipette, act.volume_ul))
        elif isinstance(act, a.TouchTip):
            ops.append(("touch_tip", act.pipette))
        elif isinstance(act, a.ConfigureNozzles):
            ops.append(("nozzles", act.pipette, act.layout.value.upper()))
    return ops


class _Names:
    """Maps the simulator's objects back to the protocol's ids."""

    def __init__(self, protocol: Protocol) -> None:
        self.deck = resolve(protocol).deck
        self.by_mount = {p.mount.value: p.id for p in protocol.pipettes}
        # labware id -> the slots move_labware steps bring it to (a module counts as its slot)
        self.moved_to: dict[str, set[str]] = {}
        for step in protocol.steps:
            if isinstance(step, m.MoveLabware):
                slot = step.slot
                if step.module is not None:
                    slot = self.deck.modules[step.module].slot
                elif step.on_labware is not None:
                    slot = self.deck.labware[step.on_labware].slot
                self.moved_to.setdefault(step.labware, set()).add(slot or "")

    def pipette(self, instrument: Any) -> str:
        return self.by_mount[str(instrument.mount)]

    def labware(self, lw: Any, slot: str) -> str:
        """The protocol's labware of that load name in ``slot`` (where it was when the simulator
        logged the command): where it starts there, else the one a move brings there."""
        same = [p for p in self.deck.labware.values() if p.info.load_name == lw.load_name]
        matches = [p for p in same if p.slot == slot]
        matches = matches or [p for p in same if slot in self.moved_to.get(p.id, ())]
        assert len(matches) == 1, (lw, slot, matches)
        placed = matches[0]
        # the robot loads exactly the definition the twin checked
        assert lw.uri == f"{placed.info.namespace}/{placed.info.load_name}/{placed.info.version}", lw.uri
        return placed.id

    def well(self, well: Any, slot: str) -> str:
        return f"{self.labware(well.parent, slot)}:{well.well_name}"


def _slot_now(labware: Any) -> str:
    """The deck slot under a simulator labware now (through adapters and modules)."""
    parent = labware.parent
    while not isinstance(parent, str):  # adapter or module: walk down to the slot
        parent = parent.parent
    return parent


def _snapshot(message: dict[str, Any]) -> None:
    """Before a command runs: where its labware is and the well bottom's height then (labware
    moves during the run, so reading them from the run log afterwards would be wrong)."""
    from opentrons.protocol_api.labware import Well
    from opentrons.types import Location

    if message["$"] != "before":
        return
    payload = message["payload"]
    loc = payload.get("location")
    well = loc if isinstance(loc, Well) else None
    if isinstance(loc, Location) and loc.labware.is_well:
        well = loc.labware.as_well()
        payload["_bottom_z"] = well.bottom().point.z
    if well is not None:
        payload["_slot"] = _slot_now(well.parent)


def simulate(text: str) -> list[dict[str, Any]]:
    from contextlib import contextmanager

    from opentrons import simulate as ot_simulate
    from opentrons.legacy_commands import types as command_types

    class _Scraper(ot_simulate._CommandScraper):
        @contextmanager
        def scrape(self):  # type: ignore[no-untyped-def]
            unsubscribe = self._broker.subscribe(command_types.COMMAND, _snapshot)
            try:
                with super().scrape():
                    yield
            finally:
                unsubscribe()

    scraper = ot_simulate._CommandScraper
    ot_simulate._CommandScraper = _Scraper  # type: ignore[misc]
    try:
        runlog, _bundle = ot_simulate.simulate(io.StringIO(text), "exported.py")
    finally:
        ot_simulate._CommandScraper = scraper  # type: ignore[misc]
    return list(runlog)


def simulator_trace(runlog: list[dict[str, Any]], protocol: Protocol) -> list[Op]:
    from opentrons.protocol_api.labware import Well
    from opentrons.types import Location

    names = _Names(protocol)
    ops: list[Op] = []
    inside: int | None = None  # level of an air gap / tip return whose children are skipped
    for entry in runlog:
        level, payload = entry["level"], entry["payload"]
        text: str = payload.get("text", "")
        if inside is not None and level > inside:
            continue
        inside = None
        if "instrument" not in payload or text.startswith(
            ("Transferring", "Distributing", "Consolidating", "Mixing")
        ):
            continue  # complex commands: their children are the operations
        pip = names.pipette(payload["instrument"])
        loc = payload.get("location")
        if text.startswith("Air gap"):
            ops.append(("air_gap", pip, float(payload["volume"])))
            inside = level
        elif text.startswith("Picking up tip"):
            ops.append(("pick_up_tip", pip, names.well(loc, payload["_slot"])))
        elif text.startswith("Dropping tip"):
            where = names.well(loc, payload["_slot"]) if isinstance(loc, Well) else "trash"
            ops.append(("drop_tip", pip, where))
        elif text.startswith(("Aspirating", "Dispensing")):
            assert isinstance(loc, Location), entry
            well = loc.labware.as_well()
            z = loc.point.z - payload["_bottom_z"]
            kind = "aspirate" if text.startswith("Aspirating") else "dispense"
            ops.append((kind, pip, float(payload["volume"]), names.well(well, payload["_slot"]), z))
        elif text.startswith("Blowing out"):
            if isinstance(loc, Location) and loc.labware.is_well:
                ops.append(("blow_out", pip, names.well(loc.labware.as_well(), payload["_slot"])))
            elif isinstance(loc, Well):
                ops.append(("blow_out", pip, names.well(loc, payload["_slot"])))
            else:
                ops.append(("blow_out", pip, "trash"))
        elif text.startswith("Touching tip"):
            ops.append(("touch_tip", pip))
        elif text.startswith("Configure pipette"):
            style = re.search(r"NozzleLayout\.(\w+)", text)
            assert style is not None, text
            ops.append(("nozzles", pip, style.group(1)))
        else:
            raise AssertionError(f"unexpected pipette command in the run log: {text!r}")
    return ops


def _same(x: Op, y: Op) -> bool:
    if len(x) != len(y):
        return False
    for u, v in zip(x, y, strict=True):
        if isinstance(u, float) or isinstance(v, float):
            # heights: the simulator reports positions rounded to 0.01 mm
            if not math.isclose(float(u), float(v), rel_tol=1e-9, abs_tol=0.02):
                return False
        elif u != v:
            return False
    return True


def assert_same_trace(twin: list[Op], sim: list[Op]) -> None:
    for i, (x, y) in enumerate(zip(twin, sim, strict=False)):
        if not _same(x, y):
            context = "\n".join(
                f"  {j}: twin {twin[j]!r}\n     sim  {sim[j]!r}" for j in range(max(0, i - 3), i + 1)
            )
            raise AssertionError(f"operation {i} differs:\n{context}")
    assert len(twin) == len(sim), f"twin has {len(twin)} operations, the simulator {len(sim)}"


def check_in_simulator(protocol: Protocol) -> list[Op]:
    text = export_opentrons(protocol)
    twin = twin_trace(protocol)
    sim = simulator_trace(simulate(text), protocol)
    assert_same_trace(twin, sim)
    return twin


# ------------------------------------------------------------------------------- examples


def test_there_are_at_least_twelve_examples() -> None:
    assert len(EXAMPLES) >= 12
    robots = {load_protocol(p).metadata.robot.value for p in EXAMPLES}
    assert robots == {"ot2", "flex"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates_clean(path: Path) -> None:
    report = verify(load_protocol(path), VerifyOptions(certify=False))
    assert report.ok, [f.message for f in report.findings if f.severity is Severity.ERROR]
    assert not [f for f in report.findings if f.severity is Severity.WARNING], report.findings


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_export_runs_in_the_opentrons_simulator_as_the_twin_expands_it(path: Path) -> None:
    protocol = load_protocol(path)
    ops = check_in_simulator(protocol)
    if any(isinstance(s, m.Transfer | m.Distribute | m.Consolidate | m.Aspirate) for s in protocol.steps):
        assert any(op[0] == "aspirate" for op in ops)  # the comparison was not vacuous


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_python_file_is_the_current_export(path: Path) -> None:
    py = path.with_suffix(".py")
    assert py.exists(), (
        f"{py.name} is missing: run `labwright export {path.name} --to opentrons -o {py.name}`"
    )
    assert py.read_text() == export_opentrons(load_protocol(path)), f"{py.name} is stale: export it again"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_export_is_deterministic(path: Path) -> None:
    protocol = load_protocol(path)
    first = export_opentrons(protocol)
    assert export_opentrons(protocol) == first
    # the same protocol read back from its canonical JSON renders to the same bytes
    again = parse_protocol(parse_document_text(dump_json(protocol), json_only=True))
    assert export_opentrons(again) == first


# ------------------------------------------------------------------ options and module coverage

OT2_OPTIONS: dict[str, Any] = {
    "labwright": "labwright/1",
    "metadata": {"name": "options: OT-2", "robot": "ot2", "description": 'quotes " and \\ backslash'},
    "labware": [
        {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
        {"id": "ftips", "load_name": "opentrons_96_filtertiprack_200ul", "slot": "4"},
        {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "2", "version": 1},
        {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "3", "label": "a plate"},
        {"id": "deep", "load_name": "nest_96_wellplate_2ml_deep", "slot": "5"},
        {"id": "mag_plate", "load_name": "nest_96_wellplate_100ul_pcr_full_skirt", "module": "mag"},
        {"id": "tc_plate", "load_name": "nest_96_wellplate_100ul_pcr_full_skirt", "module": "tc"},
        {"id": "custom", "load_name": "labwright_test_plate_96", "namespace": "custom_beta", "slot": "9"},
    ],
    "modules": [
        {"id": "mag", "type": "magnetic", "model": "magneticModuleV1", "slot": "6"},
        {"id": "tc", "type": "thermocycler", "model": "thermocyclerModuleV1"},
    ],
    "pipettes": [
        {"id": "p300", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]},
        {"id": "m300", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["ftips"]},
    ],
    "liquids": [
        {"id": "water", "name": "water", "initial_volumes": {"res:*": "12 mL", "deep:A1..H6": "1 mL"}},
    ],
    "steps": [
        {"op": "open_lid", "module": "tc"},
        {"op": "set_temperature", "module": "tc", "temperature": "20 degC", "wait": False},
        {
            "op": "transfer",
            "pipette": "p300",
            "volume": "150 uL",
            "source": ["res:A1", "res:A2"],
            "dest": ["plate:B1", "plate:B2"],
            "air_gap": "10 uL",
            "touch_tip": True,
            "blow_out": True,
            "mix_before": {"repetitions": 2, "volume": "100 uL"},
            "mix_after": {"repetitions": 2, "volume": "50 uL"},
            "aspirate_offset_mm": 2,
            "dispense_offset_mm": 3,
            "new_tip": "always",
        },
        {
            "op": "transfer",
            "pipette": "p300",
            "volume": "700 uL",
            "source": "res:A3",
            "dest": "deep:A7",
            "new_tip": "always",
        },
        {
            "op": "distribute",
            "pipette": "p300",
            "volume": "60 uL",
            "source": "res:A4",
            "dest": [f"plate:C{i}" for i in range(1, 8)],
            "air_gap": "10 uL",
            "touch_tip": True,
            "new_tip": "always",
            "mix_before": {"repetitions": 1, "volume": "100 uL"},
        },
        {
            "op": "distribute",
            "pipette": "p300",
            "volume_ul": [20, 40, 60, 80, 100, 120],
            "source": "res:A5",
            "dest": [f"plate:D{i}" for i in range(1, 7)],
            "disposal_volume": "0 uL",
            "blow_out": True,
        },
        {
            "op": "consolidate",
            "pipette": "p300",
            "volume": "90 uL",
            "source": ["deep:A1", "deep:B1", "deep:C1", "deep:D1"],
            "dest": "res:A6",
            "air_gap": "10 uL",
            "touch_tip": True,
            "blow_out": True,
            "mix_after": {"repetitions": 1, "volume": "100 uL"},
            "new_tip": "always",
        },
        {
            "op": "consolidate",
            "pipette": "p300",
            "volume": "145 uL",
            "source": ["deep:A2", "deep:B2"],
            "dest": "res:A7",
            "air_gap": "5 uL",
        },
        {
            "op": "transfer",
            "pipette": "m300",
            "volume": "250 uL",
            "source": ["deep:A3", "deep:A4"],
            "dest": ["deep:A8", "deep:A9"],
            "new_tip": "always",
        },
        {
            "op": "distribute",
            "pipette": "m300",
            "volume": "40 uL",
            "source": "res:A8",
            "dest": ["mag_plate:A1", "tc_plate:A1", "custom:A1", "custom:A2"],
        },
        {"op": "engage_magnets", "module": "mag"},
        {"op": "delay", "duration": "90 s"},
        {"op": "engage_magnets", "module": "mag", "height": "10 mm"},
        {"op": "disengage_magnets", "module": "mag"},
        {"op": "deactivate", "module": "mag"},
        {"op": "pick_up_tip", "pipette": "p300", "location": "tips:H12"},
        {"op": "aspirate", "pipette": "p300", "volume": "50 uL", "location": "res:A9", "offset": "2 mm"},
        {"op": "air_gap", "pipette": "p300", "volume": "10 uL", "height": "3 mm"},
        {
            "op": "dispense",
            "pipette": "p300",
            "volume": "60 uL",
            "location": "plate:E1",
            "position": "top",
            "offset": "-1 mm",
        },
        {
            "op": "mix",
            "pipette": "p300",
            "repetitions": 3,
            "volume": "40 uL",
            "location": "plate:E1",
            "position": "center",
            "offset": "0.5 mm",
        },
        {"op": "touch_tip", "pipette": "p300", "location": "plate:E1"},
        {"op": "blow_out", "pipette": "p300", "location": "plate:E1"},
        {"op": "return_tip", "pipette": "p300"},
        {"op": "pick_up_tip", "pipette": "p300"},
        {"op": "aspirate", "pipette": "p300", "volume": "30 uL", "location": "res:A10"},
        {
            "op": "dispense",
            "pipette": "p300",
            "volume": "30 uL",
            "location": "tc_plate:E2",
            "position": "center",
        },
        {"op": "touch_tip", "pipette": "p300"},
        {"op": "blow_out", "pipette": "p300"},
        {"op": "drop_tip", "pipette": "p300", "location": "tips:G12"},
        {"op": "close_lid", "module": "tc"},
        {"op": "set_temperature", "module": "tc", "target": "lid", "temperature": "105 degC"},
        {"op": "set_temperature", "module": "tc", "target": "block", "temperature": "95 degC"},
        {"op": "deactivate", "module": "tc"},
        {"op": "pause"},
        {"op": "comment", "text": "done"},
        {"op": "measure", "labware": "plate", "kind": "luminescence"},
    ],
}

FLEX_MODULES: dict[str, Any] = {
    "labwright": "labwright/1",
    "metadata": {"name": "modules: Flex", "robot": "flex"},
    "labware": [
        {"id": "tips50", "load_name": "opentrons_flex_96_tiprack_50ul", "slot": "C1"},
        {"id": "tips1000", "load_name": "opentrons_flex_96_tiprack_1000ul", "slot": "C2"},
        {"id": "tc_plate", "load_name": "opentrons_96_wellplate_200ul_pcr_full_skirt", "module": "tc"},
        {
            "id": "cold",
            "load_name": "opentrons_96_wellplate_200ul_pcr_full_skirt",
            "module": "temp",
            "adapter": "opentrons_96_well_aluminum_block",
        },
        {
            "id": "hs_plate",
            "load_name": "nest_96_wellplate_2ml_deep",
            "module": "hs",
            "adapter": "opentrons_96_deep_well_adapter",
        },
        {"id": "read_plate", "load_name": "corning_96_wellplate_360ul_flat", "module": "reader"},
        {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "B2"},
        {"id": "mag_plate", "load_name": "nest_96_wellplate_2ml_deep", "module": "magblock"},
        {"id": "flat", "load_name": "corning_96_wellplate_360ul_flat", "slot": "B3"},
    ],
    "modules": [
        {"id": "tc", "type": "thermocycler"},
        {"id": "temp", "type": "temperature", "slot": "D3"},
        {"id": "hs", "type": "heater_shaker", "slot": "D1"},
        {"id": "reader", "type": "plate_reader", "slot": "C3"},
        {"id": "magblock", "type": "magnetic_block", "slot": "D2"},
    ],
    "pipettes": [
        {"id": "p50", "model": "flex_1channel_50", "mount": "left", "tip_racks": ["tips50"]},
        {"id": "m1000", "model": "flex_8channel_1000", "mount": "right", "tip_racks": ["tips1000"]},
    ],
    "liquids": [{"id": "buffer", "name": "water", "initial_volumes": {"res:A1": "10 mL", "res:A2": "10 mL"}}],
    "steps": [
        {"op": "open_lid", "module": "tc"},
        {"op": "set_temperature", "module": "tc", "temperature": "10 degC"},
        {"op": "set_temperature", "module": "tc", "target": "lid", "temperature": "100 degC"},
        {"op": "set_temperature", "module": "temp", "temperature": "8 degC", "wait": False},
        {"op": "set_temperature", "module": "hs", "temperature": "40 degC", "wait": False},
        {
            "op": "distribute",
            "pipette": "m1000",
            "volume": "100 uL",
            "source": "res:A1",
            "dest": ["tc_plate:A1", "cold:A1", "hs_plate:A1", "read_plate:A1", "mag_plate:A1", "flat:A1"],
            "air_gap": "20 uL",
            "touch_tip": True,
            "new_tip": "always",
        },
        {
            "op": "consolidate",
            "pipette": "p50",
            "volume": "10 uL",
            "source": ["tc_plate:B1", "cold:B1", "hs_plate:B1", "read_plate:B1"],
            "dest": "mag_plate:H1",
            "air_gap": "2 uL",
            "blow_out": True,
            "mix_after": {"repetitions": 2, "volume": "20 uL"},
        },
        {"op": "pick_up_tip", "pipette": "p50"},
        {
            "op": "aspirate",
            "pipette": "p50",
            "volume": "10 uL",
            "location": "res:A2",
            "position": "center",
            "offset": "-2 mm",
        },
        {
            "op": "dispense",
            "pipette": "p50",
            "volume": "10 uL",
            "location": "cold:C1",
            "position": "top",
            "offset": "-2 mm",
        },
        {"op": "blow_out", "pipette": "p50"},
        {"op": "drop_tip", "pipette": "p50"},
        {"op": "close_lid", "module": "tc"},
        {"op": "set_temperature", "module": "hs", "temperature": "45 degC"},
        {"op": "shake", "module": "hs", "speed": "2000 rpm", "duration": "30 s"},
        {"op": "deactivate", "module": "hs"},
        {"op": "deactivate", "module": "temp"},
        {"op": "deactivate", "module": "tc"},
        {"op": "measure", "labware": "read_plate", "module": "reader", "wavelength": "450 nm"},
        {"op": "measure", "labware": "hs_plate", "kind": "fluorescence", "wavelength": "520 nm"},
    ],
}


def _custom_definition() -> dict[str, Any]:
    path = shared_data_root() / "labware" / "definitions" / "2" / "corning_96_wellplate_360ul_flat" / "2.json"
    defn = json.loads(path.read_text())
    defn["parameters"]["loadName"] = "labwright_test_plate_96"
    defn["namespace"] = "custom_beta"
    defn["version"] = 1
    defn["metadata"]["displayName"] = "labwright test plate"
    return defn


def _protocol(doc: dict[str, Any]) -> Protocol:
    doc = copy.deepcopy(doc)
    if any(lw.get("namespace") == "custom_beta" for lw in doc["labware"]):
        doc["custom_labware"] = [_custom_definition()]
    protocol = parse_protocol(doc)
    report = verify(protocol, VerifyOptions(certify=False, safety=False))
    assert report.ok, [f.message for f in report.findings if f.severity is Severity.ERROR]
    return protocol


@pytest.mark.parametrize("doc", [OT2_OPTIONS, FLEX_MODULES], ids=["ot2-options", "flex-modules"])
def test_every_option_and_module_op_runs_in_the_simulator_as_the_twin_expands_it(doc: dict[str, Any]) -> None:
    protocol = _protocol(doc)
    ops = check_in_simulator(protocol)
    kinds = {op[0] for op in ops}
    assert {"aspirate", "dispense", "pick_up_tip", "drop_tip", "blow_out", "air_gap", "touch_tip"} <= kinds


LIDS: dict[str, Any] = {
    "labwright": "labwright/1",
    "metadata": {"name": "lids", "robot": "flex"},
    "labware": [
        {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "D2"},
        {"id": "lid", "load_name": "corning_96_wellplate_360ul_lid", "on_labware": "plate"},
        {"id": "tips", "load_name": "opentrons_flex_96_tiprack_200ul", "slot": "B2"},
    ],
    "modules": [{"id": "mag", "type": "magnetic_block", "slot": "C1"}],
    "pipettes": [{"id": "p", "model": "flex_1channel_1000", "mount": "left", "tip_racks": ["tips"]}],
    "liquids": [{"id": "dye", "name": "tartrazine", "initial_volumes_ul": {"plate:A1": 200}}],
    "steps": [
        {"op": "move_labware", "labware": "plate", "module": "mag", "use_gripper": True},
        {"op": "move_labware", "labware": "lid", "slot": "C2", "use_gripper": True},
        {"op": "transfer", "pipette": "p", "volume_ul": 50, "source": "plate:A1", "dest": "plate:A2"},
        {"op": "move_labware", "labware": "lid", "on_labware": "plate", "use_gripper": True},
        {"op": "move_labware", "labware": "plate", "slot": "D2", "use_gripper": True},
    ],
}


def test_lids_load_with_their_plate_and_move_with_move_lid() -> None:
    """A lid is loaded with the plate it covers (``lid=``, apiLevel 2.26 for ``lid_version``) and
    moved with ``move_lid``: then Opentrons knows it for a lid, and the plate moves with it."""
    protocol = parse_protocol(LIDS)
    text = export_opentrons(protocol)
    assert '"apiLevel": "2.26"' in text and 'lid="corning_96_wellplate_360ul_lid"' in text
    assert 'protocol.move_lid(plate, "C2", use_gripper=True)' in text
    assert 'protocol.move_lid("C2", plate, use_gripper=True)' in text
    assert verify(protocol, VerifyOptions(certify=False, safety=False)).ok
    assert len(check_in_simulator(protocol)) == 4  # pick-up, aspirate, dispense, drop


def test_custom_labware_is_embedded_and_plate_reader_needs_api_2_21() -> None:
    ot2 = export_opentrons(_protocol(OT2_OPTIONS))
    assert "CUSTOM_LABWARE" in ot2 and "load_labware_from_definition" in ot2
    assert '"apiLevel": "2.20"' in ot2 and '"robotType": "OT-2"' in ot2
    flex = export_opentrons(_protocol(FLEX_MODULES))
    assert '"apiLevel": "2.21"' in flex and '"robotType": "Flex"' in flex
    assert 'protocol.load_trash_bin("A3")' in flex
    assert "reader.read(" in flex
    dye = export_opentrons(load_protocol(ROOT / "examples" / "protocols" / "dye_colour_mixing.yaml"))
    assert "protocol.move_labware(plate, reader, use_gripper=True)" in dye
    assert 'protocol.move_labware(plate, "C2", use_gripper=True)' in dye
    assert 'protocol.comment("Measure fluorescence at 520 nm of hs_plate (every well)")' in flex


def test_liquids_are_declared_with_their_identity() -> None:
    text = (ROOT / "examples" / "protocols" / "bead_cleanup_magnetic.py").read_text()
    assert 'protocol.define_liquid(\n        name="ethanol",' in text
    assert "id: ethanol; smiles: CCO; cas: 64-17-5; concentration: 80% (v/v)" in text
    assert "for well in samples.wells()[0:16]:  # A1..H2" in text
    assert "well.load_liquid(liquid=pcr_product, volume=50)" in text


def test_unresolvable_names_are_refused_with_a_hint() -> None:
    doc = copy.deepcopy(OT2_OPTIONS)
    doc["labware"] = [lw for lw in doc["labware"] if lw["id"] != "custom"]
    doc["steps"] = [
        {"op": "transfer", "pipette": "p1000", "volume": "10 uL", "source": "res:A1", "dest": "plate:A1"}
    ]
    with pytest.raises(ExportError) as err:
        export_opentrons(parse_protocol(doc))
    assert "p1000" in err.value.message and err.value.hint
    assert isinstance(err.value, LabwrightError)


def test_flex_trash_bin_moves_when_a3_holds_labware() -> None:
    doc = {
        "labwright": "labwright/1",
        "metadata": {"name": "A3 used", "robot": "flex"},
        "labware": [
            {"id": "tips", "load_name": "opentrons_flex_96_tiprack_200ul", "slot": "A3"},
            {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "B3"},
            {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "C2"},
        ],
        "pipettes": [{"id": "p", "model": "flex_1channel_1000", "mount": "left", "tip_racks": ["tips"]}],
        "liquids": [{"id": "water", "name": "water", "initial_volumes": {"res:A1": "5 mL"}}],
        "steps": [{"op": "transfer", "pipette": "p", "volume": "100 uL", "source": "res:A1",
                   "dest": ["plate:A1", "plate:A2"], "new_tip": "always"}],
    }  # fmt: skip
    protocol = _protocol(doc)
    assert 'trash = protocol.load_trash_bin("C3")  # A3 is taken' in export_opentrons(protocol)
    check_in_simulator(protocol)


def test_a_module_call_the_module_lacks_is_written_as_is_and_the_robot_refuses_it() -> None:
    from opentrons.util.entrypoint_util import ProtocolEngineExecuteError

    doc = {
        "labwright": "labwright/1",
        "metadata": {"name": "magnets on a temperature module", "robot": "ot2"},
        "labware": [
            {"id": "plate", "load_name": "opentrons_96_aluminumblock_nest_wellplate_100ul", "module": "temp"}
        ],
        "modules": [{"id": "temp", "type": "temperature", "slot": "3"}],
        "steps": [{"op": "engage_magnets", "module": "temp", "height": "5 mm"}],
    }  # fmt: skip
    protocol = parse_protocol(doc)
    assert not verify(protocol, VerifyOptions(certify=False, safety=False)).ok
    text = export_opentrons(protocol)
    assert "temp.engage(height_from_base=5)  # a temperature module cannot do this" in text
    with pytest.raises(ProtocolEngineExecuteError):
        simulate(text)


# ------------------------------------------------------------------------------------ CLI


def test_cli_writes_refuses_to_overwrite_and_forces(tmp_path: Path) -> None:
    runner = CliRunner()
    src = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
    out = tmp_path / "serial_dilution.py"
    result = runner.invoke(export_app, [str(src), "--to", "opentrons", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == export_opentrons(load_protocol(src))
    out.write_text("# keep me\n")
    result = runner.invoke(export_app, [str(src), "--to", "opentrons", "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text() == "# keep me\n"
    result = runner.invoke(export_app, [str(src), "--to", "opentrons", "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert out.read_text().startswith('"""Serial dilution of a dye standard')


def test_cli_prints_to_stdout_without_output() -> None:
    result = CliRunner().invoke(export_app, [str(ROOT / "examples" / "protocols" / "serial_dilution.yaml")])
    assert result.exit_code == 0
    assert "def run(protocol: protocol_api.ProtocolContext) -> None:" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["missing.yaml"], 2),
        (["{example}", "--to", "hamilton"], 2),
        (["{py}"], 2),
        (["{faulty}"], 1),
    ],
)
def test_cli_exit_codes(tmp_path: Path, args: list[str], code: int) -> None:
    faulty = tmp_path / "faulty.yaml"
    doc = copy.deepcopy(OT2_OPTIONS)
    doc["labware"] = [lw for lw in doc["labware"] if lw["id"] != "custom"]
    doc["steps"] = [
        {"op": "transfer", "pipette": "p300", "volume": "400 uL", "source": "plate:A1", "dest": "plate:A2"}
    ]
    doc["liquids"] = [{"id": "water", "name": "water", "initial_volumes": {"plate:A1": "300 uL"}}]
    faulty.write_text(json.dumps(doc))
    py = tmp_path / "protocol.py"
    py.write_text("requirements = {}\n")
    example = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
    argv = [x.format(example=example, py=py, faulty=faulty) for x in args]
    out = tmp_path / "out.py"
    result = CliRunner().invoke(export_app, [*argv, "-o", str(out)])
    assert result.exit_code == code, result.output
    assert not out.exists()


def test_exported_file_passes_the_opentrons_simulate_command(tmp_path: Path) -> None:
    """The user's check: `opentrons_simulate FILE` (a separate process) exits 0."""
    exe = Path(sys.executable).with_name("opentrons_simulate")
    assert exe.exists()
    path = tmp_path / "pcr.py"
    path.write_text(export_opentrons(load_protocol(ROOT / "examples" / "protocols" / "pcr_master_mix.yaml")))
    done = subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Distributing 20.0 from A1 of" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_python_file_passes_opentrons_simulate(path: Path) -> None:
    exe = Path(sys.executable).with_name("opentrons_simulate")
    done = subprocess.run(
        [str(exe), str(path.with_suffix(".py"))], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]


# ----------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_round_trip_import_of_the_export_verifies_to_the_same_findings(path: Path, tmp_path: Path) -> None:
    from labwright.verifiers.opentrons_python import verify_opentrons_python

    protocol = load_protocol(path)
    exported = tmp_path / f"{path.stem}.py"
    exported.write_text(export_opentrons(protocol))
    options = VerifyOptions(certify=False)
    original = verify(protocol, options)
    imported = verify_opentrons_python(exported, options)

    def significant(findings: list[Any]) -> list[tuple[str, str]]:
        return sorted((f.code, f.severity.value) for f in findings if f.severity is not Severity.INFO)

    assert imported.ok == original.ok
    assert significant(imported.findings) == significant(original.findings)


# ---------------------------------------------------------------------------- nozzle layouts

_TIPS = {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"}
_PCR = {"id": "pcr", "load_name": "nest_96_wellplate_100ul_pcr_full_skirt", "slot": "2"}
_RES = {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "3"}

OT2_NOZZLES: dict[str, Any] = {
    "labwright": "labwright/1",
    "metadata": {"name": "partial tip pickup, OT-2 8-channel", "robot": "ot2"},
    "labware": [_TIPS, _PCR, _RES],
    "pipettes": [{"id": "m300", "model": "p300_multi_gen2", "mount": "left", "tip_racks": ["tips"]}],
    "liquids": [{"id": "buffer", "name": "water", "initial_volumes": {"res:A1": "10 mL"}}],
    "steps": [
        {"op": "configure_nozzles", "pipette": "m300", "layout": "single", "start": "H1"},
        {"op": "pick_up_tip", "pipette": "m300"},
        {"op": "aspirate", "pipette": "m300", "volume": "30 uL", "location": "res:A1"},
        {"op": "dispense", "pipette": "m300", "volume": "30 uL", "location": "pcr:H5"},
        {"op": "drop_tip", "pipette": "m300"},
        {
            "op": "configure_nozzles",
            "pipette": "m300",
            "layout": "partial_column",
            "start": "H1",
            "end": "D1",
        },
        {
            "op": "transfer",
            "pipette": "m300",
            "volume": "20 uL",
            "source": "res:A1",
            "dest": ["pcr:E3", "pcr:E4"],
            "new_tip": "always",
        },
        {"op": "configure_nozzles", "pipette": "m300", "layout": "all"},
        {"op": "transfer", "pipette": "m300", "volume": "20 uL", "source": "res:A1", "dest": "pcr:A6"},
    ],
}

FLEX_96_NOZZLES: dict[str, Any] = {
    "labwright": "labwright/1",
    "metadata": {"name": "partial tip pickup, Flex 96-channel", "robot": "flex"},
    "labware": [
        {"id": "tips", "load_name": "opentrons_flex_96_tiprack_1000ul", "slot": "C3"},
        {"id": "rowtips", "load_name": "opentrons_flex_96_tiprack_1000ul", "slot": "D1"},
        {"id": "plate", "load_name": "nest_96_wellplate_2ml_deep", "slot": "C2"},
        {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "D2"},
    ],
    "pipettes": [
        {"id": "p96", "model": "flex_96channel_1000", "mount": "left", "tip_racks": ["tips", "rowtips"]}
    ],
    "liquids": [
        {"id": "buffer", "name": "water", "initial_volumes": {"res:*": "10 mL"}},
        {"id": "lysate", "name": "cell lysate", "initial_volumes": {"plate:*": "500 uL"}},
    ],
    "steps": [
        {"op": "configure_nozzles", "pipette": "p96", "layout": "column", "start": "A12"},
        {"op": "pick_up_tip", "pipette": "p96"},
        {"op": "aspirate", "pipette": "p96", "volume": "200 uL", "location": "res:A12"},
        {"op": "dispense", "pipette": "p96", "volume": "200 uL", "location": "plate:A1"},
        {"op": "drop_tip", "pipette": "p96"},
        {"op": "configure_nozzles", "pipette": "p96", "layout": "single", "start": "H12"},
        {"op": "pick_up_tip", "pipette": "p96"},
        {"op": "aspirate", "pipette": "p96", "volume": "100 uL", "location": "res:A12"},
        {"op": "dispense", "pipette": "p96", "volume": "100 uL", "location": "plate:D7"},
        {"op": "drop_tip", "pipette": "p96"},
        {"op": "configure_nozzles", "pipette": "p96", "layout": "row", "start": "H1"},
        {"op": "pick_up_tip", "pipette": "p96"},
        {"op": "aspirate", "pipette": "p96", "volume": "50 uL", "location": "plate:A1"},
        {"op": "dispense", "pipette": "p96", "volume": "50 uL", "location": "plate:C1"},
        {"op": "drop_tip", "pipette": "p96"},
    ],
}


@pytest.mark.parametrize("doc", [OT2_NOZZLES, FLEX_96_NOZZLES], ids=["ot2-8-channel", "flex-96-channel"])
def test_nozzle_layouts_run_in_the_simulator_as_the_twin_replays_them(doc: dict[str, Any]) -> None:
    """The exported ``configure_nozzle_layout`` calls make Opentrons 9.0.0 pick the tips the
    twin picked (automatic next tips of partial layouts included) and pipette where it did."""
    protocol = _protocol(doc)
    text = export_opentrons(protocol)
    assert "configure_nozzle_layout(" in text and "tip_racks=[tips" in text
    ops = check_in_simulator(protocol)
    assert sum(op[0] == "pick_up_tip" for op in ops) >= 3


def test_nozzle_layouts_survive_the_round_trip_through_the_simulator(tmp_path: Path) -> None:
    from labwright.simulators.opentrons_interop.importer import import_opentrons_python

    protocol = _protocol(OT2_NOZZLES)
    path = tmp_path / "nozzles.py"
    path.write_text(export_opentrons(protocol))
    result = import_opentrons_python(path)
    assert result.protocol is not None and not result.rejected
    layouts = [s for s in result.protocol.steps if isinstance(s, m.ConfigureNozzles)]
    assert [(s.layout.value, s.start, s.end) for s in layouts] == [
        ("single", "H1", None),
        ("partial_column", "H1", "D1"),
        ("all", None, None),
    ]
    report = verify(result.protocol, VerifyOptions(certify=False, safety=False))
    assert report.ok, [f.message for f in report.findings if f.severity is Severity.ERROR]
