"""What the parser understood: one small frozen record per intent, with the text it came from.

These are the planner's internal boundary between the grammar (``parse``) and the compiler
(``compile``); quantities are already in canonical units (uL, s, degC, rpm, nm).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LiquidRef:
    name: str
    concentration: str | None = None  # as written: "1 mM", "10%"

    @property
    def label(self) -> str:
        return f"{self.concentration} {self.name}" if self.concentration else self.name


@dataclass(frozen=True)
class Container:
    """A labware named in the request: "a 96 well plate", "the reservoir", "2 new plates"."""

    kind: str  # plate | deep_plate | pcr_plate | reservoir | tube
    wells: int | None = None  # 6/12/24/48/96/384 for plates
    tube_ul: float | None = None  # "a 1.5 mL tube"
    label: str | None = None  # "plate 2"
    new: bool = False  # "a new plate", "another plate"
    count: int = 1  # "2 new plates"
    contents: LiquidRef | None = None  # "a plate of samples"
    contents_ul: float | None = None  # "... with 100 uL per well"


@dataclass(frozen=True)
class Selection:
    """Wells named in the request, in the order the request gives them."""

    kind: str  # wells | columns | rows | all | first
    items: tuple[str, ...] = ()  # well names, column numbers or row letters
    count: int | None = None  # "the first 6 wells"


@dataclass(frozen=True)
class Place:
    selection: Selection | None = None
    container: Container | None = None
    within: Selection | None = None  # "each well of column 1": the outer selection


@dataclass(frozen=True)
class Intent:
    text: str  # the words of the request this intent came from


@dataclass(frozen=True)
class Transfer(Intent):
    volume_ul: float | None
    liquid: LiquidRef | None
    source: Place | None
    dest: Place
    verb: str = "transfer"


@dataclass(frozen=True)
class Pool(Intent):
    volume_ul: float | None
    liquid: LiquidRef | None
    source: Place
    dest: Place


@dataclass(frozen=True)
class CopyPlate(Intent):
    volume_ul: float | None
    source: Place
    dest: Place


@dataclass(frozen=True)
class SerialDilution(Intent):
    factor: float | None
    stock: LiquidRef
    diluent: LiquidRef | None
    place: Place | None


@dataclass(frozen=True)
class Series(Intent):
    first: LiquidRef
    second: LiquidRef | None
    start_pct: float | None = None
    end_pct: float | None = None
    steps: int | None = None
    place: Place | None = None


@dataclass(frozen=True)
class GridAxis:
    liquid: LiquidRef
    low_ul: float | None
    high_ul: float | None
    along: str | None  # rows | columns


@dataclass(frozen=True)
class Grid(Intent):
    first: GridAxis
    second: GridAxis
    shape: tuple[int, int] | None = None
    fill_to_ul: float | None = None
    filler: LiquidRef | None = None
    place: Place | None = None


@dataclass(frozen=True)
class Normalise(Intent):
    sample: LiquidRef | None
    place: Place | None
    target: str  # "10 ng/uL"
    final_ul: float | None
    diluent: LiquidRef | None
    table: tuple[tuple[str, str], ...]  # (well, concentration as written)


@dataclass(frozen=True)
class Temperature(Intent):
    celsius: float | None  # None: room temperature
    container: Container | None = None


@dataclass(frozen=True)
class Incubate(Intent):
    seconds: float | None
    celsius: float | None = None
    room_temperature: bool = False
    shake_rpm: float | None = None
    shaking: bool = False
    container: Container | None = None


@dataclass(frozen=True)
class Shake(Intent):
    rpm: float | None
    seconds: float | None
    container: Container | None = None


@dataclass(frozen=True)
class Measure(Intent):
    kind: str  # absorbance | fluorescence | luminescence
    wavelength_nm: float | None = None
    place: Place | None = None


@dataclass(frozen=True)
class Wait(Intent):
    seconds: float


@dataclass(frozen=True)
class Mix(Intent):
    place: Place | None
    repetitions: int | None
    volume_ul: float | None


@dataclass(frozen=True)
class Setting(Intent):
    """A qualifier of the intent before it (or of the whole request: robot)."""

    key: str  # final_volume | channels | robot | new_tip | n_wells | top_up
    value: object = None
    extra: dict = field(default_factory=dict)


LIQUID_HANDLING = (Transfer, Pool, CopyPlate, SerialDilution, Series, Grid, Normalise, Mix)
