"""A pause that declares what the operator does survives export to Opentrons Python and import
back through the real Opentrons 9.0.0 analysis: replaced tip racks (``rack.reset()`` after the
pause, read back from the trashed tips picked up again), refills and emptied wells (written in
the pause message, read back to the imported labware ids)."""

from __future__ import annotations

from pathlib import Path

from labwright.protocols import models as m
from labwright.protocols import parse_protocol
from labwright.simulators.opentrons_interop.export import export_opentrons
from labwright.simulators.opentrons_interop.importer import import_opentrons_python
from labwright.simulators.opentrons_interop.pause_text import decode_pause_message, encode_pause_message
from labwright.verifiers.verifier import VerifyOptions, verify

DOC = {
    "labwright": "labwright/1",
    "metadata": {"name": "pause round trip", "robot": "ot2"},
    "labware": [
        {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
        {"id": "res", "load_name": "nest_12_reservoir_15ml", "slot": "2"},
        {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "3"},
    ],
    "pipettes": [{"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
    "liquids": [{"id": "water", "name": "water", "initial_volumes": {"res:A1": "300 uL"}}],
    "steps": [
        {"op": "transfer", "pipette": "p", "volume": "250 uL", "source": "res:A1", "dest": "res:A12"},
        {
            "op": "pause",
            "message": "new tips, more water, empty the waste",
            "replace_tipracks": ["tips"],
            "refill": {"res:A1": "1 mL"},
            "empty": ["res:A12"],
        },
        {"op": "transfer", "pipette": "p", "volume": "250 uL", "source": "res:A1", "dest": "plate:A1"},
    ],
}


def test_pause_message_codec_reads_back_what_it_writes() -> None:
    text = encode_pause_message("Refill", {"res@2:A1..H1": 1500.25}, ["waste@5:A1"])
    assert text == "Refill [operator: refill res@2:A1..H1 = 1500.25 uL; empty waste@5:A1]"
    assert decode_pause_message(text) == ("Refill", {"res@2:A1..H1": 1500.25}, ["waste@5:A1"])
    plain = "Remove the seal [then press resume]"
    assert decode_pause_message(plain) == (plain, {}, [])


def test_declared_pause_exports_and_imports_back(tmp_path: Path) -> None:
    protocol = parse_protocol(DOC)
    assert verify(protocol, VerifyOptions(certify=False, safety=False)).ok
    text = export_opentrons(protocol)
    assert "tips.reset()" in text and "[operator: refill res@2:A1 = 1000 uL; empty res@2:A12]" in text
    path = tmp_path / "pause_round_trip.py"
    path.write_text(text)
    result = import_opentrons_python(path, [])
    assert result.protocol is not None
    [pause] = [s for s in result.protocol.steps if isinstance(s, m.Pause)]
    ids = {lw.load_name: lw.id for lw in result.protocol.labware}
    res, tips = ids["nest_12_reservoir_15ml"], ids["opentrons_96_tiprack_300ul"]
    assert pause.message == "new tips, more water, empty the waste"
    assert pause.refill_ul == {f"{res}:A1": 1000.0}
    assert pause.empty == [f"{res}:A12"]
    assert pause.replace_tipracks == [tips]
    assert any(f.code == "IMPORT_TIPRACK_REPLACED_AT_PAUSE" for f in result.issues)
    report = verify(result.protocol, VerifyOptions(certify=False, safety=False))
    assert [f for f in report.findings if f.severity.value != "info"] == []
