"""Locations are ``labware_id:WELL`` strings (``plate:A1``), parsed into typed references.

``trash`` names the robot's fixed trash (OT-2 slot 12; Flex trash bin) for tips and blow-outs.
"""

from __future__ import annotations

import re
from typing import NamedTuple

LOCATION_RE = re.compile(r"^(?P<labware>[A-Za-z_][A-Za-z0-9_\-]*):(?P<well>[A-Z]{1,2}[0-9]{1,3})$")
TRASH = "trash"


class WellRef(NamedTuple):
    labware: str
    well: str

    def __str__(self) -> str:
        return f"{self.labware}:{self.well}"


def parse_location(text: str) -> WellRef:
    """``"plate:A1"`` -> ``WellRef("plate", "A1")``; raises ValueError on anything else."""
    m = LOCATION_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a location; write LABWARE_ID:WELL, e.g. 'plate:A1'")
    return WellRef(m["labware"], m["well"])


def well_row_col(well: str) -> tuple[str, int]:
    m = re.match(r"^([A-Z]+)(\d+)$", well)
    if not m:
        raise ValueError(f"{well!r} is not a well name such as 'A1'")
    return m.group(1), int(m.group(2))
