"""What a protocol file holds, told by its content: a labwright protocol, an Opentrons Python
protocol, or an Opentrons Protocol Designer (PD) JSON protocol.

    source = read_protocol_file(Path("my_protocol.json"))
    source.kind            # SourceKind.LABWRIGHT | OPENTRONS_PYTHON | OPENTRONS_JSON
    source.document        # the labwright document (read once, within the input limits)
    source.schema_version  # a PD file's schemaVersion (3 to 8)

A ``.py`` file is Python. Any other file is read (within the limits of
``labwright.protocols.documents``); a JSON object that carries a PD protocol's marks is a PD
protocol, whatever the file is called, and everything else is a labwright protocol document.
The marks are Opentrons' own: ``$otSharedSchema: "#/protocol/schemas/N"`` (written by Protocol
Designer since schema v4), or ``schemaVersion`` together with ``commands`` (the two keys every
JSON protocol schema since v3 requires, which Opentrons' protocol reader tests), or the
``protocol-schema`` key of the v1/v2 files. A labwright document has neither ``commands`` nor
``schemaVersion``, so the two cannot be confused.

Opentrons 9.0.0 reads PD schemas v3 to v8 (v3-v5 run on the Python API's legacy core at
apiLevel 2.8, v6-v8 on the protocol engine). A PD file of another schema, or one whose header
(``metadata``, ``robot.model``, ``commands``) is not what every schema requires, is refused here
with a message naming the problem; the full schema check is Opentrons' own, in the analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from labwright.protocols.documents import parse_json, read_text_file
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.io import check_document, parse_document_text

PD_SCHEMA_VERSIONS = range(3, 9)  # what Opentrons 9.0.0 reads (shared-data protocol schemas 3-8)
ROBOT_MODELS = ("OT-2 Standard", "OT-3 Standard")
_SHARED_SCHEMA = re.compile(r"^#/protocol/schemas/(\d+)$")
_PD_HINT = "open the file in Protocol Designer and save it again (PD writes schema v8), then retry"


class SourceKind(StrEnum):
    LABWRIGHT = "labwright"
    OPENTRONS_PYTHON = "opentrons-python"
    OPENTRONS_JSON = "opentrons-json"


@dataclass(frozen=True)
class ProtocolFile:
    """A protocol file, identified: its kind and, for a labwright protocol, its document."""

    path: Path
    kind: SourceKind
    document: dict[str, Any] | None = None
    schema_version: int | None = None

    @property
    def is_opentrons(self) -> bool:
        return self.kind is not SourceKind.LABWRIGHT


def read_protocol_file(path: str | Path) -> ProtocolFile:
    """Identify ``path`` by its content (see the module docstring); raises ``UnusableInputError``
    for a file that is none of the three, or a PD file Opentrons 9.0.0 cannot read."""
    path = Path(path)
    if path.suffix.lower() == ".py":
        return ProtocolFile(path, SourceKind.OPENTRONS_PYTHON)
    text = read_text_file(path, what="protocol file")
    json_only = path.suffix.lower() == ".json"
    if json_only or text.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            doc = parse_json(text, source=str(path))
        except UnusableInputError:
            if json_only:
                raise
        else:
            if isinstance(doc, dict) and is_pd_json(doc):
                version = check_pd_json(doc, str(path))
                return ProtocolFile(path, SourceKind.OPENTRONS_JSON, schema_version=version)
            if isinstance(doc, dict) and "ordering" in doc and "wells" in doc:  # Opentrons' own test
                raise UnusableInputError(
                    f"{path}: an Opentrons labware definition, not a protocol",
                    hint="pass labware definitions with -L (--custom-labware) beside the protocol",
                )
            return ProtocolFile(path, SourceKind.LABWRIGHT, document=check_document(doc, source=str(path)))
    doc = parse_document_text(text, source=str(path))
    return ProtocolFile(path, SourceKind.LABWRIGHT, document=doc)


def is_pd_json(doc: dict[str, Any]) -> bool:
    """The document carries a JSON protocol's marks (any schema version, supported or not)."""
    shared = doc.get("$otSharedSchema")
    if isinstance(shared, str) and shared.startswith("#/protocol/schemas/"):
        return True
    return ("schemaVersion" in doc and "commands" in doc) or "protocol-schema" in doc


def check_pd_json(doc: dict[str, Any], source: str) -> int:
    """The schema version of a PD document Opentrons 9.0.0 can read; ``UnusableInputError``
    naming the problem otherwise (an unsupported schema, a header every schema requires)."""
    version = _schema_version(doc, source)
    if version not in PD_SCHEMA_VERSIONS:
        newest = PD_SCHEMA_VERSIONS[-1]
        why = (
            "no longer read by Opentrons"
            if version < PD_SCHEMA_VERSIONS[0]
            else "newer than Opentrons 9.0.0 reads"
        )
        raise UnusableInputError(
            f"{source}: a Protocol Designer file of JSON schema v{version}, {why} "
            f"(Opentrons 9.0.0 reads schemas v{PD_SCHEMA_VERSIONS[0]} to v{newest})",
            hint=_PD_HINT
            if version < PD_SCHEMA_VERSIONS[0]
            else f"export the protocol from a Protocol Designer that writes schema v{newest} or older",
        )
    problems = []
    if not isinstance(doc.get("metadata"), dict):
        problems.append("no 'metadata' object")
    robot = doc.get("robot")
    model = robot.get("model") if isinstance(robot, dict) else None
    if model not in ROBOT_MODELS:
        problems.append(f"'robot.model' is {model!r}, not one of {', '.join(ROBOT_MODELS)}")
    if not isinstance(doc.get("commands"), list):
        problems.append("'commands' is not a list")
    if problems:
        raise UnusableInputError(
            f"{source}: not a valid Protocol Designer protocol (schema v{version}): {'; '.join(problems)}",
            hint=_PD_HINT,
        )
    return version


def _schema_version(doc: dict[str, Any], source: str) -> int:
    legacy = doc.get("protocol-schema")
    if "schemaVersion" not in doc and isinstance(legacy, str):
        major = legacy.split(".")[0]
        if major.isdigit():
            return int(major)
    version = doc.get("schemaVersion")
    if type(version) is int:
        shared = _SHARED_SCHEMA.match(str(doc.get("$otSharedSchema", f"#/protocol/schemas/{version}")))
        if shared is None or int(shared.group(1)) != version:
            raise UnusableInputError(
                f"{source}: not a valid Protocol Designer protocol: schemaVersion {version} but "
                f"$otSharedSchema {doc.get('$otSharedSchema')!r}",
                hint=_PD_HINT,
            )
        return version
    raise UnusableInputError(
        f"{source}: not a valid Protocol Designer protocol: 'schemaVersion' is {version!r}, not an integer",
        hint=_PD_HINT,
    )
