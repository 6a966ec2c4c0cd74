"""Primitive actions: what a pipette and the modules actually do, one motion at a time.

High-level steps (transfer, distribute, consolidate, mix, ...) expand into these, the way the
Opentrons Python API expands its complex commands. The deck twin replays them. Actions are
built with keywords only: ``Aspirate(step=3, pointer="/steps/3", pipette="p300", ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from labwright.protocols.locations import WellRef
from labwright.protocols.models import NozzleLayout, Position

__all__ = [
    "Action",
    "AirGap",
    "Aspirate",
    "BlowOut",
    "ConfigureNozzles",
    "Dispense",
    "DropTip",
    "Measure",
    "ModuleAction",
    "ModuleOp",
    "MoveLabware",
    "PickUpTip",
    "Position",
    "ReturnTip",
    "TouchTip",
    "Wait",
    "WaitKind",
]


class ModuleOp(StrEnum):
    SET_TEMPERATURE = "set_temperature"
    DEACTIVATE = "deactivate"
    ENGAGE = "engage"
    DISENGAGE = "disengage"
    SHAKE = "shake"
    OPEN_LID = "open_lid"
    CLOSE_LID = "close_lid"
    OPEN_LATCH = "open_latch"
    CLOSE_LATCH = "close_latch"


class WaitKind(StrEnum):
    DELAY = "delay"
    PAUSE = "pause"
    COMMENT = "comment"


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    step: int
    pointer: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PickUpTip(Action):
    pipette: str
    location: WellRef | None = None  # None: the next fresh tip


@dataclass(frozen=True, kw_only=True, slots=True)
class DropTip(Action):
    pipette: str
    location: WellRef | None = None  # None: trash


@dataclass(frozen=True, kw_only=True, slots=True)
class ReturnTip(Action):
    pipette: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigureNozzles(Action):
    pipette: str
    layout: NozzleLayout
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Aspirate(Action):
    pipette: str
    volume_ul: float
    well: WellRef
    position: Position = Position.BOTTOM
    offset_mm: float = 1.0
    pooling: bool = False  # consolidate: drawing several sources into one tip on purpose


@dataclass(frozen=True, kw_only=True, slots=True)
class Dispense(Action):
    pipette: str
    volume_ul: float
    well: WellRef
    position: Position = Position.BOTTOM
    offset_mm: float = 1.0


@dataclass(frozen=True, kw_only=True, slots=True)
class BlowOut(Action):
    pipette: str
    well: WellRef | None = None  # None: trash


@dataclass(frozen=True, kw_only=True, slots=True)
class TouchTip(Action):
    pipette: str
    well: WellRef | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AirGap(Action):
    pipette: str
    volume_ul: float
    height_mm: float = 5.0


@dataclass(frozen=True, kw_only=True, slots=True)
class ModuleAction(Action):
    module: str
    kind: ModuleOp
    value: float | None = None
    target: str = "default"
    seconds: float | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class MoveLabware(Action):
    """A labware moved to ``to_kind`` (slot, module, labware, off_deck, waste_chute) ``to_ref``."""

    labware: str
    to_kind: str
    to_ref: str = ""
    use_gripper: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Wait(Action):
    kind: WaitKind
    seconds: float = 0.0
    text: str = ""
    # a pause: what the protocol says the operator does during it (None: it says nothing)
    replace_tipracks: tuple[str, ...] | None = None  # tip rack ids, full again
    refill: tuple[tuple[WellRef, float], ...] | None = None  # well -> uL it then holds
    empty: tuple[WellRef, ...] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Measure(Action):
    labware: str
    wells: tuple[str, ...] = field(default_factory=tuple)
    kind: str = "absorbance"
    wavelength_nm: float | None = None
    module: str | None = None
