"""Plain-English requests for the chat agent's bench (issue 15, item 8), each with what it must
produce: the end state of named wells (volume and liquids, by liquid name), or the refusal, or
the part it must say it did not understand.

Expected end states are written from the chemistry, not read from the planner: a 1:2 serial
dilution of V uL per well leaves well k with V / 2**k of the stock, a series from 10% to 100%
over 10 wells puts 10%, 20%, ... of the first liquid in them, and so on (helpers below). Labware
ids are the planner's: the first plate of a kind is ``plate`` / ``deep_plate`` / ``pcr_plate``,
the next ones ``plate_2``, ``plate_3``; tubes are ``tubes``.

Used by ``bench/agent_bench.py`` and ``tests/agents/planner``. The agent engineer extends the
bench (graph overhead per step) with the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# "plate:A1" -> {"volume_ul": 100.0, "liquids": {"fluorescein": 50.0, "PBS": 50.0}}
WellSpec = dict[str, dict[str, object]]


@dataclass(frozen=True)
class Request:
    text: str
    wells: WellSpec = field(default_factory=dict)  # the end state it must produce
    absent: tuple[str, ...] = ()  # wells that must stay untouched and empty
    duration_s: float | None = None  # simulated time of timed steps, when it matters
    robot: str | None = None
    refusal: str | None = None  # a phrase the refusal must contain
    refused_by: str | None = None  # a finding code the verifier must give that repair cannot fix
    not_understood: str | None = None  # a phrase one of the not-understood parts must contain
    tags: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        if self.refusal or self.refused_by:
            return "refusal"
        if self.not_understood:
            return "not_understood"
        return "end_state"


def _rows(n: int = 8) -> list[str]:
    return [chr(65 + i) for i in range(n)]


def wells_of(labware: str, names: list[str], liquids: dict[str, float]) -> WellSpec:
    total = sum(liquids.values())
    return {f"{labware}:{w}": {"volume_ul": total, "liquids": dict(liquids)} for w in names}


def serial(
    labware: str, names: list[str], stock: str, diluent: str, volume: float, factor: float
) -> WellSpec:
    """Well k holds ``volume`` with ``volume / factor**k`` of the stock."""
    out: WellSpec = {}
    for k, w in enumerate(names):
        s = volume / factor**k
        parts = {stock: s}
        if k:
            parts[diluent] = volume - s
        out[f"{labware}:{w}"] = {"volume_ul": volume, "liquids": parts}
    return out


def series(
    labware: str, names: list[str], first: str, second: str, volume: float, lo: float, hi: float
) -> WellSpec:
    """Well i holds a fraction lo..hi (linear) of ``first`` and the rest of ``second``."""
    out: WellSpec = {}
    n = len(names)
    for i, w in enumerate(names):
        a = volume * (lo + (hi - lo) * i / (n - 1)) / 100
        parts = {k: v for k, v in ((first, a), (second, volume - a)) if v > 1e-9}
        out[f"{labware}:{w}"] = {"volume_ul": volume, "liquids": parts}
    return out


def grid_cell(
    labware: str,
    row: int,
    col: int,
    rows: int,
    cols: int,
    down: tuple[str, float, float],
    across: tuple[str, float, float],
    top: tuple[str, float] | None = None,
) -> WellSpec:
    d = down[1] + (down[2] - down[1]) * row / (rows - 1)
    a = across[1] + (across[2] - across[1]) * col / (cols - 1)
    parts = {down[0]: d, across[0]: a}
    if top is not None:
        parts[top[0]] = top[1] - d - a
    parts = {k: v for k, v in parts.items() if v > 1e-9}
    return {f"{labware}:{chr(65 + row)}{col + 1}": {"volume_ul": sum(parts.values()), "liquids": parts}}


def normalised(
    labware: str, table: dict[str, float], target: float, volume: float, sample: str, diluent: str
) -> WellSpec:
    out: WellSpec = {}
    for w, c in table.items():
        s = volume * target / c
        parts = {k: v for k, v in ((sample, s), (diluent, volume - s)) if v > 1e-9}
        out[f"{labware}:{w}"] = {"volume_ul": volume, "liquids": parts}
    return out


COL1 = [f"{r}1" for r in _rows()]
ROW_A = [f"A{c}" for c in range(1, 13)]

REQUESTS: list[Request] = [
    # ---------------------------------------------------------------- serial dilutions
    Request(
        "Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well plate, 100 uL final "
        "volume per well, then measure fluorescence.",
        serial("plate", COL1, "fluorescein", "PBS", 100, 2),
        tags=("serial", "measure"),
    ),
    Request(
        "Do a 10-fold serial dilution of tartrazine in water across row A of a 96-well plate with "
        "150 µL per well.",
        serial("plate", ROW_A, "tartrazine", "water", 150, 10),
        tags=("serial", "units"),
    ),
    Request(
        "Serially dilute 1 mM fluorescein 1:3 in PBS across row B, 8 wells, 200 ul final volume, then read "
        "absorbance at 490 nm.",
        serial("plate", [f"B{c}" for c in range(1, 9)], "fluorescein", "PBS", 200, 3),
        absent=("plate:B9",),
        tags=("serial", "measure", "units"),
    ),
    Request(
        "Make a 5-fold serial dilution of BSA in PBS in wells A1 to A6 of a 96 well plate, 50 uL per well.",
        serial("plate", [f"A{c}" for c in range(1, 7)], "BSA", "PBS", 50, 5),
        tags=("serial",),
    ),
    Request(
        "Make a 1:2 serial dilution of fluorescein in PBS across columns 1 to 12 of a 96 well plate with an "
        "8-channel pipette, 100 uL per well.",
        {
            **serial("plate", [f"A{c}" for c in range(1, 13)], "fluorescein", "PBS", 100, 2),
            **serial("plate", [f"H{c}" for c in range(1, 13)], "fluorescein", "PBS", 100, 2),
        },
        tags=("serial", "multichannel"),
    ),
    Request(
        "Prepare a two-fold serial dilution of ethanol in water down column 3 of a deep well plate "
        "with 1 mL per well.",
        serial("deep_plate", [f"{r}3" for r in _rows()], "ethanol", "water", 1000, 2),
        tags=("serial", "labware"),
    ),
    # ---------------------------------------------------------------- transfers and distributions
    Request(
        "Transfer 50 uL of water from a reservoir to well A1 of a 96 well plate.",
        wells_of("plate", ["A1"], {"water": 50}),
        absent=("plate:A2",),
        tags=("transfer",),
    ),
    Request(
        "Add 5 µl of DMSO to wells A1 through H1 of a PCR plate.",
        wells_of("pcr_plate", COL1, {"DMSO": 5}),
        tags=("transfer", "units", "labware"),
    ),
    Request(
        "Distribute 100 uL of PBS to every well of a 96 well plate.",
        wells_of("plate", ["A1", "H1", "D6", "A12", "H12"], {"PBS": 100}),
        tags=("distribute",),
    ),
    Request(
        "Add 50 uL of water to columns 1 to 6 of a 96 well plate using an 8-channel pipette.",
        wells_of("plate", [f"{r}{c}" for c in (1, 3, 6) for r in "AH"], {"water": 50}),
        absent=("plate:A7",),
        tags=("distribute", "multichannel"),
    ),
    Request(
        "Pipette 20 microliters of glycerol into wells B2, B3 and B4 of a 96 well plate.",
        wells_of("plate", ["B2", "B3", "B4"], {"glycerol": 20}),
        absent=("plate:B5",),
        tags=("transfer", "units"),
    ),
    Request(
        "Add 0.25 mL of LB to wells A1 to A4 of a 24 well plate.",
        wells_of("plate", ["A1", "A2", "A3", "A4"], {"LB": 250}),
        tags=("transfer", "units", "labware"),
    ),
    Request(
        "Fill row A of a 384 well plate with 20 uL of DMSO.",
        wells_of("plate", [f"A{c}" for c in (1, 12, 24)], {"DMSO": 20}),
        absent=("plate:B1",),
        tags=("distribute", "labware"),
    ),
    Request(
        "Put 1.5 mL of water into wells A1 to D1 of a deep well plate, then add 200 uL of ethanol to "
        "wells A1 to D1 "
        "of the deep well plate.",
        wells_of("deep_plate", ["A1", "B1", "C1", "D1"], {"water": 1500, "ethanol": 200}),
        tags=("transfer",),
    ),
    Request(
        "Add 0.05 mL of PBS to well B2 of a 96 well plate.",
        wells_of("plate", ["B2"], {"PBS": 50}),
        tags=("transfer", "units"),
    ),
    Request(
        "Transfer 75 microlitres of glycerol to wells C1 to C3 of a 96-well plate.",
        wells_of("plate", ["C1", "C2", "C3"], {"glycerol": 75}),
        tags=("transfer", "units"),
    ),
    Request(
        "On a Flex, transfer 200 uL of water from a reservoir to wells A1 to A3 of a 96 well plate.",
        wells_of("plate", ["A1", "A2", "A3"], {"water": 200}),
        robot="flex",
        tags=("transfer", "flex"),
    ),
    Request(
        "On a Flex, add 30 uL of PBS to columns 1 to 3 of a 96 well plate with an 8-channel pipette.",
        wells_of("plate", [f"{r}{c}" for c in (1, 2, 3) for r in _rows()], {"PBS": 30}),
        robot="flex",
        tags=("distribute", "multichannel", "flex"),
    ),
    Request(
        "Add 250 uL of water to well A1 of a 96 well plate, then add 2 uL of DMSO to well A1.",
        wells_of("plate", ["A1"], {"water": 250, "DMSO": 2}),
        tags=("transfer", "pipettes"),
    ),
    # ---------------------------------------------------------------- pooling and plate copies
    Request(
        "Pool 10 uL from each well of column 1 of a 96 well plate of DNA samples into a 1.5 mL tube.",
        wells_of("tubes", ["A1"], {"DNA samples": 80}),
        tags=("pool",),
    ),
    Request(
        "Combine 50 uL from wells A1 to A6 of a plate of buffer into well A12.",
        wells_of("plate", ["A12"], {"buffer": 300}),
        tags=("pool",),
    ),
    Request(
        "Copy 20 uL of every well of a 96 well plate of samples into 2 new plates with an 8-channel pipette.",
        {
            **wells_of("plate_2", ["A1", "H12"], {"samples": 20}),
            **wells_of("plate_3", ["A1", "H12"], {"samples": 20}),
        },
        tags=("copy", "multichannel"),
    ),
    Request(
        "Replicate 10 uL from every well of a 96 well plate of bacterial culture into a new plate "
        "containing 90 uL "
        "per well of LB.",
        wells_of("plate_2", ["A1", "E7", "H12"], {"bacterial culture": 10, "LB": 90}),
        tags=("copy", "multichannel"),
    ),
    # ---------------------------------------------------------------- series, grids, normalisation
    Request(
        "Make a mixing series of red dye and blue dye in row A of a 96 well plate, 200 uL per well, "
        "in 11 steps.",
        series("plate", [f"A{c}" for c in range(1, 12)], "red dye", "blue dye", 200, 0, 100),
        absent=("plate:A12",),
        tags=("series",),
    ),
    Request(
        "Make a dilution series of tartrazine in water from 10% to 100% across row C, 200 uL per "
        "well, in 10 steps.",
        series("plate", [f"C{c}" for c in range(1, 11)], "tartrazine", "water", 200, 10, 100),
        tags=("series",),
    ),
    Request(
        "Make a grid of red dye from 0 to 100 uL down the rows and blue dye from 0 to 100 uL across "
        "the columns in "
        "a 96 well plate, topped up to 250 uL with water.",
        {
            **grid_cell("plate", 0, 0, 8, 12, ("red dye", 0, 100), ("blue dye", 0, 100), ("water", 250)),
            **grid_cell("plate", 3, 5, 8, 12, ("red dye", 0, 100), ("blue dye", 0, 100), ("water", 250)),
            **grid_cell("plate", 7, 11, 8, 12, ("red dye", 0, 100), ("blue dye", 0, 100), ("water", 250)),
        },
        tags=("grid",),
    ),
    Request(
        "Make a 4 x 6 grid of ethanol (0 to 50 uL down the rows) and water (0 to 100 uL across the "
        "columns) in a "
        "96 well plate.",
        {
            **grid_cell("plate", 1, 1, 4, 6, ("ethanol", 0, 50), ("water", 0, 100)),
            **grid_cell("plate", 3, 5, 4, 6, ("ethanol", 0, 50), ("water", 0, 100)),
        },
        absent=("plate:A1", "plate:E1", "plate:A7"),
        tags=("grid",),
    ),
    Request(
        "Normalise DNA samples to 10 ng/uL in 50 uL with water using this table: A1 25 ng/uL, A2 40 ng/uL, "
        "A3 12.5 ng/uL, A4 100 ng/uL",
        normalised("plate_2", {"A1": 25, "A2": 40, "A3": 12.5, "A4": 100}, 10, 50, "DNA samples", "water"),
        tags=("normalise",),
    ),
    Request(
        "Normalize the samples to 5 ng/µl, final volume 20 µl, with TE buffer:\nA1 20\nA2 50\nA3 10",
        normalised("plate_2", {"A1": 20, "A2": 50, "A3": 10}, 5, 20, "samples", "TE buffer"),
        tags=("normalise", "table"),
    ),
    Request(
        "Normalise the DNA samples to 2 ng/uL in 100 uL with water: B1 4 ng/uL, B2 20 ng/uL, B3 2 ng/uL",
        normalised("plate_2", {"B1": 4, "B2": 20, "B3": 2}, 2, 100, "DNA samples", "water"),
        tags=("normalise",),
    ),
    # ---------------------------------------------------------------- temperature, shaking, incubation
    Request(
        "Cool a 96 well PCR plate to 4 C, then add 10 uL of water to column 1.",
        wells_of("pcr_plate", COL1, {"water": 10}),
        tags=("temperature",),
    ),
    Request(
        "Add 100 uL of PBS to row A of a 96 well plate, then shake at 500 rpm for 2 minutes.",
        wells_of("plate", ROW_A, {"PBS": 100}),
        duration_s=120,
        tags=("shake",),
    ),
    Request(
        "Add 50 uL of BSA to wells A1 to A4 of a 96 well plate, incubate at 37 °C for 30 min, then measure "
        "absorbance at 562 nm.",
        wells_of("plate", ["A1", "A2", "A3", "A4"], {"BSA": 50}),
        duration_s=1800,
        tags=("incubate", "measure"),
    ),
    Request(
        "Add 150 μL of PBS to column 12 of a 96 well plate, incubate at 37 degrees C for 1 hr.",
        wells_of("plate", [f"{r}12" for r in _rows()], {"PBS": 150}),
        duration_s=3600,
        tags=("incubate", "units"),
    ),
    Request(
        "Add 150 uL of water to each well of column 1 of a 96 well plate, then shake the plate at "
        "300 rpm for 90 secs.",
        wells_of("plate", COL1, {"water": 150}),
        duration_s=90,
        tags=("shake", "units"),
    ),
    Request(
        "Add 20 uL of tartrazine to wells A1 and A2 of a 96 well plate, wait 5 min, then measure "
        "absorbance at 427 nm.",
        wells_of("plate", ["A1", "A2"], {"tartrazine": 20}),
        duration_s=300,
        tags=("wait", "measure"),
    ),
    Request("Incubate for 10 minutes at room temperature.", duration_s=600, tags=("incubate",)),
    Request(
        "Add 100 uL of LB to column 1 of a 96 well plate, then incubate at 30 C with shaking at 800 "
        "rpm for 15 min.",
        refusal="Heater-Shaker, which holds 37-95 degC, not 30 degC",
        tags=("incubate", "shake", "refusal"),
    ),
    # ---------------------------------------------------------------- refusals
    Request(
        "Transfer 5 mL of water into well A1 of a 96 well plate.", refusal="holds 5000 uL", tags=("refusal",)
    ),
    Request(
        "Heat the plate to 150 degrees C.", refusal="no Opentrons module holds 150 degC", tags=("refusal",)
    ),
    Request(
        "Add 0.2 uL of DMSO to well A1 of a 96 well plate.",
        refusal="below the smallest volume",
        tags=("refusal",),
    ),
    Request(
        "Add 100 uL of PBS to row A of a 96 well plate, then shake at 5000 rpm for 1 min.",
        refusal="200-3000 rpm",
        tags=("refusal",),
    ),
    Request(
        "Normalise DNA samples to 50 ng/uL in 20 uL with water: A1 25 ng/uL, A2 100 ng/uL",
        refusal="below the target",
        tags=("refusal",),
    ),
    Request(
        "Add 100 uL of bleach to well A1 of a 96 well plate, then add 100 uL of ammonia to well A1 "
        "of the plate.",
        refused_by="SAFETY_INCOMPATIBLE",
        tags=("refusal", "safety"),
    ),
    # ---------------------------------------------------------------- not understood
    Request("Make me a sandwich.", not_understood="sandwich", tags=("not_understood",)),
    Request(
        "Transfer 50 uL of water to A1 of a 96 well plate, then centrifuge the plate for 5 min.",
        not_understood="centrifuge",
        tags=("not_understood",),
    ),
    Request(
        "Transfer water to well A1 of a 96 well plate.", not_understood="how much", tags=("not_understood",)
    ),
    Request(
        "Add 100 uL of water to row A of a 96 well plate, then shake the plate for 5 minutes.",
        not_understood="speed",
        tags=("not_understood",),
    ),
    Request(
        "Make a serial dilution of fluorescein in PBS down column 1 of a 96 well plate, 100 uL per well.",
        not_understood="dilution factor",
        tags=("not_understood",),
    ),
    Request(
        "Make a 1:2 serial dilution of fluorescein down column 1 of a 96 well plate, 100 uL per well.",
        not_understood="what to dilute",
        tags=("not_understood",),
    ),
    Request("Measure absorbance at 450 nm.", not_understood="which plate", tags=("not_understood",)),
]
