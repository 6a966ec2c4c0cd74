"""labwright.protocols: the protocol language (data and parsing only)."""

from labwright.protocols.io import (
    canonical_json,
    dump_json,
    dump_yaml,
    json_schema,
    load_protocol,
    parse_protocol,
    protocol_sha256,
    read_document,
)
from labwright.protocols.locations import TRASH, WellRef, parse_location
from labwright.protocols.models import Protocol

__all__ = [
    "TRASH",
    "Protocol",
    "WellRef",
    "canonical_json",
    "dump_json",
    "dump_yaml",
    "json_schema",
    "load_protocol",
    "parse_location",
    "parse_protocol",
    "protocol_sha256",
    "read_document",
]
