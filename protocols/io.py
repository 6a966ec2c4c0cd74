"""Reading, writing and identifying protocols.

* ``read_document(path)`` -> the raw mapping of a YAML/JSON file (``UnusableInputError`` if the
  file is missing or is not a mapping).
* ``parse_protocol(doc)`` -> ``Protocol`` (raises pydantic's ``ValidationError``; the verifier's
  schema pass turns those into findings).
* ``canonical_json(protocol)`` / ``protocol_sha256(protocol)``: the identity of a protocol: every
  field, sorted keys, normalised numbers, UTF-8, no whitespace.
* ``dump_yaml`` / ``dump_json``: loss-free text forms (defaults omitted for readability).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import yaml
from labwright.protocols.documents import parse_json, parse_yaml, read_text_file
from labwright.protocols.errors import UnusableInputError
from labwright.protocols.json_schema import add_unit_aliases
from labwright.protocols.models import UNIT_ALIASES, Protocol

PROTOCOL_SUFFIXES = {".yaml", ".yml", ".json"}
MAX_STEPS = 200_000  # documented in the README ("Limits on input")


def read_document(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    text = read_text_file(path, what="protocol file")
    return parse_document_text(text, source=str(path), json_only=path.suffix.lower() == ".json")


def parse_document_text(text: str, *, source: str = "<text>", json_only: bool = False) -> dict[str, Any]:
    """A protocol document from YAML/JSON text, within the limits of ``labwright.protocols.documents``."""
    doc = parse_json(text, source=source) if json_only else parse_yaml(text, source=source)
    return check_document(doc, source=source)


def check_document(doc: Any, *, source: str = "<text>") -> dict[str, Any]:
    """``doc`` (already parsed) if it can be a labwright protocol document; ``UnusableInputError``
    otherwise (not a mapping, none of the protocol's keys, too many steps)."""
    if not isinstance(doc, dict):
        raise UnusableInputError(
            f"{source}: a protocol is a mapping with metadata, labware, pipettes and steps; "
            f"this file holds a {type(doc).__name__}",
            hint="see examples/protocols/ for the shape of a protocol",
        )
    if "metadata" not in doc and "steps" not in doc and "labwright" not in doc:
        raise UnusableInputError(
            f"{source}: not a labwright protocol (no 'labwright', 'metadata' or 'steps' key)",
            hint="start the file with `labwright: labwright/1` and a `metadata:` block",
        )
    steps = doc.get("steps")
    if isinstance(steps, list) and len(steps) > MAX_STEPS:
        raise UnusableInputError(
            f"{source}: {len(steps):,} steps, over the limit of {MAX_STEPS:,}",
            hint="split the protocol into several runs",
        )
    return doc


def parse_protocol(doc: dict[str, Any]) -> Protocol:
    return Protocol.model_validate(doc)


def load_protocol(path: str | Path) -> Protocol:
    """Read and parse; raises ``UnusableInputError`` or pydantic's ``ValidationError``."""
    return parse_protocol(read_document(path))


_PLAIN = (str, int, bool, type(None))  # exact types that normalise to themselves


def _normalise(value: Any) -> Any:
    if type(value) is dict:
        # the common case, unrolled: a plain value is kept without a call per value
        return {
            (k if type(k) is str else str(k)): (v if type(v) in _PLAIN else _normalise(v))
            for k, v in value.items()
        }
    if type(value) is list:
        return [v if type(v) in _PLAIN else _normalise(v) for v in value]
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
            return int(value)
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def to_document(protocol: Protocol, *, exclude_defaults: bool = False) -> dict[str, Any]:
    doc = protocol.model_dump(mode="json", by_alias=True, exclude_defaults=exclude_defaults)
    if exclude_defaults:
        # `op` is the discriminator: it must stay even though each step class defaults it
        doc["steps"] = [{"op": s.op, **d} for s, d in zip(protocol.steps, doc.get("steps", []), strict=True)]
        doc = {"labwright": protocol.schema_version, **doc}
    return _normalise(doc)


def canonical_json(protocol: Protocol) -> str:
    return json.dumps(to_document(protocol), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def protocol_sha256(protocol: Protocol) -> str:
    return hashlib.sha256(canonical_json(protocol).encode("utf-8")).hexdigest()


def dump_json(protocol: Protocol) -> str:
    return json.dumps(to_document(protocol, exclude_defaults=True), indent=2, ensure_ascii=False) + "\n"


def dump_yaml(protocol: Protocol) -> str:
    return yaml.safe_dump(
        to_document(protocol, exclude_defaults=True), sort_keys=False, allow_unicode=True, width=100
    )


def json_schema() -> dict[str, Any]:
    schema = add_unit_aliases(
        Protocol.model_json_schema(by_alias=True, mode="validation"), UNIT_ALIASES
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "labwright protocol (labwright/1)"
    return schema
