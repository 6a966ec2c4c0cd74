"""The labwright protocol language: frozen pydantic v2 models, data only.

A protocol declares metadata, labware, modules, pipettes, liquids and a list of steps. Steps
are one discriminated union on ``op``. Quantities are floats in canonical units named by the
field (``volume_ul``, ``seconds``, ``celsius``, ``rpm``, ``height_mm``); a user may instead write
the short key with a unit string (``volume: "50 uL"``, ``duration: "2 min"``,
``temperature: "37 degC"``), converted with pint on the way in.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

from labwright.protocols.json_schema import canonical_quantity
from labwright.protocols.locations import TRASH, parse_location
from labwright.protocols.units import Dimension, to_canonical
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = "labwright/1"

# short user-facing key -> (canonical field, dimension)
UNIT_ALIASES: dict[str, tuple[str, Dimension]] = {
    "volume": ("volume_ul", "volume"),
    "disposal_volume": ("disposal_volume_ul", "volume"),
    "air_gap": ("air_gap_ul", "volume"),
    "duration": ("seconds", "time"),
    "time": ("seconds", "time"),
    "temperature": ("celsius", "temperature"),
    "speed": ("rpm", "speed"),
    "height": ("height_mm", "length"),
    "offset": ("offset_mm", "length"),
    "wavelength": ("wavelength_nm", "wavelength"),
    "initial_volumes": ("initial_volumes_ul", "volume"),
    "refill": ("refill_ul", "volume"),
}
CANONICAL_TO_ALIAS = {canon: alias for alias, (canon, _) in UNIT_ALIASES.items()}


class _FromAlias:
    """A value the user wrote under a short key: it must carry its unit."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _quantity(dimension: Dimension) -> Any:
    """A float in the dimension's canonical unit, read from a number or a quantity with units."""

    def convert(value: Any) -> Any:
        if isinstance(value, _FromAlias):
            return to_canonical(value.value, dimension, unit_named=False)
        return to_canonical(value, dimension, unit_named=True)

    return Annotated[float, BeforeValidator(convert), WithJsonSchema(canonical_quantity(dimension))]


Volume = _quantity("volume")
Seconds = _quantity("time")
Celsius = _quantity("temperature")
Rpm = _quantity("speed")
Millimetres = _quantity("length")
Nanometres = _quantity("wavelength")

Ident = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


@lru_cache(maxsize=16384)
def _location_error(text: str) -> str | None:
    """Why ``text`` is not a location, or None (a protocol names few distinct wells, often)."""
    try:
        parse_location(text)
    except ValueError as exc:
        return str(exc)
    return None


def _check_location(value: Any) -> Any:
    if isinstance(value, str):
        error = _location_error(value)
        if error is not None:
            raise PydanticCustomError("location_invalid", error)
    return value


Location = Annotated[str, BeforeValidator(_check_location)]


def _check_location_or_trash(value: Any) -> Any:
    return value if value == TRASH else _check_location(value)


LocationOrTrash = Annotated[str, BeforeValidator(_check_location_or_trash)]


def _slot_text(value: Any) -> Any:
    # YAML reads `slot: 3` as an integer; an OT-2 slot is named by that number
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Slot = Annotated[
    str,
    BeforeValidator(_slot_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]}),
]


# model class -> the (short key, canonical field) pairs it accepts, in UNIT_ALIASES order
_ALIASES_OF_CLASS: dict[type, tuple[tuple[str, str], ...]] = {}


class Model(BaseModel):
    """Base: frozen, unknown keys are errors, short unit keys are accepted on the way in."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _unit_aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        aliases = _ALIASES_OF_CLASS.get(cls)
        if aliases is None:
            fields = cls.model_fields
            aliases = _ALIASES_OF_CLASS[cls] = tuple(
                (alias, canon)
                for alias, (canon, _dim) in UNIT_ALIASES.items()
                if canon in fields and alias not in fields
            )
        if not aliases or not any(alias in data for alias, _ in aliases):
            return data  # nothing written under a short key: no copy
        out = dict(data)
        for alias, canon in aliases:
            if alias in out:
                if canon in out:
                    raise PydanticCustomError(
                        "field_duplicate",
                        f"both {alias!r} and {canon!r} are given; keep one",
                    )
                value = out.pop(alias)
                if canon in ("initial_volumes_ul", "refill_ul") and isinstance(value, dict):
                    out[canon] = {k: _FromAlias(v) for k, v in value.items()}
                elif isinstance(value, list):
                    out[canon] = [_FromAlias(v) for v in value]
                else:
                    out[canon] = _FromAlias(value)
        return out


# ---------------------------------------------------------------------------- declarations


class Robot(StrEnum):
    OT2 = "ot2"
    FLEX = "flex"


class Metadata(Model):
    name: str = Field(min_length=1, max_length=200)
    robot: Robot
    description: str = ""
    author: str = ""


class ModuleType(StrEnum):
    TEMPERATURE = "temperature"
    MAGNETIC = "magnetic"
    MAGNETIC_BLOCK = "magnetic_block"
    HEATER_SHAKER = "heater_shaker"
    THERMOCYCLER = "thermocycler"
    PLATE_READER = "plate_reader"


class Module(Model):
    id: Ident
    type: ModuleType
    model: str | None = Field(
        default=None,
        description="Opentrons module model, e.g. temperatureModuleV2; default: the current model",
    )
    slot: Slot | None = Field(default=None, description="deck slot; thermocyclers may omit it")


class Labware(Model):
    """Where a labware starts: in a deck slot (Flex staging slots A4-D4 included), on a module,
    on another labware (an adapter, or the plate a lid covers), or off the deck (brought on by a
    ``move_labware`` step). Exactly one of ``slot``, ``module``, ``on_labware``, ``off_deck``."""

    id: Ident
    load_name: str = Field(min_length=1, description="Opentrons load name")
    slot: Slot | None = Field(default=None, description="deck slot, unless on a module")
    module: str | None = Field(default=None, description="id of the module it sits on")
    on_labware: str | None = Field(
        default=None, description="id of the labware it sits on: an adapter, or the plate a lid covers"
    )
    off_deck: bool = Field(default=False, description="starts off the deck; move_labware brings it on")
    adapter: str | None = Field(default=None, description="Opentrons adapter load name, if any")
    namespace: str = "opentrons"
    version: int | None = None
    label: str = ""


class Mount(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class Pipette(Model):
    id: Ident
    model: str = Field(description="Opentrons instrument name, e.g. p300_single_gen2")
    mount: Mount
    tip_racks: list[str] = Field(default_factory=list, description="labware ids of tip racks")


class Liquid(Model):
    id: Ident
    name: str = Field(min_length=1, description="chemical or sample name")
    smiles: str | None = None
    cas: str | None = None
    concentration: str | None = Field(default=None, description='e.g. "1 M", "30%"')
    description: str = ""
    color: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    initial_volumes_ul: dict[str, Volume] = Field(
        default_factory=dict,
        description='location -> volume; keys "lw:A1", "lw:A1..H1" (definition order) or "lw:*"',
    )


# ---------------------------------------------------------------------------------- steps


class NewTip(StrEnum):
    ONCE = "once"
    ALWAYS = "always"
    NEVER = "never"


class Position(StrEnum):
    BOTTOM = "bottom"
    TOP = "top"
    CENTER = "center"


class MixSpec(Model):
    repetitions: int = Field(ge=1, le=1000)
    volume_ul: Volume


class _Step(Model):
    op: str
    note: str = Field(default="", description="free text shown in reports")


class _PipetteStep(_Step):
    pipette: str


class _LiquidHandling(_PipetteStep):
    new_tip: NewTip = NewTip.ONCE
    mix_before: MixSpec | None = None
    mix_after: MixSpec | None = None
    touch_tip: bool = False
    blow_out: bool = False
    air_gap_ul: Volume = 0.0
    aspirate_offset_mm: Millimetres = Field(default=1.0, description="above the well bottom")
    dispense_offset_mm: Millimetres = Field(default=1.0, description="above the well bottom")


class Transfer(_LiquidHandling):
    op: Literal["transfer"] = "transfer"
    volume_ul: Volume | list[Volume]
    source: Location | list[Location]
    dest: Location | list[Location]


class Distribute(_LiquidHandling):
    op: Literal["distribute"] = "distribute"
    volume_ul: Volume | list[Volume]
    source: Location
    dest: list[Location] = Field(min_length=1)
    disposal_volume_ul: Volume | None = Field(
        default=None, description="extra volume drawn and blown out; default: pipette minimum"
    )


class Consolidate(_LiquidHandling):
    op: Literal["consolidate"] = "consolidate"
    volume_ul: Volume | list[Volume]
    source: list[Location] = Field(min_length=1)
    dest: Location


class _AtWell(_PipetteStep):
    location: Location
    position: Position = Position.BOTTOM
    offset_mm: Millimetres | None = Field(
        default=None, description="from the position; default 1 mm above bottom, 0 at top"
    )


class Aspirate(_AtWell):
    op: Literal["aspirate"] = "aspirate"
    volume_ul: Volume


class Dispense(_AtWell):
    op: Literal["dispense"] = "dispense"
    volume_ul: Volume


class Mix(_AtWell):
    op: Literal["mix"] = "mix"
    repetitions: int = Field(ge=1, le=1000)
    volume_ul: Volume


class BlowOut(_PipetteStep):
    op: Literal["blow_out"] = "blow_out"
    location: LocationOrTrash = TRASH


class TouchTip(_PipetteStep):
    op: Literal["touch_tip"] = "touch_tip"
    location: Location | None = Field(default=None, description="default: where the pipette is")


class AirGap(_PipetteStep):
    op: Literal["air_gap"] = "air_gap"
    volume_ul: Volume
    height_mm: Millimetres = Field(default=5.0, description="above the well top")


class PickUpTip(_PipetteStep):
    op: Literal["pick_up_tip"] = "pick_up_tip"
    location: Location | None = Field(default=None, description="tip rack well; default: next")


class DropTip(_PipetteStep):
    op: Literal["drop_tip"] = "drop_tip"
    location: LocationOrTrash = TRASH


class ReturnTip(_PipetteStep):
    op: Literal["return_tip"] = "return_tip"


class NozzleLayout(StrEnum):
    """Which nozzles of a multi-channel pipette take tips (Opentrons ``configure_nozzle_layout``)."""

    ALL = "all"
    SINGLE = "single"  # one nozzle: ``start``
    COLUMN = "column"  # 96-channel: the nozzle column of ``start``
    ROW = "row"  # 96-channel: the nozzle row of ``start``
    PARTIAL_COLUMN = "partial_column"  # 8-channel: ``start`` to ``end`` in one column


NOZZLE_CORNERS = ("A1", "H1", "A12", "H12")


class ConfigureNozzles(_PipetteStep):
    """From this step on, ``pipette`` picks up tips, and so handles liquid, with only the nozzles
    of ``layout``; locations name the well under the primary nozzle ``start`` (Opentrons
    ``configure_nozzle_layout``, apiLevel 2.16 for the 96-channel column, 2.20 for the rest)."""

    op: Literal["configure_nozzles"] = "configure_nozzles"
    layout: NozzleLayout
    start: Literal["A1", "H1", "A12", "H12"] | None = Field(
        default=None, description="primary nozzle (a corner); required unless layout is all"
    )
    end: str | None = Field(
        default=None,
        pattern=r"^[A-H](1|12)$",
        description="partial_column: the last nozzle of the column, e.g. D1 for 5 tips from H1",
    )

    @model_validator(mode="after")
    def _start_and_end(self) -> ConfigureNozzles:
        if self.layout is NozzleLayout.ALL:
            if self.start is not None or self.end is not None:
                raise PydanticCustomError("nozzles_invalid", "layout all takes no start or end nozzle")
            return self
        if self.start is None:
            raise PydanticCustomError(
                "nozzles_invalid", f"layout {self.layout.value} needs a start nozzle (A1, H1, A12 or H12)"
            )
        partial = self.layout is NozzleLayout.PARTIAL_COLUMN
        if partial != (self.end is not None):
            why = "partial_column needs an end nozzle" if partial else "only partial_column takes an end"
            raise PydanticCustomError("nozzles_invalid", why)
        end = self.end
        if partial and end is not None and (end[0] == self.start[0] or end[1:] != self.start[1:]):
            raise PydanticCustomError(
                "nozzles_invalid",
                f"end {self.end} must be in the column of start {self.start}, in another row",
            )
        return self


class SetTemperature(_Step):
    op: Literal["set_temperature"] = "set_temperature"
    module: str
    celsius: Celsius
    target: Literal["default", "block", "lid"] = Field(
        default="default", description="thermocycler: block or lid"
    )
    wait: bool = True


class Deactivate(_Step):
    op: Literal["deactivate"] = "deactivate"
    module: str


class EngageMagnets(_Step):
    op: Literal["engage_magnets"] = "engage_magnets"
    module: str
    height_mm: Millimetres | None = Field(
        default=None, description="above the labware bottom; default: the labware's own"
    )


class DisengageMagnets(_Step):
    op: Literal["disengage_magnets"] = "disengage_magnets"
    module: str


class Shake(_Step):
    op: Literal["shake"] = "shake"
    module: str
    rpm: Rpm
    seconds: Seconds = Field(description="shake this long, then stop")


class OpenLid(_Step):
    op: Literal["open_lid"] = "open_lid"
    module: str


class CloseLid(_Step):
    op: Literal["close_lid"] = "close_lid"
    module: str


class Delay(_Step):
    op: Literal["delay"] = "delay"
    seconds: Seconds


class Pause(_Step):
    """The robot waits for the operator. What the operator does meanwhile may be declared, and
    the deck twin then replays it: tip racks replaced with full ones, wells filled again, the
    liquid waste emptied (wells as in ``initial_volumes``: ``lw:A1``, ``lw:A1..H1``, ``lw:*``).
    A pause that declares nothing may still have hidden such a refill: the verifier then warns
    instead of erring where the operator could have done it (issue 14)."""

    op: Literal["pause"] = "pause"
    message: str = ""
    replace_tipracks: list[str] = Field(
        default_factory=list, description="ids of tip racks the operator replaces with full racks"
    )
    refill_ul: dict[str, Volume] = Field(
        default_factory=dict,
        description="wells the operator fills again -> the volume each then holds (of the liquid it held)",
    )
    empty: list[str] = Field(default_factory=list, description="wells the operator empties (liquid waste)")


class Comment(_Step):
    op: Literal["comment"] = "comment"
    text: str


class MeasureKind(StrEnum):
    ABSORBANCE = "absorbance"
    FLUORESCENCE = "fluorescence"
    LUMINESCENCE = "luminescence"


class OpenLatch(_Step):
    """Open a Heater-Shaker's labware latch: needed before labware is moved onto or off it."""

    op: Literal["open_latch"] = "open_latch"
    module: str


class CloseLatch(_Step):
    op: Literal["close_latch"] = "close_latch"
    module: str


class Offset(Model):
    """A gripper offset in mm (Opentrons ``pick_up_offset`` / ``drop_offset``)."""

    x: Millimetres = 0.0
    y: Millimetres = 0.0
    z: Millimetres = 0.0


class MoveLabware(_Step):
    """Move a labware with the Flex gripper, or by hand (the robot pauses for the operator).

    The destination is exactly one of: a deck slot (Flex staging slots A4-D4 included), a
    module, another labware or adapter to stack on, off the deck, or the Flex waste chute (the
    labware is thrown away). Its wells keep their contents and their state.
    """

    op: Literal["move_labware"] = "move_labware"
    labware: str = Field(description="id of the labware to move")
    slot: Slot | None = Field(default=None, description="destination deck slot")
    module: str | None = Field(default=None, description="destination module id")
    on_labware: str | None = Field(default=None, description="id of the labware or adapter to stack it on")
    off_deck: bool = Field(default=False, description="take it off the deck")
    waste_chute: bool = Field(default=False, description="drop it into the Flex waste chute (disposal)")
    use_gripper: bool = Field(
        default=False, description="Flex gripper; false: the robot pauses while the operator moves it"
    )
    pick_up_offset_mm: Offset | None = Field(default=None, description="gripper offset when picking up")
    drop_offset_mm: Offset | None = Field(default=None, description="gripper offset when dropping")

    DESTINATIONS: ClassVar[tuple[str, ...]] = ("slot", "module", "on_labware", "off_deck", "waste_chute")

    @model_validator(mode="after")
    def _one_destination(self) -> MoveLabware:
        given = [name for name in self.DESTINATIONS if getattr(self, name) not in (None, False)]
        if len(given) != 1:
            raise PydanticCustomError(
                "destination_count",
                f"move_labware needs exactly one destination ({', '.join(self.DESTINATIONS)}); "
                + (f"got {', '.join(given)}" if given else "none is given"),
            )
        return self


class Measure(_Step):
    op: Literal["measure"] = "measure"
    labware: str
    wells: list[str] | None = Field(default=None, description="default: every well")
    kind: MeasureKind = MeasureKind.ABSORBANCE
    wavelength_nm: Nanometres | None = None
    module: str | None = Field(default=None, description="plate reader module, if on the deck")


Step = Annotated[
    Transfer
    | Distribute
    | Consolidate
    | Aspirate
    | Dispense
    | Mix
    | BlowOut
    | TouchTip
    | AirGap
    | PickUpTip
    | DropTip
    | ReturnTip
    | ConfigureNozzles
    | SetTemperature
    | Deactivate
    | EngageMagnets
    | DisengageMagnets
    | Shake
    | OpenLid
    | CloseLid
    | OpenLatch
    | CloseLatch
    | MoveLabware
    | Delay
    | Pause
    | Comment
    | Measure,
    Field(discriminator="op"),
]

STEP_OPS: tuple[str, ...] = (
    "transfer distribute consolidate aspirate dispense mix blow_out touch_tip air_gap "
    "pick_up_tip drop_tip return_tip configure_nozzles set_temperature deactivate engage_magnets "
    "disengage_magnets shake open_lid close_lid open_latch close_latch move_labware delay pause "
    "comment measure"
).split()


class Protocol(Model):
    """A complete liquid-handling protocol."""

    schema_version: Literal["labwright/1"] = Field(default=SCHEMA_VERSION, alias="labwright")
    metadata: Metadata
    labware: list[Labware] = Field(default_factory=list)
    modules: list[Module] = Field(default_factory=list)
    pipettes: list[Pipette] = Field(default_factory=list)
    liquids: list[Liquid] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    custom_labware: list[dict[str, Any]] = Field(
        default_factory=list, description="Opentrons labware definitions (schema 2) used here"
    )

    MAX_STEPS: ClassVar[int] = 100_000

    @field_validator("steps")
    @classmethod
    def _not_too_many(cls, v: list[Any]) -> list[Any]:
        if len(v) > cls.MAX_STEPS:
            raise PydanticCustomError(
                "value_absurd", f"{len(v)} steps is more than the limit {cls.MAX_STEPS}"
            )
        return v
