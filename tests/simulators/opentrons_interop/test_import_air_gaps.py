"""Air gaps, so that an import of labwright's own export gives the protocol back.

``air_gap()`` is an air gap at every API level: up to apiLevel 2.21 Opentrons implements it as a
``moveToWell`` above the top and an ``aspirate`` at that spot (what labwright's export, at 2.20,
writes; below 2.14, on the legacy core, an aspirate the run log shows inside an AIR_GAP), from
2.22 as ``moveToWell`` + ``airGapInPlace``; the height is the move's. An aspirate written by hand
above a well stays an aspirate.

Real analyses of small protocols written here."""

from __future__ import annotations

from pathlib import Path

import pytest
from labwright.simulators.opentrons_interop.importer import import_opentrons_python

OT2 = """
metadata = {{"apiLevel": "{api}"}}
requirements = {{"robotType": "OT-2"}}


def run(protocol):
    tips = protocol.load_labware("opentrons_96_tiprack_300ul", "1")
    plate = protocol.load_labware("corning_96_wellplate_360ul_flat", "2")
    p300 = protocol.load_instrument("p300_single_gen2", "right", tip_racks=[tips])
    p300.pick_up_tip()
    p300.aspirate(50, plate["A1"])
    p300.air_gap(20, height=3)
    p300.dispense(70, plate["A2"])
    p300.aspirate(10, plate["A3"].top(4))
    p300.dispense(10, plate["A4"])
    p300.drop_tip()
"""


@pytest.mark.parametrize("api", ["2.13", "2.20", "2.21", "2.22", "2.28"])
def test_air_gaps_are_air_gaps_and_hand_written_aspirates_stay(tmp_path: Path, api: str) -> None:
    path = tmp_path / "air.py"
    path.write_text(OT2.format(api=api))
    result = import_opentrons_python(path)
    assert result.protocol is not None and not result.rejected
    steps = [
        (s.op, s.volume_ul, getattr(s, "height_mm", None), getattr(s, "position", None))
        for s in result.protocol.steps
        if s.op in ("aspirate", "air_gap")
    ]
    assert steps == [
        ("aspirate", 50, None, "bottom"),
        ("air_gap", 20, 3, None),
        ("aspirate", 10, None, "top"),
    ]
