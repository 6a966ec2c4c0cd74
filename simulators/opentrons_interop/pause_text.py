"""What a labwright ``pause`` declares the operator does, inside an Opentrons pause message.

Opentrons' ``protocol.pause(msg)`` has a message only. The export writes a pause's refills and
emptied wells after the message, for the operator to read and for the import to read back::

    "Refill the ethanol [operator: refill res:A1 = 15000 uL, res:A2 = 500 uL; empty waste:A1]"

(replaced tip racks need no text: the export calls ``rack.reset()`` after the pause, and the
import reads a trashed tip picked up again after a pause as a replaced rack).
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r"\s*\[operator:\s*(?P<body>[^\[\]]*)\]\s*$")
_REFILL = re.compile(r"^\s*(?P<spec>[^=,;\s]+)\s*=\s*(?P<ul>[0-9.eE+-]+)\s*uL\s*$")


def _num(value: float) -> str:
    return f"{value:.12g}"


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
