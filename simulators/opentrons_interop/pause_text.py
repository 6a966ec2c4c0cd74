"""What a labwright ``pause`` declares the operator does, inside an Opentrons pause message.

Opentrons' ``protocol.pause(msg)`` has a message only. The export writes a pause's refills and
emptied wells after the message, for the operator to read and for the import to read back::

    "Refill the ethanol [operator: refill res@3:A1 = 15000 uL; empty waste@5:A1]"

Wells are written as in ``initial_volumes`` with the labware's deck slot after its id
(``res@3:A1``, ``res@3:A1..H1``, ``res@3:*``): an import names labware after their slots, and
reads the slot back to its own id (``respecify``). Replaced tip racks need no text: the export
calls ``rack.reset()`` after the pause, and the import reads a trashed tip picked up again after
a pause as a replaced rack.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BLOCK = re.compile(r"\s*\[operator:\s*(?P<body>[^\[\]]*)\]\s*$")
_REFILL = re.compile(r"^\s*(?P<spec>[^=,;\s]+)\s*=\s*(?P<ul>[0-9.eE+-]+)\s*uL\s*$")


def _num(value: float) -> str:
    return f"{value:.12g}"


def with_slot(spec: str, slot: str | None) -> str:
    """``lw:A1`` -> ``lw@SLOT:A1`` (the spec as written when the slot is unknown)."""
    lw, sep, wells = spec.partition(":")
    return f"{lw}@{slot}:{wells}" if sep and slot else spec


def respecify(spec: str, id_at_slot: Callable[[str], str | None]) -> str:
    """``lw@SLOT:A1`` -> ``ID:A1`` with the id of the labware at that slot (as written if none)."""
    lw, sep, wells = spec.partition(":")
    name, at, slot = lw.partition("@")
    if not (sep and at):
        return spec
    return f"{id_at_slot(slot) or name}:{wells}"


def encode_pause_message(message: str, refill_ul: dict[str, float], empty: list[str]) -> str:
    """The pause message with the operator's refills and emptied wells appended (if any)."""
    parts = []
    if refill_ul:
        parts.append("refill " + ", ".join(f"{spec} = {_num(v)} uL" for spec, v in refill_ul.items()))
    if empty:
        parts.append("empty " + ", ".join(empty))
    if not parts:
        return message
    block = f"[operator: {'; '.join(parts)}]"
    return f"{message} {block}" if message else block


def decode_pause_message(text: str) -> tuple[str, dict[str, float], list[str]]:
    """(message, refill, empty) from a message written by ``encode_pause_message``; any other
    message comes back as it is, with nothing declared."""
    m = _BLOCK.search(text)
    if m is None:
        return text, {}, []
    refill: dict[str, float] = {}
    empty: list[str] = []
    for part in m.group("body").split(";"):
        kind, _, rest = part.strip().partition(" ")
        items = [item for item in rest.split(",") if item.strip()]
        if kind == "refill":
            for item in items:
                r = _REFILL.match(item)
                if r is None:
                    return text, {}, []
                refill[r.group("spec")] = float(r.group("ul"))
        elif kind == "empty":
            empty.extend(item.strip() for item in items)
        else:
            return text, {}, []
    return text[: m.start()], refill, empty
