"""Which kind of protocol a file holds is told by its content: Protocol Designer JSON (schema
v3-v8) from labwright JSON, whatever the files are called; unsupported or malformed PD files are
refused with a message naming the problem. Real PD files of Opentrons' corpus, read in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.opentrons_interop.sources import SourceKind, read_protocol_file

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
EXAMPLE = ROOT / "examples" / "protocols" / "serial_dilution.yaml"
PD_FILES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the public Opentrons corpus is not at {CORPUS} (../shared is absent)"
)


@needs_corpus
def test_the_corpus_holds_thirteen_pd_files_of_schema_3_to_8() -> None:
    versions = sorted({read_protocol_file(p).schema_version for p in PD_FILES})
    assert len(PD_FILES) == 13 and versions == [3, 4, 6, 8]
    assert all(read_protocol_file(p).kind is SourceKind.OPENTRONS_JSON for p in PD_FILES)


@needs_corpus
def test_a_pd_file_is_pd_whatever_its_name(tmp_path: Path) -> None:
    source = CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json"
    for name in ("protocol.json", "looks_like_labwright.yaml", "no_suffix"):
        copy = tmp_path / name
        copy.write_bytes(source.read_bytes())
        found = read_protocol_file(copy)
        assert (found.kind, found.schema_version, found.document) == (SourceKind.OPENTRONS_JSON, 6, None)


def test_labwright_json_and_yaml_stay_labwright(tmp_path: Path) -> None:
    from labwright.protocols import read_document

    doc = read_document(EXAMPLE)
    as_json = tmp_path / "serial_dilution.json"
    as_json.write_text(json.dumps(doc))
    for path in (EXAMPLE, as_json):
        found = read_protocol_file(path)
        assert found.kind is SourceKind.LABWRIGHT and found.document == doc
    assert read_protocol_file(EXAMPLE.with_suffix(".py")).kind is SourceKind.OPENTRONS_PYTHON


def _pd(tmp_path: Path, change: dict, drop: tuple[str, ...] = ()) -> Path:
    doc = json.loads((CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json").read_text())
    doc.update(change)
    for key in drop:
        doc.pop(key, None)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    return path


@needs_corpus
@pytest.mark.parametrize(
    ("change", "drop", "words"),
    [
        ({"schemaVersion": 9, "$otSharedSchema": "#/protocol/schemas/9"}, (), "schema v9, newer than"),
        ({"schemaVersion": 2, "$otSharedSchema": "#/protocol/schemas/2"}, (), "schema v2, no longer read"),
        ({"protocol-schema": "1.0.0"}, ("schemaVersion", "$otSharedSchema"), "schema v1, no longer read"),
        ({"schemaVersion": "6"}, (), "'schemaVersion' is '6', not an integer"),
        ({"schemaVersion": 7}, (), "schemaVersion 7 but $otSharedSchema '#/protocol/schemas/6'"),
        ({"robot": {"model": "OT-4"}}, (), "'robot.model' is 'OT-4'"),
        ({"commands": {}}, (), "'commands' is not a list"),
        ({}, ("metadata",), "no 'metadata' object"),
    ],
)
def test_unsupported_or_malformed_pd_files_are_refused(
    tmp_path: Path, change: dict, drop: tuple[str, ...], words: str
) -> None:
    with pytest.raises(UnusableInputError) as info:
        read_protocol_file(_pd(tmp_path, change, drop))
    assert words in info.value.message and "edited.json" in info.value.message
    assert info.value.hint


def test_a_labware_definition_is_not_taken_for_a_protocol(tmp_path: Path) -> None:
    from opentrons_shared_data.labware import load_definition

    path = tmp_path / "plate.json"
    path.write_text(json.dumps(load_definition("corning_96_wellplate_360ul_flat", 2)))
    with pytest.raises(UnusableInputError, match="labware definition, not a protocol") as info:
        read_protocol_file(path)
    assert "-L" in info.value.hint


def test_broken_json_is_reported_as_such(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schemaVersion": 6, "commands": [')
    with pytest.raises(UnusableInputError, match="not valid JSON"):
        read_protocol_file(path)
