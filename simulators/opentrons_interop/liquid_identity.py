"""A liquid's identity inside an Opentrons ``define_liquid`` description: written and read here.

Opentrons liquids have a name, a description and a colour only. labwright's export writes the
rest of a liquid's identity (its labwright id, SMILES, CAS number, concentration) into the
description as ``key: value`` fields after the free text, separated by ``"; "``::

    "ELISA stop solution; id: stop; cas: 7664-93-9; concentration: 0.16 M"

and the import reads them back, so that importing an export gives back the same liquid.
``IDENTITY_KEYS`` is the one list of those keys, in the order they are written.
"""

from __future__ import annotations

import re

IDENTITY_KEYS = ("id", "smiles", "cas", "concentration")
SEPARATOR = "; "

_FIELD = re.compile(
    r"^\s*(" + "|".join(IDENTITY_KEYS) + r")\s*:\s*(\S.*?)\s*$",
    flags=re.IGNORECASE,
)


def encode_liquid_identity(description: str | None, fields: dict[str, str | None]) -> str:
    """The ``define_liquid`` description: the free text, then each identity field that has a
    value (``id`` always first), as ``"text; id: x; smiles: ...; cas: ...; concentration: ..."``."""
    parts = [description] if description else []
    for key in IDENTITY_KEYS:
        value = fields.get(key)
        if value:
            parts.append(f"{key}: {value}")
    return SEPARATOR.join(parts)


def decode_liquid_identity(description: str) -> tuple[str, dict[str, str]]:
    """Split ``"ELISA stop solution; id: stop; cas: 7664-93-9; concentration: 0.16 M"`` into
    the free text and the identity fields (keys of ``IDENTITY_KEYS``; the first of each wins)."""
    text: list[str] = []
    fields: dict[str, str] = {}
    for part in description.split(";"):
        m = _FIELD.match(part)
        if m and m.group(1).lower() not in fields:
            fields[m.group(1).lower()] = m.group(2)
        elif part.strip():
            text.append(part.strip())
    return SEPARATOR.join(text), fields
