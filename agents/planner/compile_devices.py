"""Temperature, incubation, shaking, measurement and waiting, compiled into a ``Draft``.

A temperature goes to the module that can hold it (Temperature Module 4-95 degC, else a
Thermocycler; a Heater-Shaker when the request also shakes), with ranges read from the module
definitions; the plate the step acts on sits on that module. A value no module reaches is a
refusal; a shaking step without a speed or a time is not understood (never a default speed).
"""

from __future__ import annotations

from typing import Any

from labwright.agents.planner import catalogue
from labwright.agents.planner import intents as it
from labwright.agents.planner.compile import _missing, _refuse, containers, module_for, put_on_module, select
from labwright.agents.planner.draft import Draft, Op


def _temperature(draft: Draft, t: it.Temperature, s: dict[str, Any], shaking: bool) -> None:
    if t.celsius is None:
        found = [
            m for m in draft.modules.values() if m.type in ("temperature", "heater_shaker", "thermocycler")
        ]
        if not found:
            draft.notes.append(f"{t.text!r}: room temperature needs no module.")
            return
        for mod in found:
            draft.ops.append(Op("deactivate", t.text, module=mod.id))
        return
    module = module_for(draft, t.celsius, shaking, t.text)
    put_on_module(draft, module, t.container, t.text)
    draft.ops.append(Op("set_temperature", t.text, module=module, celsius=t.celsius))


def _incubate(draft: Draft, i: it.Incubate, s: dict[str, Any], shaking: bool) -> None:
    if i.seconds is None:
        _missing(draft, "how long to incubate (e.g. 'for 30 min')", i.text)
    if i.shaking and i.shake_rpm is None:
        _missing(draft, "the shaking speed (e.g. 'with shaking at 500 rpm')", i.text)
    if i.celsius is None and not i.shaking:
        draft.ops.append(Op("delay", i.text, seconds=i.seconds, note="at room temperature"))
        return
    module = module_for(draft, i.celsius, shaking, i.text)
    put_on_module(draft, module, i.container, i.text)
    if i.celsius is not None:
        draft.ops.append(Op("set_temperature", i.text, module=module, celsius=i.celsius))
    if i.shaking:
        _check_speed(draft, i.shake_rpm, i.text)
        draft.ops.append(Op("shake", i.text, module=module, rpm=i.shake_rpm, seconds=i.seconds))
    else:
        draft.ops.append(Op("delay", i.text, seconds=i.seconds, note=f"at {i.celsius:g} degC"))


def _check_speed(draft: Draft, rpm: float, text: str) -> None:
    lo, hi = catalogue.module_range("heater_shaker", "speed")
    if not lo <= rpm <= hi:
        _refuse(draft, f"the Heater-Shaker shakes at {lo:g}-{hi:g} rpm, not {rpm:g} rpm: {text!r}")


def _shake(draft: Draft, sh: it.Shake, s: dict[str, Any], shaking: bool) -> None:
    if sh.rpm is None:
        _missing(draft, "the shaking speed (e.g. 'at 500 rpm')", sh.text)
    if sh.seconds is None:
        _missing(draft, "how long to shake (e.g. 'for 2 min')", sh.text)
    _check_speed(draft, sh.rpm, sh.text)
    module = module_for(draft, None, True, sh.text)
    if put_on_module(draft, module, sh.container, sh.text) is None:
        _missing(draft, "which plate to shake", sh.text)
    draft.ops.append(Op("shake", sh.text, module=module, rpm=sh.rpm, seconds=sh.seconds))


def _measure(draft: Draft, m: it.Measure, s: dict[str, Any], shaking: bool) -> None:
    container = m.place.container if m.place else None
    if container is None and draft.current is None:
        _missing(draft, "which plate to measure", m.text)
    lab = containers(draft, container, m.text)[0]
    wells: list[str] | None
    if m.place is not None and m.place.selection is not None:
        wells = select(draft, m.place.selection, lab, m.text)
    else:  # the wells the plan filled, in plate order
        filled = {w for (lid, w), v in draft.volumes.items() if lid == lab.id and v > 0}
        wells = [w for w in _order(lab.wells) if w in filled] or None
    draft.ops.append(
        Op("measure", m.text, kind=m.kind, wavelength_nm=m.wavelength_nm, labware=lab.id, measured=wells)
    )


def _order(n: int) -> list[str]:
    from labwright.agents.planner.draft import well_names

    return well_names(n)


def _wait(draft: Draft, w: it.Wait, s: dict[str, Any], shaking: bool) -> None:
    draft.ops.append(Op("delay", w.text, seconds=w.seconds))


HANDLERS = {
    it.Temperature: _temperature,
    it.Incubate: _incubate,
    it.Shake: _shake,
    it.Measure: _measure,
    it.Wait: _wait,
}
