"""Opentrons' own snapshot-test protocols through the real Opentrons 9.0.0 analysis and every
verifier pass: the false alarms about channels, tip racks and well bottoms are gone, and the
real faults in the same corpus stay errors.

The corpus (``../shared/corpora/opentrons-analyses/``, Apache-2.0) is read in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from labwright.protocols.findings import Severity
from labwright.verifiers.opentrons_python import verify_opentrons_python
from labwright.verifiers.verifier import Report, VerifyOptions

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "opentrons-analyses"
PROTOCOLS = CORPUS / "protocols"

pytestmark = pytest.mark.skipif(
    not PROTOCOLS.is_dir(), reason=f"the Opentrons analysis corpus is not at {CORPUS.resolve()}"
)

_REPORTS: dict[str, Report] = {}


def report(name: str) -> Report:
    if name not in _REPORTS:
        _REPORTS[name] = verify_opentrons_python(PROTOCOLS / name, VerifyOptions(certify=False))
    return _REPORTS[name]


def codes(rep: Report, severity: Severity) -> set[str]:
    return {f.code for f in rep.findings if f.severity is severity}


def error_lines(rep: Report, code: str) -> list[Any]:
    return [f.data.get("line") for f in rep.findings if f.code == code and f.severity is Severity.ERROR]


@pytest.mark.parametrize(
    "name",
    [
        # configure_nozzle_layout(SINGLE, start="H1") on an OT-2 8-channel
        "OT2_S_v2_20_8_None_SINGLE_HappyPath.py",
        # the 96-channel in a COLUMN layout (primary A12), then ALL
        "Flex_S_v2_16_P1000_96_TC_PartialTipPickupColumn.py",
        # blow_out() right after pick_up_tip(): air over the tip rack, the tip is empty
        "Flex_S_v2_20_P50_touch_tip_directly.py",
    ],
)
def test_partial_layouts_and_empty_blow_outs_validate_with_no_errors(name: str) -> None:
    assert codes(report(name), Severity.ERROR) == set()


def test_96_channel_in_a_12_well_reservoir_has_every_tip_over_a_well() -> None:
    """Flex_S_v2_20_96_LLD lines 78-79: the 96-channel at A1 of a 12-well reservoir; the engine
    centres its first nozzle column on A1, so the other eleven columns go into A2..A12."""
    rep = report("Flex_S_v2_20_96_LLD.py")
    assert "LOCATION_CHANNELS_OFF_LABWARE" not in codes(rep, Severity.ERROR)


def test_partial_column_overhang_stays_an_error_where_the_protocol_says_it_collides() -> None:
    """The protocol's own comments: five tips from H1, the front nozzle at A1 leaves four tips
    over slot B2, "a collision will occur" (line 89), and E1 "is safe" (line 97)."""
    rep = report("Flex_S_v2_20_8_PARTIAL_COLUMN_Overhang.py")
    lines = error_lines(rep, "LOCATION_CHANNELS_OFF_LABWARE")
    assert 89 in lines and 97 not in lines
    first = next(f for f in rep.findings if f.code == "LOCATION_CHANNELS_OFF_LABWARE")
    assert "4 of the 5 tips" in first.message


def test_a_quarter_millimetre_below_the_bottom_and_a_p10_with_p20_tips_are_warnings() -> None:
    """OT2_S_v2_11 Swift line 191: ``bottom(-0.25)``; line 21: p10_single with 20 uL tips, which
    the P20 GEN2 that Opentrons runs as a p10_single takes."""
    rep = report("OT2_S_v2_11_P10S_P300M_MM_TC1_TM_Swift.py")
    errors = codes(rep, Severity.ERROR)
    assert not errors & {"LOCATION_BELOW_BOTTOM", "PIPETTE_TIPRACK_INCOMPATIBLE"}
    assert {"LOCATION_AT_BOTTOM", "PIPETTE_TIPRACK_OLDER_MODEL"} <= codes(rep, Severity.WARNING)
    touch = next(f for f in rep.findings if f.code == "LOCATION_AT_BOTTOM")
    assert touch.data["line"] == 191


@pytest.mark.slow
def test_a_p300_picking_from_a_20_ul_rack_stays_an_error() -> None:
    """OT2_S_v2_4 Zymo line 116: a 20 uL tip rack is the first rack of the P300 8-channel, which
    picks its first tips there (line 184) and then draws hundreds of uL."""
    rep = report("OT2_S_v2_4_P300M_None_MM_TM_Zymo.py")
    assert "PIPETTE_TIPRACK_INCOMPATIBLE" in codes(rep, Severity.ERROR)
