"""The offline repair step: act on the verifier's findings, one repair per problem.

Each repair answers one finding code with what a lab-automation engineer would change:

* a volume outside the pipette's range (PIPETTE_VOLUME_ABOVE_MAX, PIPETTE_VOLUME_BELOW_MIN) ->
  another pipette of the protocol that fits, else one from the catalogue on a free mount (with
  its tips); an aspirate/dispense pair above the pipette's maximum -> split into chunks;
* a tip too small (TIP_CAPACITY_EXCEEDED) -> the pipette's larger tips, else another pipette;
* no tips left (TIP_RACK_EMPTY) -> another rack of the same tips in a free slot;
* a well too small (VOLUME_WELL_OVERFLOW, VOLUME_INITIAL_OVERFLOW) -> labware of the same
  format with larger wells;
* a source that runs dry (VOLUME_ASPIRATE_EXCEEDS_WELL) -> more of the declared liquid, when
  the well holds it;
* a tip rack the pipette does not take (PIPETTE_TIPRACK_INCOMPATIBLE) -> its default rack;
  two things in one slot (DECK_SLOT_OCCUPIED) -> a free slot; two pipettes on one mount
  (PIPETTE_MOUNT_CONFLICT) -> the free mount; a misspelt load name
  (LABWARE_DEFINITION_NOT_FOUND) -> the one close catalogue name, when there is exactly one.

Safety, policy, temperature and reference findings have no offline repair: they are the
chemist's to decide, and ``gave_up`` says so.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable
from typing import Any

from labwright.agents.planner import catalogue
from labwright.agents.planner.results import RepairResult
from labwright.protocols.findings import Finding, Severity
from labwright.simulators.deck.definitions import (
    DEFAULT_TRASH_SLOT,
    THERMOCYCLER_FOOTPRINT,
    all_labware_names,
    deck_slots,
    load_labware,
    load_pipette,
)

ACTED_ON_WARNINGS = frozenset({"PIPETTE_VOLUME_BELOW_MIN"})


class _Doc:
    """The document being repaired, with what the repairs need to know about it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.robot = doc.get("metadata", {}).get("robot", "ot2")
        self.changes: list[str] = []
        self.done: set[tuple[str, Any]] = set()

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.doc.setdefault("steps", [])

    def labware(self, lid: str) -> dict[str, Any] | None:
        return next((x for x in self.doc.get("labware", []) if x.get("id") == lid), None)

    def pipette(self, pid: str) -> dict[str, Any] | None:
        return next((x for x in self.doc.get("pipettes", []) if x.get("id") == pid), None)

    def free_slot(self) -> str | None:
        used = {str(x.get("slot")) for x in self.doc.get("labware", []) if x.get("slot") is not None}
        for mod in self.doc.get("modules", []):
            if mod.get("slot") is not None:
                used.add(str(mod["slot"]))
            if mod.get("type") == "thermocycler":
                used |= set(THERMOCYCLER_FOOTPRINT[self.robot])
        used.add(DEFAULT_TRASH_SLOT[self.robot])
        order = sorted(deck_slots(self.robot), key=lambda s: (len(s), s))
        return next((s for s in order if s not in used and not s.endswith("4")), None)

    def new_id(self, base: str) -> str:
        ids = {
            x.get("id") for k in ("labware", "pipettes", "modules", "liquids") for x in self.doc.get(k, [])
        }
        n = 2
        while f"{base}_{n}" in ids:
            n += 1
        return f"{base}_{n}"


def repair(document: dict[str, Any], findings: list[Finding]) -> RepairResult:
    from labwright.protocols.io import to_document
    from labwright.protocols.models import Protocol
    from pydantic import ValidationError

    try:
        doc = to_document(Protocol.model_validate(document), exclude_defaults=True)
    except ValidationError:
        return RepairResult(document=copy.deepcopy(document), changes=[], gave_up=True)
    work = _Doc(doc)
    unrepaired = []
    # last steps first: a repair that inserts steps (a split) leaves earlier indices valid
    for f in sorted(findings, key=lambda x: -1 if x.step is None else x.step, reverse=True):
        acts = f.severity is Severity.ERROR or f.code in ACTED_ON_WARNINGS
        if not acts:
            continue
        fix = _REPAIRS.get(f.code)
        if fix is None or not fix(work, f):
            if f.severity is Severity.ERROR:
                unrepaired.append(f)
    return RepairResult(document=work.doc, changes=work.changes, gave_up=bool(unrepaired) or not work.changes)


# ------------------------------------------------------------------------------ pipettes


def _step_volumes(step: dict[str, Any]) -> list[float]:
    v = step.get("volume_ul")
    return [float(x) for x in (v if isinstance(v, list) else [v])] if v is not None else []


def _pipette_fix(work: _Doc, f: Finding) -> bool:
    """Another pipette (of the protocol, else from the catalogue) for the step's volumes."""
    if f.step is None or not 0 <= f.step < len(work.steps):
        return False
    key = ("pipette", f.step)
    if key in work.done:
        return True
    step = work.steps[f.step]
    pid = step.get("pipette")
    current = work.pipette(pid) if pid else None
    if current is None:
        return False
    info = load_pipette(current["model"])
    vols = _step_volumes(step) or [float(f.data.get("volume_ul", 0))]
    if f.code == "TIP_CAPACITY_EXCEEDED" and _bigger_tips(work, current, info, max(vols), f):
        work.done.add(key)
        return True
    if step.get("op") in ("aspirate", "dispense") and f.code == "PIPETTE_VOLUME_ABOVE_MAX":
        if _split_pair(work, f.step, info, f):
            work.done.add(key)
            return True
    other = _fitting_pipette(work, info.channels, vols, exclude=pid)
    if other is None:
        return False
    _retarget(work, f.step, pid, other)
    work.changes.append(
        f"{f.code} (step {f.step}): {', '.join(f'{v:g}' for v in sorted(set(vols)))} uL is outside "
        f"{info.name}'s {info.min_volume_ul:g}-{info.max_volume_ul:g} uL; the step now uses {other}"
        f" ({work.pipette(other)['model']})"
    )
    work.done.add(key)
    return True


def _retarget(work: _Doc, index: int, old: str, new: str) -> None:
    """Switch a step to another pipette; a tip it picked up explicitly moves with it."""
    step = work.steps[index]
    step["pipette"] = new
    if step.get("op") in ("aspirate", "dispense", "mix", "blow_out", "touch_tip", "air_gap"):
        for j in range(index - 1, -1, -1):
            s = work.steps[j]
            if s.get("pipette") == old:
                s["pipette"] = new
                if s.get("op") == "pick_up_tip":
                    break
        for j in range(index + 1, len(work.steps)):
            s = work.steps[j]
            if s.get("pipette") == old:
                s["pipette"] = new
                if s.get("op") in ("drop_tip", "return_tip"):
                    break


def _fitting_pipette(work: _Doc, channels: int, vols: list[float], exclude: str | None) -> str | None:
    for p in work.doc.get("pipettes", []):
        if p.get("id") == exclude:
            continue
        info = load_pipette(p["model"])
        if info.channels == channels and all(catalogue.fits(v, info) for v in vols):
            return p["id"]
    mounts = {p.get("mount") for p in work.doc.get("pipettes", [])}
    free_mount = next((m for m in ("left", "right") if m not in mounts), None)
    if free_mount is None:
        return None
    choices = [p for p in catalogue.pipettes(work.robot, channels) if all(catalogue.fits(v, p) for v in vols)]
    if not choices:
        return None
    best = min(choices, key=lambda p: sum(catalogue.cost(v, p) for v in vols))
    slot = work.free_slot()
    if slot is None:
        return None
    biggest = max(max(catalogue.chunks(v, best)) for v in vols)
    rack_id = work.new_id(f"tips_{best.name}")
    work.doc.setdefault("labware", []).append(
        {"id": rack_id, "load_name": catalogue.tip_rack_for(best, biggest), "slot": slot}
    )
    pid = work.new_id(best.name.split("_")[0])
    work.doc.setdefault("pipettes", []).append(
        {"id": pid, "model": best.name, "mount": free_mount, "tip_racks": [rack_id]}
    )
    return pid


def _bigger_tips(work: _Doc, pip: dict[str, Any], info: Any, volume: float, f: Finding) -> bool:
    chunk = max(catalogue.chunks(volume, info))
    rack = catalogue.tip_rack_for(info, chunk)
    size = load_labware(rack).tip_volume_ul or 0
    if size < chunk:
        return False
    changed = []
    for rid in pip.get("tip_racks", []):
        lw = work.labware(rid)
        if lw is not None and lw.get("load_name") != rack:
            changed.append(f"{rid} {lw['load_name']} -> {rack}")
            lw["load_name"] = rack
    if not changed:
        return False
    work.changes.append(
        f"{f.code} (step {f.step}): {volume:g} uL needs {size:g} uL tips; " + "; ".join(changed)
    )
    return True


def _split_pair(work: _Doc, index: int, info: Any, f: Finding) -> bool:
    """An aspirate/dispense pair above the pipette's maximum becomes several pairs."""
    steps = work.steps
    start = index if steps[index].get("op") == "aspirate" else index - 1
    if start < 0 or start + 1 >= len(steps):
        return False
    asp, disp = steps[start], steps[start + 1]
    if (
        asp.get("op") != "aspirate"
        or disp.get("op") != "dispense"
        or asp.get("volume_ul") != disp.get("volume_ul")
    ):
        return False
    parts = catalogue.chunks(float(asp["volume_ul"]), info)
    if len(parts) < 2 or min(parts) < info.min_volume_ul:
        return False
    new = []
    for part in parts:
        new += [{**asp, "volume_ul": part}, {**disp, "volume_ul": part}]
    steps[start : start + 2] = new
    work.changes.append(
        f"{f.code} (step {index}): {asp['volume_ul']:g} uL is more than {info.name} holds; split into "
        f"{len(parts)} aspirate/dispense pairs of {', '.join(f'{p:g}' for p in parts)} uL"
    )
    return True


# ------------------------------------------------------------------------------- labware


def _well_of(f: Finding) -> tuple[str, str] | None:
    well = f.data.get("well")
    if not isinstance(well, str) or ":" not in well:
        return None
    lab, name = well.split(":", 1)
    return lab, name


def _bigger_labware(work: _Doc, f: Finding) -> bool:
    where = _well_of(f)
    if where is None:
        return False
    lw = work.labware(where[0])
    if lw is None or ("labware", where[0]) in work.done:
        return ("labware", where[0]) in work.done
    need = float(f.data.get("volume_ul") or 0.0)
    if need <= 0:
        need = _initial_total(work, where)
    info = load_labware(lw["load_name"])
    module = next((m for m in work.doc.get("modules", []) if m.get("id") == lw.get("module")), None)
    if "reservoir" in lw["load_name"]:
        kind = "reservoir"
    elif info.category == "tubeRack":
        kind = "tube"
    else:  # any plate of the format; a thermocycler takes PCR plates only
        kind = "pcr_plate" if module is not None and module.get("type") == "thermocycler" else "plate"
    options = [
        c
        for c in catalogue.candidates(kind, len(info.wells) if kind != "tube" else None)
        if c.nominal_ul >= need and c.wells == len(info.wells)
    ]
    if lw.get("module"):
        options = [c for c in options if c.load_name in catalogue.HS_ADAPTERS or not lw.get("adapter")]
    if not options:
        return False
    common = [c for c in options if catalogue._vendor_rank(c.load_name) < 3] or options
    best = min(common, key=lambda c: (c.nominal_ul, catalogue._vendor_rank(c.load_name)))
    work.changes.append(
        f"{f.code} ({where[0]}:{where[1]} would hold {need:g} uL): {where[0]} {lw['load_name']} -> "
        f"{best.load_name} ({best.nominal_ul:g} uL wells)"
    )
    lw["load_name"] = best.load_name
    if lw.get("adapter") and best.load_name in catalogue.HS_ADAPTERS:
        lw["adapter"] = catalogue.HS_ADAPTERS[best.load_name]
    work.done.add(("labware", where[0]))
    return True


def _initial_total(work: _Doc, where: tuple[str, str]) -> float:
    total = 0.0
    for liq in work.doc.get("liquids", []):
        for spec, v in liq.get("initial_volumes_ul", {}).items():
            if spec == f"{where[0]}:{where[1]}":
                total += float(v)
    return total


def _more_liquid(work: _Doc, f: Finding) -> bool:
    """Load a source that runs dry with what the whole protocol draws from it.

    The verifier reports the first aspirations that find the well short; the volume the whole
    run needs comes from the deck twin's expansion of the protocol: the lowest the well's
    balance (dispensed in minus aspirated out, in order) falls below its starting volume.
    """
    where = _well_of(f)
    if where is None or ("source", where) in work.done:
        return where is not None
    spec = f"{where[0]}:{where[1]}"
    liq = next((x for x in work.doc.get("liquids", []) if spec in x.get("initial_volumes_ul", {})), None)
    lw = work.labware(where[0])
    if liq is None or lw is None:
        return False
    vols = liq["initial_volumes_ul"]
    others = sum(
        float(v)
        for x in work.doc["liquids"]
        if x is not liq
        for k, v in x.get("initial_volumes_ul", {}).items()
        if k == spec
    )
    need = _shortfall(work.doc, where) - others
    cap = min(w.nominal_ul for w in load_labware(lw["load_name"]).wells.values())
    if need <= float(vols[spec]) or need > cap:
        return False
    new = round(min(need * 1.05, cap), 2)
    work.changes.append(
        f"{f.code} ({spec}): the protocol draws {need:g} uL in all from a well loaded with "
        f"{float(vols[spec]):g} uL; {liq['id']} loaded there {float(vols[spec]):g} -> {new:g} uL"
    )
    vols[spec] = new
    work.done.add(("source", where))
    return True


def _shortfall(doc: dict[str, Any], where: tuple[str, str]) -> float:
    """How far below its start the well's volume falls during the run (deck twin expansion)."""
    from labwright.protocols.models import Protocol
    from labwright.simulators.deck import actions as a
    from labwright.simulators.deck.replay import expand_resolved
    from labwright.simulators.deck.resolve import resolve

    resolved = resolve(Protocol.model_validate(doc))
    actions, _ = expand_resolved(resolved)
    trough = len(resolved.deck.labware[where[0]].info.wells) <= 12
    balance = lowest = 0.0
    for act in actions:
        if not isinstance(act, a.Aspirate | a.Dispense) or act.well.labware != where[0]:
            continue
        channels = resolved.deck.pipettes[act.pipette].channels
        if trough and act.well.well == where[1]:
            amount = act.volume_ul * channels  # every channel in the one trough
        elif not trough and _under_channel(act.well.well, where[1], channels):
            amount = act.volume_ul
        else:
            continue
        balance += -amount if isinstance(act, a.Aspirate) else amount
        lowest = min(lowest, balance)
    return -lowest


def _under_channel(named: str, well: str, channels: int) -> bool:
    """Whether ``well`` is under one of the channels of a pipette sent to ``named``."""
    if channels == 1:
        return named == well
    return named[1:] == well[1:] and 0 <= ord(well[0]) - ord(named[0]) < channels


def _more_tips(work: _Doc, f: Finding) -> bool:
    if f.step is None or not 0 <= f.step < len(work.steps):
        return False
    pid = work.steps[f.step].get("pipette")
    pip = work.pipette(pid) if pid else None
    if pip is None or ("tips", pid) in work.done:
        return ("tips", pid) in work.done
    racks = [work.labware(r) for r in pip.get("tip_racks", [])]
    racks = [r for r in racks if r is not None]
    slot = work.free_slot()
    if not racks or slot is None:
        return False
    rid = work.new_id(racks[0]["id"])
    work.doc["labware"].append({"id": rid, "load_name": racks[0]["load_name"], "slot": slot})
    pip["tip_racks"].append(rid)
    work.changes.append(
        f"{f.code} (step {f.step}): {pid} ran out of tips; "
        f"added {rid} ({racks[0]['load_name']}) in slot {slot}"
    )
    work.done.add(("tips", pid))
    return True


def _pointer_item(work: _Doc, f: Finding, section: str) -> dict[str, Any] | None:
    parts = f.pointer.strip("/").split("/")
    if len(parts) < 2 or parts[0] != section or not parts[1].isdigit():
        return None
    items = work.doc.get(section, [])
    i = int(parts[1])
    return items[i] if i < len(items) else None


def _free_slot_fix(work: _Doc, f: Finding) -> bool:
    item = _pointer_item(work, f, "labware") or _pointer_item(work, f, "modules")
    slot = work.free_slot()
    if item is None or slot is None or item.get("slot") is None:
        return False
    work.changes.append(f"{f.code}: {item['id']} moved from slot {item['slot']} to free slot {slot}")
    item["slot"] = slot
    return True


def _rack_fix(work: _Doc, f: Finding) -> bool:
    parts = f.pointer.strip("/").split("/")
    pip = _pointer_item(work, f, "pipettes")
    if pip is None or len(parts) < 4:
        return False
    rack = work.labware(pip["tip_racks"][int(parts[3])])
    info = load_pipette(pip["model"])
    if rack is None or not info.default_tipracks:
        return False
    work.changes.append(
        f"{f.code}: {rack['id']} {rack['load_name']} -> {info.default_tipracks[0]} "
        f"(tips {pip['model']} takes)"
    )
    rack["load_name"] = info.default_tipracks[0]
    return True


def _mount_fix(work: _Doc, f: Finding) -> bool:
    pip = _pointer_item(work, f, "pipettes")
    mounts = {p.get("mount") for p in work.doc.get("pipettes", []) if p is not pip}
    free = next((m for m in ("left", "right") if m not in mounts), None)
    if pip is None or free is None:
        return False
    work.changes.append(f"{f.code}: {pip['id']} moved to the {free} mount")
    pip["mount"] = free
    return True


def _load_name_fix(work: _Doc, f: Finding) -> bool:
    item = _pointer_item(work, f, "labware")
    if item is None:
        return False
    close = difflib.get_close_matches(item.get("load_name", ""), all_labware_names(), n=2, cutoff=0.85)
    if len(close) != 1:
        return False
    work.changes.append(
        f"{f.code}: {item['id']} load name {item['load_name']!r} -> {close[0]!r} "
        "(the one close catalogue name)"
    )
    item["load_name"] = close[0]
    return True


_REPAIRS: dict[str, Callable[[_Doc, Finding], bool]] = {
    "PIPETTE_VOLUME_ABOVE_MAX": _pipette_fix,
    "PIPETTE_VOLUME_BELOW_MIN": _pipette_fix,
    "TIP_CAPACITY_EXCEEDED": _pipette_fix,
    "TIP_RACK_EMPTY": _more_tips,
    "VOLUME_WELL_OVERFLOW": _bigger_labware,
    "VOLUME_INITIAL_OVERFLOW": _bigger_labware,
    "VOLUME_ASPIRATE_EXCEEDS_WELL": _more_liquid,
    "PIPETTE_TIPRACK_INCOMPATIBLE": _rack_fix,
    "DECK_SLOT_OCCUPIED": _free_slot_fix,
    "PIPETTE_MOUNT_CONFLICT": _mount_fix,
    "LABWARE_DEFINITION_NOT_FOUND": _load_name_fix,
}
