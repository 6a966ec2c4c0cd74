"""Primitive actions: what a pipette and the modules actually do, one motion at a time.

High-level steps (transfer, distribute, consolidate, mix, ...) expand into these, the way the
Opentrons Python API expands its complex commands. The deck twin replays them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labwright.protocols.locations import WellRef


@dataclass(frozen=True)
class Action:
    step: int
    pointer: str


@dataclass(frozen=True)
class PickUpTip(Action):
    pipette: str
    location: WellRef | None = None


@dataclass(frozen=True)
class DropTip(Action):
    pipette: str
    location: WellRef | None = None  # None: trash


@dataclass(frozen=True)
class ReturnTip(Action):
    pipette: str


@dataclass(frozen=True)
class Aspirate(Action):
    pipette: str
    volume_ul: float
    well: WellRef
    position: str = "bottom"  # bottom | top | center
    offset_mm: float = 1.0
    pooling: bool = False  # consolidate: drawing several sources into one tip on purpose


@dataclass(frozen=True)
class Dispense(Action):
    pipette: str
    volume_ul: float
    well: WellRef
    position: str = "bottom"
    offset_mm: float = 1.0


@dataclass(frozen=True)
class BlowOut(Action):
    pipette: str
    well: WellRef | None = None  # None: trash


@dataclass(frozen=True)
class TouchTip(Action):
    pipette: str
    well: WellRef | None = None


@dataclass(frozen=True)
class AirGap(Action):
    pipette: str
    volume_ul: float
    height_mm: float = 5.0


@dataclass(frozen=True)
class ModuleAction(Action):
    module: str
    kind: str  # set_temperature | deactivate | engage | disengage | shake | open_lid | close_lid
    value: float | None = None
    target: str = "default"
    seconds: float | None = None


@dataclass(frozen=True)
class Wait(Action):
    kind: str  # delay | pause | comment
    seconds: float = 0.0
    text: str = ""


@dataclass(frozen=True)
class Measure(Action):
    labware: str
    wells: tuple[str, ...] = field(default_factory=tuple)
    kind: str = "absorbance"
    wavelength_nm: float | None = None
    module: str | None = None
