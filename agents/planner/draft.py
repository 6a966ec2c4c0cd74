"""The planner's working state: labware, reagents, liquids and abstract operations.

The compiler (``compile``) fills a ``Draft`` from the intents, intent by intent; the renderer
(``render``) then chooses the concrete Opentrons labware, pipettes, tip racks, slots and source
wells and writes the protocol document. Locations in operations are ``(labware id, well)`` pairs,
or a ``Reagent`` whose source well is chosen at rendering (a reservoir well, a tube, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# rows x columns of the standard plate formats (ANSI/SLAS footprint, definition order A1, B1, ...)
FORMATS = {6: (2, 3), 12: (3, 4), 24: (4, 6), 48: (6, 8), 96: (8, 12), 384: (16, 24)}


def well_names(n: int) -> list[str]:
    """Wells of an n-well format in Opentrons definition order (column by column)."""
    rows, cols = FORMATS[n]
    return [f"{chr(65 + r)}{c + 1}" for c in range(cols) for r in range(rows)]


@dataclass(frozen=True)
class Reagent:
    """A liquid drawn from a source the renderer places (reservoir well, tube)."""

    liquid: str


WASTE = Reagent("__waste__")
Loc = tuple[str, str] | Reagent


@dataclass
class Lab:
    id: str
    kind: str  # plate | deep_plate | pcr_plate | tube
    wells: int
    label: str  # what the chemist called it
    key: str = ""  # what identifies it in later sentences ("plate:96", "plate 2")
    need_ul: float = 0.0  # the most any well holds at any time
    module: str | None = None
    tube_ul: float | None = None


@dataclass
class LiquidDecl:
    id: str
    name: str
    concentration: str | None = None
    cas: str | None = None
    smiles: str | None = None
    known_as: str | None = None
    unknown: bool = False
    wells: dict[tuple[str, str], float] = field(default_factory=dict)  # declared contents
    multichannel: bool = False  # drawn by an 8-channel pipette: needs a trough


@dataclass
class ModuleDecl:
    id: str
    type: str  # temperature | heater_shaker | thermocycler


@dataclass
class Op:
    # transfer | distribute | consolidate | mix | set_temperature | deactivate | shake | delay | measure
    op: str
    text: str = ""  # the request's words this operation serves
    volumes: list[float] = field(default_factory=list)  # one per pair (consolidate: per source)
    sources: list[Loc] = field(default_factory=list)
    dests: list[Loc] = field(default_factory=list)
    channels: int = 1
    new_tip: str = "once"
    mix_after: bool = False
    mix_reps: int = 3
    mix_ul: float = 0.0  # what the smallest destination holds after the dispense (mix half of it)
    module: str | None = None
    celsius: float | None = None
    rpm: float | None = None
    seconds: float | None = None
    kind: str = ""
    wavelength_nm: float | None = None
    labware: str | None = None
    measured: list[str] | None = None
    note: str = ""


@dataclass
class Draft:
    robot: str = "ot2"
    labware: dict[str, Lab] = field(default_factory=dict)
    liquids: dict[str, LiquidDecl] = field(default_factory=dict)
    modules: dict[str, ModuleDecl] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    volumes: dict[tuple[str, str], float] = field(default_factory=dict)  # running well volumes
    current: str | None = None  # the labware "the plate" refers to
    not_understood: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def new_id(self, base: str, taken: set[str] | None = None) -> str:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", base).strip("_").lower() or "x"
        if not base[0].isalpha():
            base = "l_" + base
        used = set(self.labware) | set(self.liquids) | set(self.modules) | (taken or set())
        out, n = base[:40], 2
        while out in used:
            out, n = f"{base[:36]}_{n}", n + 1
        return out

    def add(self, loc: Loc, volume: float) -> None:
        """Track a well's volume (and its labware's peak) as operations fill it."""
        if isinstance(loc, Reagent):
            return
        v = self.volumes.get(loc, 0.0) + volume
        self.volumes[loc] = max(v, 0.0)
        lab = self.labware[loc[0]]
        lab.need_ul = max(lab.need_ul, v)

    def holds(self, loc: Loc) -> float:
        return 0.0 if isinstance(loc, Reagent) else self.volumes.get(loc, 0.0)
