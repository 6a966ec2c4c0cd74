"""Serial dilutions, mixing series, grids and normalisation, compiled into a ``Draft``.

The arithmetic is the bench chemist's:

* serial dilution by a factor F to a final volume V per well: diluent V in every well but the
  first, stock V + t in the first, then t = V / (F - 1) carried from each well to the next and
  mixed, and t taken from the last well to waste, so that every well ends with V at 1/F of the
  concentration of the well before it (with an 8-channel pipette, column after column: eight
  series at once, one per row);
* a mixing (or dilution) series of A with B over N wells: well i holds a fraction f_i of A
  (from the first to the last fraction, linearly) and 1 - f_i of B, V in total;
* a grid: A varies down the rows and B across the columns, each linearly between its bounds,
  topped up with a third liquid to the final volume when one is given;
* normalisation: each sample well's concentration c_i to the target c: c / c_i * V of sample
  plus the rest of V of diluent, in a new plate with the same well layout.
"""

from __future__ import annotations

from typing import Any

from labwright.agents.planner import intents as it
from labwright.agents.planner.compile import (
    _add_transfer,
    _declare_contents,
    _missing,
    _refuse,
    _Stop,
    check_volume,
    columns_only,
    conc_value,
    containers,
    liquid,
    place_wells,
    rounded,
    select,
)
from labwright.agents.planner.draft import FORMATS, WASTE, Draft, Op, Reagent


def _serial(draft: Draft, sd: it.SerialDilution, s: dict[str, Any], shaking: bool) -> None:
    if sd.factor is None:
        _missing(draft, "the dilution factor (e.g. '1:2' or '10-fold')", sd.text)
    if not sd.factor > 1:
        _missing(draft, f"a dilution factor of {sd.factor:g} does not dilute; give one above 1", sd.text)
    volume = s.get("final_volume")
    if volume is None:
        _missing(draft, "the final volume per well (e.g. '100 uL per well')", sd.text)
    if sd.diluent is None:
        _missing(draft, f"what to dilute {sd.stock.name} in (e.g. 'in PBS')", sd.text)
    channels = int(s.get("channels", 1))
    lab, wells = place_wells(draft, sd.place, sd.text, default_plate=True)
    if channels == 8:  # eight series at once, one per row, column after column
        wells = columns_only(draft, wells, lab, sd.text)
    if "n_wells" in s:
        wells = wells[: int(s["n_wells"])]
    if len(wells) < 2:
        _missing(
            draft, "a serial dilution needs at least two wells (columns with an 8-channel pipette)", sd.text
        )
    carry = rounded(volume / (sd.factor - 1))
    check_volume(draft, min(volume, carry), sd.text)
    diluent = Reagent(liquid(draft, sd.diluent, multichannel=channels == 8))
    stock = Reagent(liquid(draft, sd.stock, multichannel=channels == 8))
    dests = [(lab.id, w) for w in wells]
    unit = "column" if channels == 8 else "well"
    first = f"the first {unit}"
    steps = [
        Op(
            "transfer",
            sd.text,
            [volume] * (len(dests) - 1),
            [diluent] * (len(dests) - 1),
            dests[1:],
            channels,
            note=f"{volume:g} uL {sd.diluent.name} in every {unit} but the first",
        ),
        Op(
            "transfer",
            sd.text,
            [rounded(volume + carry)],
            [stock],
            dests[:1],
            channels,
            note=f"{volume + carry:g} uL {sd.stock.label} into {first}",
        ),
        Op(
            "transfer",
            sd.text,
            [carry] * (len(dests) - 1),
            dests[:-1],
            dests[1:],
            channels,
            new_tip="always",
            mix_after=True,
            note=f"carry {carry:g} uL down the series (1:{sd.factor:g} each), mixing",
        ),
        Op(
            "transfer",
            sd.text,
            [carry],
            dests[-1:],
            [WASTE],
            channels,
            note=f"take {carry:g} uL from the last {'column' if channels == 8 else 'well'} to waste, "
            f"leaving {volume:g} uL",
        ),
    ]
    for op in steps:
        _add_transfer(draft, op)


def _series(draft: Draft, se: it.Series, s: dict[str, Any], shaking: bool) -> None:
    volume = s.get("final_volume")
    if volume is None:
        _missing(draft, "the final volume per well (e.g. '200 uL per well')", se.text)
    if se.second is None:
        _missing(draft, f"what to mix {se.first.name} with (e.g. 'in water')", se.text)
    lab, wells = place_wells(draft, se.place, se.text, default_plate=True)
    n = se.steps or s.get("n_wells") or len(wells)
    if n > len(wells):
        _missing(draft, f"{n} steps do not fit in the {len(wells)} wells named", se.text)
    if n < 2:
        _missing(draft, "a series needs at least two steps", se.text)
    wells = wells[:n]
    lo = 0.0 if se.start_pct is None else se.start_pct
    hi = 100.0 if se.end_pct is None else se.end_pct
    if not (0 <= lo <= 100 and 0 <= hi <= 100):
        _missing(draft, "percentages between 0% and 100%", se.text)
    firsts = [rounded(volume * (lo + (hi - lo) * i / (n - 1)) / 100) for i in range(n)]
    seconds = [rounded(volume - a) for a in firsts]
    for v in [*firsts, *seconds]:
        if v > 0:
            check_volume(draft, v, se.text)
    a_src = Reagent(liquid(draft, se.first))
    b_src = Reagent(liquid(draft, se.second))
    _pairs_op(draft, se.text, b_src, lab.id, wells, seconds, f"{se.second.name}: {_span(seconds)} uL")
    _pairs_op(draft, se.text, a_src, lab.id, wells, firsts, f"{se.first.name}: {_span(firsts)} uL", mix=True)


def _span(values: list[float]) -> str:
    return f"{values[0]:g} to {values[-1]:g}"


def _pairs_op(
    draft: Draft,
    text: str,
    src: Reagent,
    lab_id: str,
    wells: list[str],
    volumes: list[float],
    note: str,
    *,
    mix: bool = False,
) -> None:
    pairs = [(w, v) for w, v in zip(wells, volumes, strict=True) if v > 0]
    if not pairs:
        return
    dests = [(lab_id, w) for w, _ in pairs]
    occupied = any(draft.holds(d) > 0 for d in dests)
    _add_transfer(
        draft,
        Op(
            "transfer",
            text,
            [v for _, v in pairs],
            [src] * len(pairs),
            dests,
            new_tip="always" if occupied else "once",
            mix_after=mix and occupied,
            note=note,
        ),
    )


def _grid(draft: Draft, g: it.Grid, s: dict[str, Any], shaking: bool) -> None:
    down, across = (
        (g.first, g.second)
        if g.first.along != "columns" and g.second.along != "rows"
        else (g.second, g.first)
    )
    for axis in (down, across):
        if axis.low_ul is None or axis.high_ul is None:
            _missing(draft, f"the volumes of {axis.liquid.name} (e.g. 'from 0 to 100 uL')", g.text)
    lab = containers(draft, g.place.container if g.place else None, g.text, default_plate=True)[0]
    rows, cols = g.shape or FORMATS[lab.wells]
    prows, pcols = FORMATS[lab.wells]
    if rows > prows or cols > pcols or rows < 2 or cols < 2:
        _missing(draft, f"a {rows} x {cols} grid does not fit a {lab.wells}-well plate", g.text)
    dv = [rounded(down.low_ul + (down.high_ul - down.low_ul) * r / (rows - 1)) for r in range(rows)]
    av = [rounded(across.low_ul + (across.high_ul - across.low_ul) * c / (cols - 1)) for c in range(cols)]
    top = s.get("top_up")
    filler_ref = (s.get("top_up_extra") or {}).get("liquid")
    wells = [f"{chr(65 + r)}{c + 1}" for r in range(rows) for c in range(cols)]
    fill = [rounded(top - dv[r] - av[c]) if top else 0.0 for r in range(rows) for c in range(cols)]
    if top is not None and min(fill) < -1e-9:
        _refuse(
            draft,
            f"the grid's largest well ({dv[-1] + av[-1]:g} uL) is more than the {top:g} uL to top up to",
        )
    for v in [*dv, *av, *fill]:
        if v > 0:
            check_volume(draft, v, g.text)
    if top is not None and filler_ref is not None:
        _pairs_op(
            draft,
            g.text,
            Reagent(liquid(draft, filler_ref)),
            lab.id,
            wells,
            fill,
            f"{filler_ref.name} to {top:g} uL per well",
        )
    per_well_down = [dv[r] for r in range(rows) for c in range(cols)]
    per_well_across = [av[c] for r in range(rows) for c in range(cols)]
    _pairs_op(
        draft,
        g.text,
        Reagent(liquid(draft, down.liquid)),
        lab.id,
        wells,
        per_well_down,
        f"{down.liquid.name} {_span(dv)} uL down the rows",
    )
    _pairs_op(
        draft,
        g.text,
        Reagent(liquid(draft, across.liquid)),
        lab.id,
        wells,
        per_well_across,
        f"{across.liquid.name} {_span(av)} uL across the columns",
        mix=True,
    )


def _normalise(draft: Draft, n: it.Normalise, s: dict[str, Any], shaking: bool) -> None:
    volume = n.final_ul if n.final_ul is not None else s.get("final_volume")
    if volume is None:
        _missing(draft, "the final volume of each normalised sample (e.g. 'in 50 uL')", n.text)
    if n.diluent is None:
        _missing(draft, "what to dilute the samples with (e.g. 'with water')", n.text)
    target, unit = conc_value(n.target)
    rows = []
    for well, text in n.table:
        value, row_unit = conc_value(text, unit)
        rows.append((well, _convert(draft, value, row_unit, unit, n.text)))
    low = [w for w, c in rows if c < target - 1e-9]
    if low:
        _refuse(
            draft,
            f"{', '.join(low)} {'is' if len(low) == 1 else 'are'} below the target {n.target}: "
            "a sample cannot be diluted up to a higher concentration",
        )
    sample = n.sample or it.LiquidRef("samples")
    src_c = n.place.container if n.place and n.place.container else it.Container("plate", 96, contents=sample)
    src = containers(draft, src_c, n.text)[0]
    wells = [w for w, _ in rows]
    select(draft, it.Selection("wells", tuple(wells)), src, n.text)
    dest = containers(draft, it.Container(src.kind, src.wells, new=True), n.text)[0]
    sample_ul = [rounded(volume * target / c) for _, c in rows]
    diluent_ul = [rounded(volume - v) for v in sample_ul]
    for v in [*sample_ul, *diluent_ul]:
        if v > 0:
            check_volume(draft, v, n.text)
    if any(draft.holds((src.id, w)) <= 0 for w in wells):
        _declare_contents(draft, src, wells, sample, None)
    _pairs_op(
        draft,
        n.text,
        Reagent(liquid(draft, n.diluent)),
        dest.id,
        wells,
        diluent_ul,
        f"{n.diluent.name} to make {volume:g} uL",
    )
    dests = [(dest.id, w) for w in wells]
    _add_transfer(
        draft,
        Op(
            "transfer",
            n.text,
            sample_ul,
            [(src.id, w) for w in wells],
            dests,
            new_tip="always",
            mix_after=True,
            note=f"samples to {n.target} in {volume:g} uL",
        ),
    )
    draft.current = dest.id


def _convert(draft: Draft, value: float, unit: str, to: str, text: str) -> float:
    if unit == to:
        return value
    try:
        from labwright.protocols.units import _registry

        return float(_registry().Quantity(value, unit).to(to).magnitude)
    except Exception:
        _missing(draft, f"{value:g} {unit} cannot be compared with the target's unit {to}", text)
        raise _Stop from None


HANDLERS = {
    it.SerialDilution: _serial,
    it.Series: _series,
    it.Grid: _grid,
    it.Normalise: _normalise,
}
