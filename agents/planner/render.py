"""A ``Draft`` -> a labwright protocol document, with the plan in words.

Choices made here, all from the Opentrons catalogue: the plate of each kind whose wells hold
what the plan puts in them; the reagents' sources (a 1.5 mL tube for a small volume drawn by a
single-channel pipette, a trough of a 12-well reservoir for more or for an 8-channel pipette, a
1-well reservoir beyond 15 mL); the pair of pipettes that covers every volume with the fewest
aspirations; each pipette's tip size; the slots (modules first, tall labware kept off the
Heater-Shaker's sides). The document is rendered twice: the deck twin's expansion of the first
rendering counts the tips each pipette picks up and the volume drawn from each source, and the
second loads exactly that (plus a dead volume) and enough tip racks.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from labwright.agents.planner import catalogue
from labwright.agents.planner.draft import WASTE, Draft, Lab, Loc, Op, Reagent, well_names
from labwright.simulators.deck.definitions import PipetteInfo, load_labware

# what stays in a source when the pipette can no longer reach it (Opentrons guidance on
# reservoirs and tubes), added to what the plan draws
DEAD_VOLUME_UL = {"tube": 30.0, "reservoir12": 1000.0, "reservoir1": 10000.0}
TUBE_MAX_UL = 1300.0  # a 1.5 mL tube filled with what is drawn plus its dead volume
OT2_SLOTS = ("2", "5", "8", "11", "4", "6", "9", "3", "1", "7", "10")
FLEX_SLOTS = ("D2", "C2", "B2", "D3", "C3", "B3", "A2", "D1", "C1", "B1", "A1")
MODULE_SLOTS = {
    "ot2": {
        "heater_shaker": ("1", "3", "4", "6", "10"),
        "temperature": ("3", "1", "4", "6", "9", "10"),
        "thermocycler": ("7",),
    },
    "flex": {
        "heater_shaker": ("D1", "C1", "D3", "C3"),
        "temperature": ("C1", "D1", "C3", "D3"),
        "thermocycler": ("B1",),
    },
}
OT2_NEIGHBOURS = {
    "1": {"2", "4"},
    "3": {"2", "6"},
    "4": {"5", "1", "7"},
    "6": {"5", "3", "9"},
    "10": {"11", "7"},
}
OT2_SIDES = {"1": {"2"}, "3": {"2"}, "4": {"5"}, "6": {"5"}, "10": {"11"}}


class RenderRefusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Source:
    labware: str
    well: str
    kind: str  # tube | reservoir12 | reservoir1


@dataclass
class Rendered:
    document: dict[str, Any]
    plan: list[str] = field(default_factory=list)


@dataclass
class _Layout:
    load_names: dict[str, tuple[str, str | None]]  # lab id -> (load name, adapter)
    sources: dict[str, Source]  # reagent liquid id (and the waste) -> source well
    extra_labware: list[dict[str, Any]]  # reservoirs and tube racks of the sources
    pipettes: list[PipetteInfo]
    assignment: dict[tuple[int, int], PipetteInfo]  # (op index, pair index) -> pipette
    tips: dict[str, str]  # pipette name -> tip rack load name


def render(draft: Draft, title: str, description: str) -> Rendered:
    """Two renderings: the first measures, the second is the protocol (module docstring)."""
    layout = _layout(draft)
    first = _document(draft, layout, title, description, racks=None, loads=None)
    picks, drawn = _measure(first)
    racks = {
        p.name: catalogue.racks_needed(picks.get(f"p{i}", 0), p.channels)
        for i, p in enumerate(layout.pipettes)
    }
    loads = _loads(draft, layout, drawn)
    doc = _document(draft, layout, title, description, racks=racks, loads=loads)
    return Rendered(doc, _plan_lines(doc, draft.notes))


# --------------------------------------------------------------------------------- layout


def _layout(draft: Draft) -> _Layout:
    load_names = {lab.id: _choose_plate(draft, lab) for lab in draft.labware.values()}
    pipettes, assignment = _choose_pipettes(draft)
    sources, extra = _place_sources(draft, pipettes, assignment)
    tips = {}
    for pip in pipettes:
        biggest = max(
            (max(catalogue.chunks(_vol(draft, k), pip)) for k, p in assignment.items() if p is pip),
            default=pip.max_volume_ul,
        )
        mixes = [
            min(op.mix_ul, pip.max_volume_ul)
            for (oi, _), p in assignment.items()
            if p is pip
            for op in [draft.ops[oi]]
            if op.mix_after
        ]
        tips[pip.name] = catalogue.tip_rack_for(pip, max([biggest, *mixes]))
    return _Layout(load_names, sources, extra, pipettes, assignment, tips)


def _vol(draft: Draft, key: tuple[int, int]) -> float:
    return draft.ops[key[0]].volumes[key[1]]


def _choose_plate(draft: Draft, lab: Lab) -> tuple[str, str | None]:
    module = draft.modules[lab.module].type if lab.module else None
    need = lab.need_ul
    if lab.kind == "tube":
        size = lab.tube_ul or 1500.0
        options = [
            c
            for c in catalogue.candidates("tube", None)
            if abs(c.nominal_ul - size) < 1 and "snapcap" in c.load_name
        ]
        options = options or [c for c in catalogue.candidates("tube", None) if c.nominal_ul >= size]
        if not options or options[0].nominal_ul < need:
            raise RenderRefusal(f"no 1.5-2 mL tube holds {need:g} uL")
        return options[0].load_name, None
    if module == "heater_shaker":
        fits = [
            c
            for c in catalogue.candidates(lab.kind, lab.wells)
            if c.load_name in catalogue.HS_ADAPTERS and c.nominal_ul >= need
        ]
        if not fits:
            raise RenderRefusal(f"no plate that the Heater-Shaker's adapters take holds {need:g} uL per well")
        best = min(fits, key=lambda c: c.nominal_ul)
        return best.load_name, catalogue.HS_ADAPTERS[best.load_name]
    if module == "temperature" and lab.kind == "pcr_plate":
        if need > 100.0:
            raise RenderRefusal(
                f"a PCR plate in the Temperature Module's aluminium block holds 100 uL, not {need:g} uL"
            )
        return catalogue.TEMP_BLOCK_PCR, None
    kind = "pcr_plate" if module == "thermocycler" else lab.kind
    choice = catalogue.choose_labware(kind, lab.wells, need)
    if choice is None:
        top = catalogue.largest(kind, lab.wells)
        biggest = f" (the largest, {top.load_name}, holds {top.nominal_ul:g} uL)" if top else ""
        raise RenderRefusal(f"no {lab.label} in the Opentrons catalogue holds {need:g} uL per well{biggest}")
    return choice.load_name, None


def _needs(draft: Draft) -> list[tuple[tuple[int, int], float, int]]:
    out = []
    for oi, op in enumerate(draft.ops):
        if op.op in ("transfer", "distribute", "consolidate", "mix"):
            out += [((oi, k), v, op.channels) for k, v in enumerate(op.volumes)]
    return out


def _choose_pipettes(draft: Draft) -> tuple[list[PipetteInfo], dict[tuple[int, int], PipetteInfo]]:
    needs = _needs(draft)
    if not needs:
        return [], {}
    found = catalogue.choose_mounts(draft.robot, [(v, c) for _, v, c in needs])
    if found is None:
        vols = sorted({v for _, v, _ in needs})
        raise RenderRefusal(
            f"no two {'OT-2' if draft.robot == 'ot2' else 'Flex'} pipettes cover every volume of this plan "
            f"({', '.join(f'{v:g}' for v in vols)} uL) with the channels asked for"
        )
    mounted, by_index = found
    return mounted, {key: by_index[i] for i, (key, _, _) in enumerate(needs)}


def _place_sources(
    draft: Draft, pipettes: list[PipetteInfo], assignment: dict
) -> tuple[dict[str, Source], list[dict]]:
    drawn: Counter[str] = Counter()
    for op in draft.ops:
        for k, src in enumerate(op.sources):
            if isinstance(src, Reagent):
                drawn[src.liquid] += op.volumes[k] * op.channels
        if any(d == WASTE for d in op.dests):
            drawn[WASTE.liquid] += sum(op.volumes)
    sources: dict[str, Source] = {}
    troughs: list[str] = []
    tubes: list[str] = []
    for lid, vol in drawn.items():
        multi = lid != WASTE.liquid and draft.liquids[lid].multichannel
        if lid == WASTE.liquid or multi or vol + DEAD_VOLUME_UL["tube"] > TUBE_MAX_UL:
            if vol * 1.1 + DEAD_VOLUME_UL["reservoir12"] <= 15000.0 or lid == WASTE.liquid:
                troughs.append(lid)
                continue
            if vol * 1.1 + DEAD_VOLUME_UL["reservoir1"] > 195000.0:
                raise RenderRefusal(
                    f"{draft.liquids[lid].name}: the plan draws {vol / 1000:g} mL, "
                    "more than a 195 mL reservoir holds"
                )
            rid = draft.new_id(f"{lid}_reservoir", set(sources))
            sources[lid] = Source(rid, "A1", "reservoir1")
            continue
        tubes.append(lid)
    extra: list[dict[str, Any]] = []
    if len(troughs) > 12:
        raise RenderRefusal("more than 12 reagents need a reservoir trough")
    if troughs:
        rid = draft.new_id("reservoir")
        extra.append({"id": rid, "load_name": "nest_12_reservoir_15ml"})
        names = [n for n in troughs if n != WASTE.liquid]
        for i, lid in enumerate(names):
            sources[lid] = Source(rid, f"A{i + 1}", "reservoir12")
        if WASTE.liquid in troughs:
            sources[WASTE.liquid] = Source(rid, "A12", "reservoir12")
    if tubes:
        tid = draft.new_id("reagent_tubes")
        extra.append({"id": tid, "load_name": "opentrons_24_tuberack_nest_1.5ml_snapcap"})
        for lid, well in zip(tubes, well_names(24), strict=False):
            sources[lid] = Source(tid, well, "tube")
    for src in sources.values():
        if src.kind == "reservoir1" and not any(e["id"] == src.labware for e in extra):
            extra.append({"id": src.labware, "load_name": "nest_1_reservoir_195ml"})
    return sources, extra


# ------------------------------------------------------------------------------- document


def _loc(layout: _Layout, loc: Loc) -> str:
    if isinstance(loc, Reagent):
        src = layout.sources[loc.liquid]
        return f"{src.labware}:{src.well}"
    return f"{loc[0]}:{loc[1]}"


def _document(
    draft: Draft,
    layout: _Layout,
    title: str,
    description: str,
    *,
    racks: dict[str, int] | None,
    loads: dict[tuple[str, str], float] | None,
) -> dict[str, Any]:
    labware, modules, pipettes = _deck(draft, layout, racks)
    liquids = _liquids(draft, layout, loads)
    steps: list[dict[str, Any]] = []
    for oi, op in enumerate(draft.ops):
        steps += _steps(draft, layout, oi, op)
    return {
        "labwright": "labwright/1",
        "metadata": {
            "name": title,
            "robot": draft.robot,
            "description": description,
            "author": "labwright offline planner",
        },
        "labware": labware,
        "modules": modules,
        "pipettes": pipettes,
        "liquids": liquids,
        "steps": steps,
    }


def _deck(draft: Draft, layout: _Layout, racks: dict[str, int] | None) -> tuple[list, list, list]:
    free = list(OT2_SLOTS if draft.robot == "ot2" else FLEX_SLOTS)
    modules = []
    hs_sides: set[str] = set()
    for mod in draft.modules.values():
        slot = next(
            (
                s
                for s in MODULE_SLOTS[draft.robot][mod.type]
                if s in free and not _blocked(s, modules, draft.robot)
            ),
            None,
        )
        if slot is None:
            raise RenderRefusal(f"no free slot for the {mod.type.replace('_', '-')} module")
        modules.append({"id": mod.id, "type": mod.type, "slot": slot})
        taken = {slot} | ({"8", "10", "11"} if mod.type == "thermocycler" and draft.robot == "ot2" else set())
        taken |= {"A1"} if mod.type == "thermocycler" and draft.robot == "flex" else set()
        free = [s for s in free if s not in taken]
        if mod.type == "heater_shaker" and draft.robot == "ot2":
            hs_sides |= OT2_SIDES.get(slot, set())
            free = [
                s for s in free if s not in OT2_NEIGHBOURS.get(slot, set()) - OT2_SIDES.get(slot, set())
            ] + [s for s in free if s in OT2_NEIGHBOURS.get(slot, set()) - OT2_SIDES.get(slot, set())]
    items: list[dict[str, Any]] = []
    for lab in draft.labware.values():
        name, adapter = layout.load_names[lab.id]
        entry: dict[str, Any] = {"id": lab.id, "load_name": name, "label": lab.label}
        if lab.module:
            entry["module"] = lab.module
            if adapter:
                entry["adapter"] = adapter
        items.append(entry)
    items += [dict(e) for e in layout.extra_labware]
    pipettes = []
    for i, pip in enumerate(layout.pipettes):
        n = (racks or {}).get(pip.name, 1)
        ids = []
        for k in range(n):
            rid = f"tips_{pip.name.split('_')[0]}_{pip.channels}ch" + (f"_{k + 1}" if n > 1 else "")
            ids.append(rid)
            items.append({"id": rid, "load_name": layout.tips[pip.name]})
        pipettes.append(
            {"id": f"p{i}", "model": pip.name, "mount": "left" if i == 0 else "right", "tip_racks": ids}
        )
    for entry in items:
        if "module" in entry:
            continue
        tall = load_labware(entry["load_name"]).height_mm > 53.0 and not entry["load_name"].startswith(
            "opentrons_96_tiprack_300"
        )
        slot = next((s for s in free if not (tall and s in hs_sides)), None)
        if slot is None:
            raise RenderRefusal(
                f"the deck has no free slot left for {entry['id']} ({len(items)} labware in all)"
            )
        entry["slot"] = slot
        free.remove(slot)
    return items, modules, pipettes


def _blocked(slot: str, modules: list[dict[str, Any]], robot: str) -> bool:
    """OT-2: no module directly beside a Heater-Shaker (the verifier's placement rule)."""
    if robot != "ot2":
        return False
    for mod in modules:
        if mod["type"] == "heater_shaker" and slot in OT2_NEIGHBOURS.get(mod["slot"], set()):
            return True
        if slot in OT2_NEIGHBOURS and mod["slot"] in OT2_NEIGHBOURS.get(slot, set()):
            return True
    return False


def _liquids(
    draft: Draft, layout: _Layout, loads: dict[tuple[str, str], float] | None
) -> list[dict[str, Any]]:
    out = []
    for decl in draft.liquids.values():
        initial: dict[str, float] = {}
        for (lab, well), vol in decl.wells.items():
            initial[f"{lab}:{well}"] = (
                (loads or {}).get((lab, well), _nominal(layout, lab)) if vol < 0 else vol
            )
        if decl.id in layout.sources:
            src = layout.sources[decl.id]
            initial[f"{src.labware}:{src.well}"] = (loads or {}).get(
                (src.labware, src.well), _nominal(layout, src.labware)
            )
        entry: dict[str, Any] = {"id": decl.id, "name": decl.name}
        colour = _colour_of(decl.name)
        if colour:
            entry["color"] = colour
        for key in ("concentration", "cas", "smiles"):
            if getattr(decl, key):
                entry[key] = getattr(decl, key)
        if decl.known_as:
            entry["description"] = f"{decl.name}: {decl.known_as} in the chemical database"
        entry["initial_volumes_ul"] = {k: round(v, 2) for k, v in initial.items()}
        out.append(entry)
    return out


# a liquid named by its colour ("red dye", "blue food colouring") is drawn in that colour on the
# deck map
COLOUR_WORDS = {
    "red": "#D62728",
    "blue": "#1F5FBF",
    "yellow": "#F2C500",
    "green": "#2CA02C",
    "orange": "#FF7F0E",
    "purple": "#8E44AD",
    "violet": "#8E44AD",
    "pink": "#E377C2",
    "black": "#222222",
    "brown": "#8C564B",
    "water": "#BFE3F5",  # clear liquids: a pale blue that mixes without hiding the dyes
}


def _colour_of(name: str) -> str | None:
    words = name.lower().replace("-", " ").split()
    return next((COLOUR_WORDS[w] for w in words if w in COLOUR_WORDS), None)


def _nominal(layout: _Layout, lab_id: str) -> float:
    name = layout.load_names.get(lab_id, (None, None))[0]
    if name is None:
        name = next(e["load_name"] for e in layout.extra_labware if e["id"] == lab_id)
    return min(w.nominal_ul for w in load_labware(name).wells.values())


def _steps(draft: Draft, layout: _Layout, oi: int, op: Op) -> list[dict[str, Any]]:
    note = op.note or op.text
    if op.op in ("transfer", "distribute", "consolidate", "mix"):
        out = []
        for pip_index, pairs in _by_pipette(layout, oi, op).items():
            out += _liquid_step(layout, op, pip_index, pairs, note)
        return out
    if op.op == "set_temperature":
        return [{"op": "set_temperature", "module": op.module, "celsius": op.celsius, "note": note}]
    if op.op == "deactivate":
        return [{"op": "deactivate", "module": op.module, "note": note}]
    if op.op == "shake":
        return [{"op": "shake", "module": op.module, "rpm": op.rpm, "seconds": op.seconds, "note": note}]
    if op.op == "delay":
        return [{"op": "delay", "seconds": op.seconds, "note": note}]
    if op.op == "measure":
        step: dict[str, Any] = {"op": "measure", "labware": op.labware, "kind": op.kind, "note": note}
        if op.measured:
            step["wells"] = op.measured
        if op.wavelength_nm is not None:
            step["wavelength_nm"] = op.wavelength_nm
        return [step]
    raise AssertionError(op.op)


def _by_pipette(layout: _Layout, oi: int, op: Op) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for k in range(len(op.volumes)):
        pip = layout.assignment[(oi, k)]
        groups.setdefault(layout.pipettes.index(pip), []).append(k)
    return groups


def _liquid_step(layout: _Layout, op: Op, pi: int, pairs: list[int], note: str) -> list[dict[str, Any]]:
    pip = layout.pipettes[pi]
    vols = [op.volumes[k] for k in pairs]
    volume: float | list[float] = vols[0] if len(set(vols)) == 1 else vols
    pid = f"p{pi}"
    if op.op == "mix":
        loc = _loc(layout, op.dests[pairs[0]])
        v = min(max(vols[0], pip.min_volume_ul), pip.max_volume_ul)
        return [
            {"op": "pick_up_tip", "pipette": pid},
            {
                "op": "mix",
                "pipette": pid,
                "location": loc,
                "repetitions": op.mix_reps,
                "volume_ul": v,
                "note": note,
            },
            {"op": "drop_tip", "pipette": pid},
        ]
    sources = [_loc(layout, op.sources[k]) for k in pairs]
    dests = [_loc(layout, op.dests[k]) for k in pairs]
    step: dict[str, Any] = {
        "op": op.op,
        "pipette": pid,
        "volume_ul": volume,
        "new_tip": op.new_tip,
        "note": note,
    }
    if op.op == "distribute":
        step.update(source=sources[0], dest=dests)
    elif op.op == "consolidate":
        step.update(source=sources, dest=dests[0])
    else:
        step.update(source=sources[0] if len(set(sources)) == 1 else sources, dest=dests)
    if op.mix_after:
        tip = load_labware(layout.tips[pip.name]).tip_volume_ul or pip.max_volume_ul
        v = min(max(op.mix_ul, pip.min_volume_ul), pip.max_volume_ul, tip)
        step["mix_after"] = {"repetitions": op.mix_reps, "volume_ul": math.floor(v * 10) / 10}
    return [step]


# ----------------------------------------------------------------------------- measuring


def _measure(doc: dict[str, Any]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Tip pick-ups per pipette and uL drawn per source well, from the deck twin's expansion."""
    from labwright.protocols.models import Protocol
    from labwright.simulators.deck import actions as a
    from labwright.simulators.deck.replay import expand_resolved
    from labwright.simulators.deck.resolve import resolve

    resolved = resolve(Protocol.model_validate(doc))
    actions, _ = expand_resolved(resolved)
    picks: Counter[str] = Counter()
    drawn: Counter[tuple[str, str]] = Counter()
    for act in actions:
        if isinstance(act, a.PickUpTip):
            picks[act.pipette] += 1
        elif isinstance(act, a.Aspirate):
            channels = resolved.deck.pipettes[act.pipette].channels
            if channels == 1 or _is_trough(resolved, act.well):
                drawn[(act.well.labware, act.well.well)] += act.volume_ul * channels
            else:  # each channel draws from the well under it: the column below the named well
                col = act.well.well[1:]
                for r in range(channels):
                    drawn[(act.well.labware, f"{chr(65 + r)}{col}")] += act.volume_ul
    return picks, drawn


def _is_trough(resolved: Any, ref: Any) -> bool:
    """A multi-channel pipette draws all its channels from one reservoir trough."""
    return len(resolved.deck.labware[ref.labware].info.wells) <= 12


def _loads(draft: Draft, layout: _Layout, drawn: Counter[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """What to load in each source well: what is drawn plus a dead volume, within the well."""
    out: dict[tuple[str, str], float] = {}
    for lid, src in layout.sources.items():
        if lid == WASTE.liquid:
            continue
        need = drawn.get((src.labware, src.well), 0.0)
        load = math.ceil((need * 1.05 + DEAD_VOLUME_UL[src.kind]) / 10) * 10
        cap = _nominal(layout, src.labware)
        if need > cap:
            raise RenderRefusal(
                f"{draft.liquids[lid].name}: the plan draws {need:g} uL, "
                f"more than one source well holds ({cap:g} uL)"
            )
        out[(src.labware, src.well)] = min(load, cap)
    for decl in draft.liquids.values():
        for (lab, well), vol in decl.wells.items():
            if vol >= 0:
                continue
            need = drawn.get((lab, well), 0.0)
            cap = _nominal(layout, lab)
            out[(lab, well)] = min(math.ceil(need * 1.1 * 10) / 10, cap) if need > 0 else min(10.0, cap)
    return out


# ---------------------------------------------------------------------------------- words


def _plan_lines(doc: dict[str, Any], notes: list[str]) -> list[str]:
    from labwright.agents.planner.describe import plan_lines

    return plan_lines(doc, notes)
