"""Nozzle layouts of multi-channel pipettes: which nozzles take tips, and where they land.

A multi-channel pipette may pick up fewer tips than it has nozzles: with a partial nozzle layout
(Opentrons ``configure_nozzle_layout``: SINGLE, COLUMN, ROW, PARTIAL_COLUMN), or, at any apiLevel,
by picking up at a tip-rack well from which some nozzles hang past the rack (one tip taken with
the back nozzle of an 8-channel at row H). Only the nozzles that carry a tip go into a well with
the tip's length below them; the others stay a tip length higher, over whatever is there.

The geometry follows the Opentrons protocol engine (``opentrons==9.0.0``):

- a location names the well under the *primary* nozzle (``start`` of the layout, A1 without one),
  except on labware with the ``centerMultichannelOnWells`` quirk: a reservoir of 2..95 wells
  takes the centre of the layout's first nozzle column (critical point ``Y_CENTER``), a 1-well
  reservoir or a plate of 96 wells or more the centre of the layout (``XY_CENTER``);
- the automatic choice of the next tips (``next_tip_target``) is the engine's
  ``TipView._get_next_tip_with_nozzle_map``: the search order depends on the primary nozzle, and
  a partial pick-up is allowed only where every nozzle of the pipette that is not in the layout
  is over an empty rack well (or past the rack).

Well positions come from the labware definitions and nozzle positions from the pipette
definitions, so 384-well plates (every other well under an 8-channel) and reservoirs (many
nozzles in one well) need no special case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from labwright.protocols.models import NozzleLayout
from labwright.simulators.deck.definitions import LabwareInfo, PipetteInfo

CENTER_QUIRK = "centerMultichannelOnWells"


@dataclass(frozen=True, slots=True)
class Nozzles:
    """The nozzles of a pipette that pick up tips, and the primary one locations refer to."""

    primary: str
    active: tuple[str, ...]  # in the pipette's nozzle order
    full: bool = True  # the pipette's own layout (all nozzles)


def full_layout(info: PipetteInfo) -> Nozzles:
    return Nozzles(primary=info.nozzle_names[0], active=info.nozzle_names, full=True)


def configure(info: PipetteInfo, layout: NozzleLayout, start: str | None, end: str | None) -> Nozzles | str:
    """The nozzles of ``layout`` on this pipette, or why the pipette cannot take it.

    The rules are those ``InstrumentContext.configure_nozzle_layout`` enforces: COLUMN and ROW
    on the 96-channel only, PARTIAL_COLUMN on 8-channels only, the start a corner nozzle the
    pipette has, a partial column not reaching the opposite end (that is ALL).
    """
    names = info.nozzle_names
    if layout is NozzleLayout.ALL:
        return full_layout(info)
    if start is None or start not in names:
        return f"{info.name} has no nozzle {start} (its nozzles: {names[0]}..{names[-1]})"
    if layout is NozzleLayout.SINGLE:
        return Nozzles(primary=start, active=(start,), full=len(names) == 1)
    if layout in (NozzleLayout.COLUMN, NozzleLayout.ROW):
        if info.channels != 96:
            return f"a {layout.value} layout needs a 96-channel pipette; {info.name} has {info.channels}"
        same = _column if layout is NozzleLayout.COLUMN else _row
        return Nozzles(primary=start, active=tuple(n for n in names if same(n) == same(start)), full=False)
    if info.channels != 8:
        return f"a partial_column layout needs an 8-channel pipette; {info.name} has {info.channels}"
    if end is None or end not in names or _row(end) == _row(start):
        return f"{info.name}: a partial column from {start} needs an end nozzle in another row of its column"
    if {_row(start), _row(end)} == {"A", "H"}:
        return f"a partial column from {start} to {end} is every nozzle: use layout all"
    low, high = sorted((_row(start), _row(end)))
    return Nozzles(primary=start, active=tuple(n for n in names if low <= _row(n) <= high), full=False)


def _row(nozzle: str) -> str:
    return nozzle[0]


def _column(nozzle: str) -> int:
    return int(nozzle[1:])


# ------------------------------------------------------------------------------- geometry


@lru_cache(maxsize=256)
def _offsets(info: PipetteInfo) -> dict[str, tuple[float, float]]:
    return dict(zip(info.nozzle_names, info.nozzle_offsets, strict=True))


@lru_cache(maxsize=1024)
def nozzle_indices(info: PipetteInfo, nozzles: Nozzles) -> tuple[int, ...]:
    """The index (in ``info.nozzle_names``) of each nozzle of the layout."""
    where = {n: i for i, n in enumerate(info.nozzle_names)}
    return tuple(where[n] for n in nozzles.active)


def critical_offset(info: PipetteInfo, nozzles: Nozzles, lw: LabwareInfo) -> tuple[float, float]:
    """Where the target well's centre is, relative to nozzle A1 (the engine's critical point)."""
    xy = _offsets(info)
    if CENTER_QUIRK not in lw.quirks or len(xy) == 1:
        return xy[nozzles.primary]
    active = [xy[n] for n in nozzles.active]
    xs, ys = [p[0] for p in active], [p[1] for p in active]
    wells = len(lw.wells)
    if 1 < wells < 96:  # Y_CENTER: the middle of the layout's first (left) nozzle column
        left = min(xs)
        column = [p[1] for p in active if abs(p[0] - left) < 1e-6]
        return left, (max(column) + min(column)) / 2
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2  # XY_CENTER


# (id of the labware info, pipette, layout, well) -> the well under each nozzle of the pipette.
# Shipped definitions are cached objects, so a layout computed once serves every later replay;
# the entry keeps its LabwareInfo so that the id stays its own. Custom labware makes new
# objects on every load: past _WELLS_UNDER_MAX entries the cache starts over.
_WELLS_UNDER: dict[tuple[int, str, Nozzles, str], tuple[LabwareInfo, tuple[str | None, ...]]] = {}
_WELLS_UNDER_MAX = 8192


def wells_under(lw: LabwareInfo, info: PipetteInfo, nozzles: Nozzles, well: str) -> tuple[str | None, ...]:
    """The well under each nozzle of the pipette (``info.nozzle_names`` order; None: no well of
    ``lw``) when the pipette, in layout ``nozzles``, goes to ``well`` of ``lw``."""
    key = (id(lw), info.name, nozzles, well)
    cached = _WELLS_UNDER.get(key)
    if cached is not None and cached[0] is lw:
        return cached[1]
    target = lw.wells[well]
    cx, cy = critical_offset(info, nozzles, lw)
    under = tuple(lw.well_at(target.x + dx - cx, target.y + dy - cy) for dx, dy in info.nozzle_offsets)
    if len(_WELLS_UNDER) >= _WELLS_UNDER_MAX:
        _WELLS_UNDER.clear()
    _WELLS_UNDER[key] = (lw, under)
    return under


# ------------------------------------------------------------------------ next tips (engine)


def next_tip_target(
    info: PipetteInfo,
    nozzles: Nozzles,
    columns: Sequence[Sequence[str]],
    clean: Callable[[str], bool],
    empty: Callable[[str], bool],
) -> str | None:
    """The rack well the primary nozzle goes to for the next automatic pick-up, or None.

    ``columns``: the rack's wells by column (its definition's ``ordering``); ``clean(w)``: a
    fresh tip is at ``w``; ``empty(w)``: no tip at all is at ``w`` (picked up, not returned).
    """
    rows = sorted({_row(n) for n in nozzles.active})
    cols = sorted({_column(n) for n in nozzles.active})
    all_rows = sorted({_row(n) for n in info.nozzle_names})
    all_cols = sorted({_column(n) for n in info.nozzle_names})
    count = len(nozzles.active)
    corner = nozzles.primary if not nozzles.full else info.nozzle_names[0]
    for well in _search_order(columns, info, nozzles, corner):
        if not clean(well):
            continue
        targeted = set(_covered(columns, well, corner, len(rows), len(cols)))
        if len(targeted) != count or not all(clean(w) for w in targeted):
            continue
        if not nozzles.full:
            physical = _covered(columns, well, corner, len(all_rows), len(all_cols))
            if not all(empty(w) for w in physical if w not in targeted):
                continue
        return well
    return None


def _search_order(
    columns: Sequence[Sequence[str]], info: PipetteInfo, nozzles: Nozzles, corner: str
) -> list[str]:
    """``_resolve_well_order``: full layouts top to bottom, left to right; a partial layout
    starts in the corner of the rack opposite its primary nozzle."""
    down = [list(c) for c in columns]
    up = [list(reversed(c)) for c in columns]
    if nozzles.full:
        order = down
    elif info.channels == 8:
        order = up if corner == "A1" else down
    else:
        order = {"A1": up[::-1], "A12": up, "H1": down[::-1], "H12": down}[corner]
    return [w for column in order for w in column]


def _covered(columns: Sequence[Sequence[str]], well: str, corner: str, n_rows: int, n_cols: int) -> list[str]:
    """``wells_covered_dense`` on a tip rack: the wells under an ``n_rows`` x ``n_cols`` block of
    nozzles whose ``corner`` nozzle is over ``well`` (those past the rack are left out)."""
    c0 = next(i for i, col in enumerate(columns) if well in col)
    r0 = list(columns[c0]).index(well)
    dr = 1 if corner[0] == "A" else -1
    dc = 1 if corner[1:] == "1" else -1
    out: list[str] = []
    for j in range(n_cols):
        c = c0 + dc * j
        if not 0 <= c < len(columns):
            continue
        for i in range(n_rows):
            r = r0 + dr * i
            if 0 <= r < len(columns[c]):
                out.append(columns[c][r])
    return out
