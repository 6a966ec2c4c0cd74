"""Intents -> a ``Draft``: what goes where, in which order, with which volumes.

Each intent is compiled by one function. What a request leaves open that the planner would have
to invent (a volume, a liquid, which labware a well is in, a dilution factor, a speed) is
reported as not understood; what no Opentrons hardware can do (a volume no labware holds, a
temperature no module reaches) is a refusal. Volumes are tracked per well so that later intents
know what a well already holds (tip changes, mixing) and the renderer knows how much each plate
must hold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from labwright.agents.planner import catalogue
from labwright.agents.planner import intents as it
from labwright.agents.planner.chemistry import identify
from labwright.agents.planner.draft import (
    FORMATS,
    Draft,
    Lab,
    LiquidDecl,
    Loc,
    ModuleDecl,
    Op,
    Reagent,
    well_names,
)

PLATE_KINDS = ("plate", "deep_plate", "pcr_plate")
KIND_LABEL = {"plate": "plate", "deep_plate": "deep-well plate", "pcr_plate": "PCR plate", "tube": "tube"}


class _Stop(Exception):
    """The current intent cannot be compiled (already reported)."""


def compile_intents(intents: list[it.Intent], handlers: dict[type, Callable[..., None]]) -> Draft:
    """Compile every intent with its handler (``handlers``: intent type -> function)."""
    draft = Draft()
    settings = _attach_settings(intents, draft)
    uses_shaking = any(isinstance(i, it.Shake) or (isinstance(i, it.Incubate) and i.shaking) for i in intents)
    for intent in intents:
        if isinstance(intent, it.Setting):
            continue
        handler = handlers[type(intent)]
        try:
            handler(draft, intent, settings.get(id(intent), {}), uses_shaking)
        except _Stop:
            continue
    return draft


def _attach_settings(intents: list[it.Intent], draft: Draft) -> dict[int, dict[str, Any]]:
    """Each setting qualifies the liquid-handling intent before it (else the next one); the
    robot qualifies the whole request."""
    out: dict[int, dict[str, Any]] = {}
    handling = [i for i in intents if isinstance(i, it.LIQUID_HANDLING)]
    last: it.Intent | None = None
    for intent in intents:
        if isinstance(intent, it.LIQUID_HANDLING):
            last = intent
            continue
        if not isinstance(intent, it.Setting):
            continue
        if intent.key == "robot":
            draft.robot = str(intent.value)
            continue
        target = last or (handling[0] if handling else None)
        if target is None:
            draft.not_understood.append(f"{intent.text} (it qualifies no pipetting step)")
            continue
        if intent.key not in SETTINGS_OF.get(type(target), ()):
            draft.not_understood.append(f"{intent.text} (does not apply to {target.text!r})")
            continue
        bucket = out.setdefault(id(target), {})
        bucket[intent.key] = intent.value
        if intent.extra:
            bucket[intent.key + "_extra"] = intent.extra
    return out


# the settings each intent reads; any other setting after it is reported, never dropped
SETTINGS_OF: dict[type, tuple[str, ...]] = {
    it.Transfer: ("channels", "new_tip"),
    it.CopyPlate: ("channels", "final_volume"),
    it.SerialDilution: ("final_volume", "n_wells", "channels"),  # 8 channels: one series per row
    it.Series: ("final_volume", "n_wells"),
    it.Grid: ("top_up",),
    it.Normalise: ("final_volume",),
}


# ------------------------------------------------------------------------------- helpers


def _missing(draft: Draft, what: str, text: str) -> None:
    draft.not_understood.append(f"{text}: {what}")
    raise _Stop


def _refuse(draft: Draft, reason: str) -> None:
    draft.refusals.append(reason)
    raise _Stop


def liquid(draft: Draft, ref: it.LiquidRef, *, multichannel: bool = False) -> str:
    """The id of a declared liquid (declared on first use, with its chemical identity)."""
    for decl in draft.liquids.values():
        if decl.name.casefold() == ref.name.casefold() and decl.concentration == ref.concentration:
            decl.multichannel |= multichannel
            return decl.id
    ident = identify(ref.name, ref.concentration)
    lid = draft.new_id(ref.name)
    draft.liquids[lid] = LiquidDecl(
        lid,
        ref.name,
        ref.concentration,
        ident.cas,
        ident.smiles,
        ident.known_as,
        ident.unknown,
        multichannel=multichannel,
    )
    return lid


def _plate_label(c: it.Container) -> str:
    base = KIND_LABEL.get(c.kind, c.kind)
    if c.kind == "plate" and c.wells:
        base = f"{c.wells}-well plate"
    return base + (f" {c.label}" if c.label else "")


def containers(draft: Draft, c: it.Container | None, text: str, *, default_plate: bool = False) -> list[Lab]:
    """The labware a container phrase names: an earlier one unless it says new/another."""
    if c is None:
        if draft.current is not None:
            return [draft.labware[draft.current]]
        if not default_plate:
            _missing(draft, "which labware (e.g. 'of a 96 well plate')", text)
        c = it.Container("plate", 96)
        draft.notes.append("No labware was named: a 96-well plate is used.")
    if c.kind == "reservoir":
        _missing(draft, "a reservoir is a source the planner fills itself; name the wells to fill", text)
    wells = c.wells or (96 if c.kind != "tube" else 24)
    if wells not in FORMATS:
        _missing(draft, f"a {wells}-well format the planner does not lay out", text)
    key = f"{c.kind}:{c.label}" if c.label else None
    if c.count == 1 and not c.new:
        found = _existing(draft, c, key)
        if found is not None:
            draft.current = found.id if found.kind != "tube" else draft.current
            return [found]
    out = []
    for _ in range(c.count):
        lid = draft.new_id("tubes" if c.kind == "tube" else c.kind if c.kind != "plate" else "plate")
        lab = Lab(lid, c.kind, wells, _plate_label(c), key or "", tube_ul=c.tube_ul)
        draft.labware[lid] = lab
        out.append(lab)
    if c.kind != "tube":
        draft.current = out[0].id if c.count == 1 else draft.current or out[0].id
    return out


def _existing(draft: Draft, c: it.Container, key: str | None) -> Lab | None:
    for lab in reversed(list(draft.labware.values())):
        if key is not None:
            if lab.key == key:
                return lab
            continue
        if c.kind == "tube" or lab.kind == "tube":
            continue
        same_kind = c.kind == lab.kind or (c.kind == "plate" and c.wells is None)
        if same_kind and (c.wells is None or c.wells == lab.wells):
            return lab
    return None


def select(draft: Draft, sel: it.Selection | None, lab: Lab, text: str) -> list[str]:
    """Well names of a selection on a labware, in the order the request gives them."""
    names = well_names(lab.wells)
    rows, cols = FORMATS[lab.wells]
    if sel is None or sel.kind == "all":
        return names
    if sel.kind == "wells":
        bad = [w for w in sel.items if w not in names]
        if bad:
            _missing(draft, f"{', '.join(bad)} is not a well of a {lab.wells}-well plate", text)
        return list(sel.items)
    if sel.kind == "well_range":
        return _well_range(draft, sel.items[0], sel.items[1], names, text)
    if sel.kind == "columns":
        bad = [c for c in sel.items if not 1 <= int(c) <= cols]
        if bad or not sel.items:
            _missing(draft, f"column {', '.join(bad) or '?'} is not on a {lab.wells}-well plate", text)
        return [f"{chr(65 + r)}{c}" for c in sel.items for r in range(rows)]
    if sel.kind == "rows":
        bad = [r for r in sel.items if ord(r) - 65 >= rows]
        if bad or not sel.items:
            _missing(draft, f"row {', '.join(bad) or '?'} is not on a {lab.wells}-well plate", text)
        return [f"{r}{c + 1}" for r in sel.items for c in range(cols)]
    if sel.kind == "first":
        return names[: sel.count]
    raise AssertionError(sel.kind)


def _well_range(draft: Draft, first: str, last: str, names: list[str], text: str) -> list[str]:
    if first not in names or last not in names:
        _missing(draft, f"{first} to {last} is not on this plate", text)
    r1, c1 = first[0], int(first[1:])
    r2, c2 = last[0], int(last[1:])
    if r1 == r2:
        step = 1 if c2 >= c1 else -1
        return [f"{r1}{c}" for c in range(c1, c2 + step, step)]
    if c1 == c2:
        step = 1 if r2 >= r1 else -1
        return [f"{chr(r)}{c1}" for r in range(ord(r1), ord(r2) + step, step)]
    i, j = names.index(first), names.index(last)
    return names[i : j + 1] if i <= j else _missing(draft, f"{last} comes before {first}", text)  # type: ignore[return-value]


def place_wells(
    draft: Draft, place: it.Place | None, text: str, *, default_plate: bool = False
) -> tuple[Lab, list[str]]:
    if place is None:
        _missing(draft, "where (which wells of which labware)", text)
    labs = containers(
        draft, place.container, text, default_plate=default_plate or place.selection is not None
    )
    if len(labs) > 1:
        _missing(draft, f"{len(labs)} plates in one step: name one plate per step, or copy a plate", text)
    lab = labs[0]
    if lab.kind == "tube":
        return lab, [_next_tube(draft, lab)]
    return lab, select(draft, place.selection, lab, text)


def _next_tube(draft: Draft, lab: Lab) -> str:
    """A named tube is the next free one of its rack (the rack holds 24)."""
    used = {w for (lid, w) in draft.volumes if lid == lab.id}
    free = [w for w in well_names(24) if w not in used]
    return free[0]


def columns_only(draft: Draft, wells: list[str], lab: Lab, text: str) -> list[str]:
    """An 8-channel pipette addresses whole columns by their top well."""
    rows, cols = FORMATS[lab.wells]
    if rows != 8:
        _refuse(draft, f"an 8-channel pipette needs a plate with 8 rows; a {lab.wells}-well plate has {rows}")
    chosen = []
    for c in range(1, cols + 1):
        col = {f"{chr(65 + r)}{c}" for r in range(8)}
        hit = col & set(wells)
        if hit and hit != col:
            _refuse(draft, f"an 8-channel pipette fills whole columns; {text!r} names part of column {c}")
        if hit:
            chosen.append(f"A{c}")
    return chosen


def column_wells(top: str) -> list[str]:
    return [f"{chr(65 + r)}{top[1:]}" for r in range(8)]


def _add_transfer(draft: Draft, op: Op) -> None:
    """Record an operation and update the running volumes of its wells."""
    after: list[float] = []
    for src, dst, vol in zip(op.sources, op.dests, op.volumes, strict=True):
        for s in _channel_locs(src, op.channels):
            draft.add(s, -vol)
        for d in _channel_locs(dst, op.channels):
            draft.add(d, vol)
            after.append(draft.holds(d))
    if op.mix_after and after:
        op.mix_ul = min(after) / 2
    draft.ops.append(op)


def _channel_locs(loc: Loc, channels: int) -> list[Loc]:
    if channels == 1 or isinstance(loc, Reagent):
        return [loc]
    return [(loc[0], w) for w in column_wells(loc[1])]


def check_volume(draft: Draft, volume: float, text: str) -> None:
    low = catalogue.smallest_volume(draft.robot)
    if volume < low - 1e-9:
        robot = "OT-2" if draft.robot == "ot2" else "Flex"
        _refuse(
            draft,
            f"{volume:g} uL is below the smallest volume any {robot} pipette dispenses "
            f"({low:g} uL): {text!r}",
        )


def _declare_contents(
    draft: Draft, lab: Lab, wells: list[str], ref: it.LiquidRef, volume: float | None
) -> str:
    lid = liquid(draft, ref)
    for w in wells:
        if (lab.id, w) not in draft.liquids[lid].wells:
            draft.liquids[lid].wells[(lab.id, w)] = (
                volume if volume is not None else -1.0
            )  # -1: what the plan draws
            draft.add((lab.id, w), volume or 0.0)
    return lid


# ------------------------------------------------------------------------------ handlers


def _transfer(draft: Draft, t: it.Transfer, s: dict[str, Any], shaking: bool) -> None:
    if t.volume_ul is None:
        _missing(draft, f"how much to {t.verb} (no volume given)", t.text)
    check_volume(draft, t.volume_ul, t.text)
    channels = int(s.get("channels", 1))
    dest_lab, dest_wells = place_wells(draft, t.dest, t.text, default_plate=True)
    sources = _sources(draft, t, channels)
    if channels == 8:
        dest_wells = columns_only(draft, dest_wells, dest_lab, t.text)
    dests: list[Loc] = [(dest_lab.id, w) for w in dest_wells]
    if len(sources) == 1:
        sources = sources * len(dests)
    if len(sources) != len(dests):
        _missing(draft, f"{len(sources)} sources and {len(dests)} destinations do not pair up", t.text)
    occupied = any(draft.holds(d) > 0 for d in dests)
    single_reagent = isinstance(sources[0], Reagent) and len(set(sources)) == 1
    kind = "transfer"
    if (
        t.verb in ("distribute", "aliquot", "dispense")
        and single_reagent
        and not occupied
        and channels == 1
        and len(dests) > 1
    ):
        kind = "distribute"
    new_tip = s.get("new_tip") or ("once" if single_reagent and not occupied else "always")
    _add_transfer(
        draft,
        Op(kind, t.text, [t.volume_ul] * len(dests), sources, dests, channels, new_tip, mix_after=occupied),
    )


def _sources(draft: Draft, t: it.Transfer, channels: int) -> list[Loc]:
    src = t.source
    if src is None or (
        src.selection is None and src.container is not None and src.container.kind == "reservoir"
    ):
        if t.liquid is None:
            _missing(draft, f"what liquid to {t.verb}", t.text)
        return [Reagent(liquid(draft, t.liquid, multichannel=channels == 8))]
    lab, wells = place_wells(draft, src, t.text)
    if channels == 8:
        wells = columns_only(draft, wells, lab, t.text)
    contents = src.container.contents if src.container and src.container.contents else t.liquid
    empty = [w for w in wells if draft.holds((lab.id, w)) <= 0]
    if empty:
        if contents is None:
            _missing(
                draft, f"what is in {lab.label} {', '.join(empty[:4])} (nothing the plan put there)", t.text
            )
        fill = [x for w in empty for x in (column_wells(w) if channels == 8 else [w])]
        _declare_contents(draft, lab, fill, contents, src.container.contents_ul if src.container else None)
    return [(lab.id, w) for w in wells]


def _pool(draft: Draft, p: it.Pool, s: dict[str, Any], shaking: bool) -> None:
    if p.volume_ul is None:
        _missing(draft, "how much to take from each well (no volume given)", p.text)
    check_volume(draft, p.volume_ul, p.text)
    src_lab, src_wells = place_wells(draft, p.source, p.text)
    contents = (p.source.container.contents if p.source.container else None) or p.liquid
    empty = [w for w in src_wells if draft.holds((src_lab.id, w)) <= 0]
    if empty:
        if contents is None:
            _missing(draft, f"what the wells to pool hold ({src_lab.label} {empty[0]}...)", p.text)
        per_well = p.source.container.contents_ul if p.source.container else None
        _declare_contents(draft, src_lab, empty, contents, per_well)
    total = p.volume_ul * len(src_wells)
    dest_c = p.dest.container
    if dest_c is not None and dest_c.kind == "tube" and dest_c.tube_ul is None:
        p = _with_tube_size(draft, p, total)
    dest_lab, dest_wells = place_wells(draft, p.dest, p.text)
    if len(dest_wells) != 1:
        _missing(draft, "pool into one well or tube", p.text)
    dest = (dest_lab.id, dest_wells[0])
    op = Op(
        "consolidate",
        p.text,
        [p.volume_ul] * len(src_wells),
        [(src_lab.id, w) for w in src_wells],
        [dest] * len(src_wells),
    )
    _add_transfer(draft, op)


def _with_tube_size(draft: Draft, p: it.Pool, total: float) -> it.Pool:
    """A tube whose size the request leaves open gets the smallest tube that holds the pool."""
    for size in (1500.0, 2000.0):
        if total <= size:
            c = p.dest.container
            return it.Pool(
                p.text,
                p.volume_ul,
                p.liquid,
                p.source,
                it.Place(
                    p.dest.selection,
                    it.Container("tube", c.wells, size, c.label, c.new, c.count, c.contents, c.contents_ul),
                ),
            )
    _refuse(
        draft,
        f"the pool ({total:g} uL) is more than a 2 mL tube holds; pool into a plate well or a reservoir",
    )
    raise AssertionError


def _copy(draft: Draft, c: it.CopyPlate, s: dict[str, Any], shaking: bool) -> None:
    volume = c.volume_ul if c.volume_ul is not None else s.get("final_volume")
    if volume is None:
        _missing(draft, "how much to copy from each well (no volume given)", c.text)
    check_volume(draft, volume, c.text)
    src_lab, src_wells = place_wells(draft, c.source, c.text)
    if s.get("channels", 8) != 8:
        draft.notes.append("Plate copies are planned with an 8-channel pipette, column by column.")
    tops = columns_only(draft, src_wells, src_lab, c.text)
    dest_labs = containers(draft, c.dest.container, c.text, default_plate=False) if c.dest.container else None
    if not dest_labs:
        _missing(draft, "which plate(s) to copy into", c.text)
    for lab in dest_labs:
        if lab.id == src_lab.id:
            _missing(draft, "the copy goes into the plate it comes from", c.text)
    contents = c.source.container.contents if c.source.container else None
    empty = [w for w in tops if draft.holds((src_lab.id, w)) <= 0]
    if empty:
        if contents is None:
            _missing(draft, f"what the wells of {src_lab.label} hold (e.g. 'a plate of samples')", c.text)
        fill = [x for w in empty for x in column_wells(w)]
        _declare_contents(draft, src_lab, fill, contents, c.source.container.contents_ul)
    for lab in dest_labs:
        _prefill(draft, c.dest.container, lab, tops)
        dests: list[Loc] = [(lab.id, w) for w in tops]
        occupied = any(draft.holds(d) > 0 for d in dests)
        op = Op(
            "transfer",
            c.text,
            [volume] * len(tops),
            [(src_lab.id, w) for w in tops],
            dests,
            8,
            "always",
            mix_after=occupied,
        )
        _add_transfer(draft, op)
    draft.current = src_lab.id if len(dest_labs) > 1 else dest_labs[0].id


def _prefill(draft: Draft, c: it.Container | None, lab: Lab, tops: list[str]) -> None:
    """Destination plates "containing 180 uL of LB" are filled first, from a trough."""
    if c is None or c.contents is None:
        return
    if c.contents_ul is None:
        _missing(draft, f"how much {c.contents.name} the new plates hold", c.contents.name)
    check_volume(draft, c.contents_ul, c.contents.name)
    src = Reagent(liquid(draft, c.contents, multichannel=True))
    op = Op(
        "transfer",
        f"fill {lab.label} with {c.contents_ul:g} uL {c.contents.name}",
        [c.contents_ul] * len(tops),
        [src] * len(tops),
        [(lab.id, w) for w in tops],
        8,
        "once",
    )
    _add_transfer(draft, op)


def _mix_op(draft: Draft, m: it.Mix, s: dict[str, Any], shaking: bool) -> None:
    if m.repetitions is None:
        _missing(draft, "how many times to mix", m.text)
    lab, wells = place_wells(draft, m.place, m.text)
    for w in wells:
        held = draft.holds((lab.id, w))
        if held <= 0:
            _missing(draft, f"{lab.label} {w} holds nothing to mix", m.text)
        volume = m.volume_ul if m.volume_ul is not None else held / 2
        draft.ops.append(Op("mix", m.text, [volume], [], [(lab.id, w)], mix_reps=m.repetitions))


HANDLERS: dict[type, Callable[..., None]] = {
    it.Transfer: _transfer,
    it.Pool: _pool,
    it.CopyPlate: _copy,
    it.Mix: _mix_op,
}


def rounded(volume: float) -> float:
    """uL to 0.01 uL (what a pipette can be asked for)."""
    return math.floor(volume * 100 + 0.5) / 100


def conc_value(text: str, default_unit: str | None = None) -> tuple[float, str]:
    m = re.match(r"^\s*([\d.]+)\s*(.*)$", text)
    if not m:
        raise ValueError(text)
    unit = m.group(2).strip() or (default_unit or "")
    return float(m.group(1)), unit.replace("µ", "u").replace("μ", "u")


def module_for(draft: Draft, celsius: float | None, shaking: bool, text: str) -> str:
    """The module that holds ``celsius`` (shaking: a Heater-Shaker); refuse when none can."""
    if shaking:
        mtype = "heater_shaker"
    elif celsius is not None:
        lo, hi = catalogue.module_range("temperature", "temperature")
        mtype = "temperature"
        if not lo <= celsius <= hi:
            tlo, thi = catalogue.module_range("thermocycler", "temperature")
            mtype = "thermocycler" if tlo <= celsius <= thi else ""
    else:
        mtype = "temperature"
    if celsius is not None:
        ranges = {
            t: catalogue.module_range(t, "temperature")
            for t in ("temperature", "heater_shaker", "thermocycler")
        }
        if shaking and not ranges[mtype][0] <= celsius <= ranges[mtype][1]:
            lo, hi = ranges["heater_shaker"]
            _refuse(
                draft,
                f"the request shakes the plate, so it sits on the Heater-Shaker, which holds {lo:g}-{hi:g} "
                f"degC, not {celsius:g} degC (a plate sits on one module, moving it is not planned): "
                f"{text!r}",
            )
        if not mtype or not ranges[mtype][0] <= celsius <= ranges[mtype][1]:
            spans = ", ".join(
                f"{t.replace('_', '-')} module {lo:g}-{hi:g} degC" for t, (lo, hi) in ranges.items()
            )
            _refuse(draft, f"no Opentrons module holds {celsius:g} degC ({spans}): {text!r}")
    for mod in draft.modules.values():
        if mod.type == mtype:
            return mod.id
    mid = draft.new_id({"temperature": "temp_module", "heater_shaker": "heater_shaker"}.get(mtype, mtype))
    draft.modules[mid] = ModuleDecl(mid, mtype)
    return mid


def put_on_module(draft: Draft, module: str, container: it.Container | None, text: str) -> str | None:
    """The plate the device step acts on sits on the module (one plate per module)."""
    lab = None
    if container is not None:
        lab = containers(draft, container, text, default_plate=True)[0]
    elif draft.current is not None:
        lab = draft.labware[draft.current]
    if lab is None:
        return None
    holder = next((x for x in draft.labware.values() if x.module == module), None)
    if holder is not None and holder.id != lab.id:
        _refuse(draft, f"{holder.label} already sits on the module; one plate per module: {text!r}")
    if lab.kind == "tube":
        _refuse(draft, f"tubes do not go on a module in this planner: {text!r}")
    lab.module = module
    return lab.id
