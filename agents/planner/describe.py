"""The planner's words: the request as understood, the purpose of the experiment, the plan.

Everything here is read from the intents and the rendered document, so what the planner says
is what the protocol does.
"""

from __future__ import annotations

from typing import Any

from labwright.agents.planner import intents as it


def _vol(v: Any) -> str:
    if isinstance(v, list):
        return f"{min(v):g}-{max(v):g} uL" if min(v) != max(v) else f"{v[0]:g} uL"
    return f"{v:g} uL"


def _where(place: it.Place | None) -> str:
    if place is None:
        return ""
    parts = []
    sel = place.selection
    if sel is not None:
        parts.append(
            {
                "wells": lambda: ("well " if len(sel.items) == 1 else "wells ") + ", ".join(sel.items),
                "well_range": lambda: f"wells {sel.items[0]}-{sel.items[1]}",
                "columns": lambda: ("column " if len(sel.items) == 1 else "columns ") + ", ".join(sel.items),
                "rows": lambda: ("row " if len(sel.items) == 1 else "rows ") + ", ".join(sel.items),
                "all": lambda: "every well",
                "first": lambda: f"the first {sel.count} wells",
            }[sel.kind]()
        )
    c = place.container
    if c is not None:
        kind = {
            "plate": f"{c.wells or ''}-well plate".lstrip("-"),
            "deep_plate": "deep-well plate",
            "pcr_plate": "PCR plate",
            "reservoir": "reservoir",
            "tube": "tube",
        }[c.kind]
        count = f"{c.count} new {kind}s" if c.count > 1 else (("a new " if c.new else "a ") + kind)
        parts.append(count + (f" of {c.contents.label}" if c.contents else ""))
    return " of ".join(parts)


def _dur(seconds: float) -> str:
    """2 min, 1.5 h, 90 s: time the way a chemist writes it."""
    if seconds >= 3600 and seconds % 360 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 6 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def understood(intents: list[it.Intent]) -> str:
    """The request in the planner's words, one clause per intent."""
    out: list[str] = []
    for i in intents:
        said = _say(i)
        if isinstance(i, it.Setting) and out:
            out[-1] += f", {said}" if said else ""
        elif said:
            out.append(said)
    return "; then ".join(out) + ("." if out else "")


def _say(i: it.Intent) -> str:  # noqa: C901 - one line per intent type
    if isinstance(i, it.Transfer):
        what = f"{i.volume_ul:g} uL" if i.volume_ul is not None else "an unstated volume"
        liquid = f" of {i.liquid.label}" if i.liquid else ""
        src = f" from {_where(i.source)}" if i.source else ""
        return f"{i.verb} {what}{liquid}{src} to {_where(i.dest)}"
    if isinstance(i, it.Pool):
        return (
            f"pool {i.volume_ul:g} uL from each of {_where(i.source)} into {_where(i.dest)}"
            if i.volume_ul
            else "pool"
        )
    if isinstance(i, it.CopyPlate):
        return f"copy {_where(i.source)} into {_where(i.dest)}" + (
            f", {i.volume_ul:g} uL per well" if i.volume_ul else ""
        )
    if isinstance(i, it.SerialDilution):
        factor = f"1:{i.factor:g} " if i.factor else ""
        diluent = f" in {i.diluent.label}" if i.diluent else ""
        return (
            f"a {factor}serial dilution of {i.stock.label}{diluent} over {_where(i.place) or 'unnamed wells'}"
        )
    if isinstance(i, it.Series):
        rng = (
            f" from {i.start_pct:g}% to {i.end_pct:g}%"
            if i.start_pct is not None and i.end_pct is not None
            else ""
        )
        other = f" with {i.second.label}" if i.second else ""
        return f"a series of {i.first.label}{other}{rng}" + (f" in {_where(i.place)}" if i.place else "")
    if isinstance(i, it.Grid):
        return f"a grid of {i.first.liquid.label} and {i.second.liquid.label}" + (
            f" in {_where(i.place)}" if i.place else ""
        )
    if isinstance(i, it.Normalise):
        return f"normalise {len(i.table)} samples to {i.target}" + (
            f" in {i.final_ul:g} uL" if i.final_ul else ""
        )
    if isinstance(i, it.Temperature):
        return "return to room temperature" if i.celsius is None else f"bring the plate to {i.celsius:g} degC"
    if isinstance(i, it.Incubate):
        at = (
            f" at {i.celsius:g} degC"
            if i.celsius is not None
            else " at room temperature"
            if i.room_temperature
            else ""
        )
        shake = f" shaking at {i.shake_rpm:g} rpm" if i.shaking and i.shake_rpm else ""
        return f"incubate{at}{shake}" + (f" for {_dur(i.seconds)}" if i.seconds else "")
    if isinstance(i, it.Shake):
        return (
            "shake"
            + (f" at {i.rpm:g} rpm" if i.rpm else "")
            + (f" for {_dur(i.seconds)}" if i.seconds else "")
        )
    if isinstance(i, it.Measure):
        return f"measure {i.kind}" + (f" at {i.wavelength_nm:g} nm" if i.wavelength_nm else "")
    if isinstance(i, it.Wait):
        return f"wait {_dur(i.seconds)}"
    if isinstance(i, it.Mix):
        return f"mix {_where(i.place)}"
    if isinstance(i, it.Setting):
        return _say_setting(i)
    return i.text


def _say_setting(i: it.Setting) -> str:
    if i.key == "final_volume":
        return f"{i.value:g} uL per well"
    if i.key == "channels":
        return f"with an {i.value}-channel pipette" if i.value == 8 else "with a single-channel pipette"
    if i.key == "robot":
        return f"on the {'Flex' if i.value == 'flex' else 'OT-2'}"
    if i.key == "n_wells":
        return f"{i.value} wells"
    if i.key == "top_up":
        return f"topped up to {i.value:g} uL"
    if i.key == "new_tip":
        return "a new tip each time"
    if i.key == "mix":
        return f"mixed {i.value} times"
    return i.text


def purpose(intents: list[it.Intent]) -> str:
    """What the experiment is for, as far as the request shows it."""
    kinds = {type(i) for i in intents}
    measure = next((i for i in intents if isinstance(i, it.Measure)), None)
    reading = f", read by {measure.kind}" if measure else ""
    if it.SerialDilution in kinds:
        sd = next(i for i in intents if isinstance(i, it.SerialDilution))
        goal = (
            "a standard curve (signal against concentration) and the assay's linear range"
            if measure
            else ("a range of concentrations for a dose-response or calibration")
        )
        return f"A serial dilution of {sd.stock.name}{reading}: {goal}."
    if it.Grid in kinds:
        return (
            f"A two-factor mixing grid{reading}: how the result depends on both components "
            "and their interaction."
        )
    if it.Series in kinds:
        return f"A mixing series{reading}: how the result changes with the composition."
    if it.Normalise in kinds:
        return "Normalisation: every sample brought to the same concentration for a downstream step."
    if it.CopyPlate in kinds:
        return "A replicate of a plate (backup, or parallel conditions on the same samples)."
    if it.Pool in kinds:
        return "Pooling: one combined sample from several wells."
    if it.Incubate in kinds or it.Temperature in kinds or it.Shake in kinds:
        return f"Sample preparation under controlled conditions{reading}."
    if it.Transfer in kinds:
        return f"Liquid transfers to set up the plate{reading}."
    if measure:
        return f"A plate reading ({measure.kind})."
    return "No experiment could be identified."


def _on_module(mod: dict[str, Any]) -> str:
    return f"the {mod['type'].replace('_', '-')} module (slot {mod['slot']})"


def _conc(liq: dict[str, Any]) -> str:
    return f"{liq['concentration']} " if liq.get("concentration") else ""


def plan_lines(doc: dict[str, Any], notes: list[str]) -> list[str]:
    """One line per load instruction and per protocol step."""
    mods = {m["id"]: m for m in doc["modules"]}
    lines = [
        f"Deck ({'OT-2' if doc['metadata']['robot'] == 'ot2' else 'Flex'}): "
        + "; ".join(
            f"{x['id']} = {x['load_name']} in "
            + (f"slot {x['slot']}" if "slot" in x else _on_module(mods[x["module"]]))
            for x in doc["labware"]
        )
    ]
    lines += [
        f"Pipette {p['id']}: {p['model']} ({p['mount']} mount), tips from {', '.join(p['tip_racks'])}"
        for p in doc["pipettes"]
    ]
    for liq in doc["liquids"]:
        ident = f" (CAS {liq['cas']})" if liq.get("cas") else ""
        for where, v in liq["initial_volumes_ul"].items():
            lines.append(f"Load {v:g} uL of {_conc(liq)}{liq['name']}{ident} into {where}")
    for n, step in enumerate(doc["steps"], 1):
        lines.append(f"{n}. {_step_words(step)}")
    return lines + list(notes)


def _step_words(s: dict[str, Any]) -> str:
    op = s["op"]
    if op in ("transfer", "distribute", "consolidate"):
        src = (
            s["source"]
            if isinstance(s["source"], str)
            else f"{s['source'][0]}..{s['source'][-1]} ({len(s['source'])})"
        )
        dst = (
            s["dest"]
            if isinstance(s["dest"], str)
            else f"{s['dest'][0]}..{s['dest'][-1]} ({len(s['dest'])})"
            if len(s["dest"]) > 1
            else s["dest"][0]
        )
        mix = (
            f", mix {s['mix_after']['repetitions']}x {s['mix_after']['volume_ul']:g} uL"
            if "mix_after" in s
            else ""
        )
        how = f"with {s['pipette']} (new tip: {s['new_tip']}{mix})"
        return f"{op} {_vol(s['volume_ul'])} {src} -> {dst} {how} — {s.get('note', '')}"
    if op == "mix":
        return f"mix {s['location']} {s['repetitions']}x {s['volume_ul']:g} uL with {s['pipette']}"
    if op in ("pick_up_tip", "drop_tip"):
        return f"{op.replace('_', ' ')} ({s['pipette']})"
    if op == "set_temperature":
        return f"set {s['module']} to {s['celsius']:g} degC and wait"
    if op == "shake":
        return f"shake on {s['module']} at {s['rpm']:g} rpm for {s['seconds']:g} s"
    if op == "delay":
        return f"wait {s['seconds']:g} s" + (f" ({s['note']})" if s.get("note") else "")
    if op == "measure":
        wl = f" at {s['wavelength_nm']:g} nm" if s.get("wavelength_nm") else ""
        wells = f" wells {s['wells'][0]}..{s['wells'][-1]}" if s.get("wells") else " (every well)"
        return f"measure {s['kind']}{wl} of {s['labware']}{wells}"
    if op == "deactivate":
        return f"switch {s['module']} off"
    return op
