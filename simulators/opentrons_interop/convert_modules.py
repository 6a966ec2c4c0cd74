"""Conversion handlers for module commands, engine (apiLevel >= 2.14) and legacy alike.

Module commands -> ``set_temperature`` / ``deactivate`` / ``engage_magnets`` /
``disengage_magnets`` / ``shake`` / ``open_lid`` / ``close_lid`` / ``measure``; a thermocycler
profile -> a comment naming it, each of its temperatures once and one delay for its duration;
latches and the lid heater -> comments. A protocol below apiLevel 2.14 runs on the legacy core,
whose module commands reach the analysis as ``custom`` commands with text only: the run log
(``LegacyRecord``) gives their numbers and the slot of the module addressed (``LEGACY``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from labwright.simulators.opentrons_interop.capture import LegacyRecord
from labwright.simulators.opentrons_interop.convert_pipetting import delay
from labwright.simulators.opentrons_interop.convert_state import Conversion, LoadedModule
from labwright.simulators.opentrons_interop.engine_commands import EngineCommand

Handler = Callable[[Conversion, EngineCommand], None]
Cycles = list[tuple[list[tuple[float, float]], int]]  # ([(celsius, seconds), ...], repetitions)

# ------------------------------------------------------------------------- shared writers


def set_temperature(
    conv: Conversion, module: LoadedModule | None, celsius: float, target: str = "default", wait: bool = True
) -> None:
    if module is None:
        return
    doc: dict[str, Any] = {"op": "set_temperature", "module": module.id, "celsius": float(celsius)}
    if target != "default":
        doc["target"] = target
    if not wait:
        doc["wait"] = False
    conv.step(doc)


def simple(conv: Conversion, module: LoadedModule | None, op: str, **extra: Any) -> None:
    """A step ``op`` on ``module`` (nothing when the module is not known)."""
    if module is not None:
        conv.step({"op": op, "module": module.id, **extra})


def comment_on(conv: Conversion, module: LoadedModule | None, text: str) -> None:
    """A comment naming ``module`` (``{module}`` in ``text``)."""
    if module is not None:
        conv.step({"op": "comment", "text": text.format(module=module.id)})


def start_shake(conv: Conversion, module: LoadedModule | None, rpm: float) -> None:
    if module is None:
        return
    if module.engine_id in conv.shaking:
        end_shake(conv, module.engine_id)
    conv.shaking[module.engine_id] = conv.step(
        {"op": "shake", "module": module.id, "rpm": float(rpm), "seconds": 0.0}
    )


def end_shake(conv: Conversion, engine_module: str) -> None:
    conv.shaking.pop(engine_module, None)


def profile(conv: Conversion, module: LoadedModule | None, cycles: Cycles) -> None:
    if module is None:
        return
    parts = [
        f"{reps} x [" + ", ".join(f"{c:g} degC {s:g} s" for c, s in steps) + "]" for steps, reps in cycles
    ]
    conv.step({"op": "comment", "text": f"thermocycler profile on {module.id}: " + "; ".join(parts)})
    seen: list[float] = []
    total = 0.0
    for steps, reps in cycles:
        for celsius, seconds in steps:
            if celsius not in seen:
                seen.append(celsius)
                set_temperature(conv, module, celsius, "block")
            total += seconds * reps
    if total > 0:
        conv.step({"op": "delay", "seconds": total})


def _waits_next(conv: Conversion, wait_type: str) -> bool:
    """One of the next three commands waits (``wait_type``) for the current command's module."""
    here = conv.commands[conv.index]
    return any(
        later.command_type == wait_type and later.params.get("moduleId") == here.params.get("moduleId")
        for later in conv.commands[conv.index + 1 : conv.index + 4]
    )


# ------------------------------------------------------------------------ engine commands


def _set_target(wait_type: str, target: str = "default") -> Handler:
    def handler(conv: Conversion, cmd: EngineCommand) -> None:
        set_temperature(conv, conv.module(cmd), cmd.celsius, target, wait=_waits_next(conv, wait_type))

    return handler


def _simple(op: str) -> Handler:
    return lambda conv, cmd: simple(conv, conv.module(cmd), op)


def _comment(text: str) -> Handler:
    return lambda conv, cmd: comment_on(conv, conv.module(cmd), text)


def on_set_block_temperature(conv: Conversion, cmd: EngineCommand) -> None:
    wait = _waits_next(conv, "thermocycler/waitForBlockTemperature")
    set_temperature(conv, conv.module(cmd), cmd.celsius, "block", wait=wait)
    if cmd.params.get("holdTimeSeconds"):
        conv.step({"op": "delay", "seconds": float(cmd.params["holdTimeSeconds"])})


def _profile_step(step: dict[str, Any]) -> tuple[float, float]:
    return float(step["celsius"]), float(step.get("holdSeconds", 0.0))


def on_run_profile(conv: Conversion, cmd: EngineCommand) -> None:
    profile(conv, conv.module(cmd), [([_profile_step(s) for s in cmd.params.get("profile", [])], 1)])


def on_run_extended_profile(conv: Conversion, cmd: EngineCommand) -> None:
    cycles: Cycles = []
    for element in cmd.params.get("profileElements", []):
        if "steps" in element:
            cycles.append(([_profile_step(s) for s in element["steps"]], int(element.get("repetitions", 1))))
        else:
            cycles.append(([_profile_step(element)], 1))
    profile(conv, conv.module(cmd), cycles)


def on_reader_initialize(conv: Conversion, cmd: EngineCommand) -> None:
    conv.reader_wavelengths[cmd.module_id] = [float(w) for w in cmd.params.get("sampleWavelengths") or []]


def on_reader_read(conv: Conversion, cmd: EngineCommand) -> None:
    m = conv.module(cmd)
    if m is None:
        return
    plate = next(
        (lw for lw in conv.labware.values() if lw.placement == ("module", m.engine_id) and lw.id), None
    )
    if plate is None:
        return
    doc: dict[str, Any] = {"op": "measure", "labware": plate.id, "kind": "absorbance", "module": m.id}
    waves = conv.reader_wavelengths.get(m.engine_id)
    if waves:
        doc["wavelength_nm"] = waves[0]
    conv.step(doc)


HANDLERS: dict[str, Handler] = {
    "temperatureModule/setTargetTemperature": _set_target("temperatureModule/waitForTemperature"),
    "temperatureModule/deactivate": _simple("deactivate"),
    "heaterShaker/setTargetTemperature": _set_target("heaterShaker/waitForTemperature"),
    "heaterShaker/deactivateHeater": _simple("deactivate"),
    "heaterShaker/setAndWaitForShakeSpeed": lambda conv, cmd: start_shake(
        conv, conv.module(cmd), cmd.params["rpm"]
    ),
    "heaterShaker/setShakeSpeed": lambda conv, cmd: start_shake(conv, conv.module(cmd), cmd.params["rpm"]),
    "heaterShaker/deactivateShaker": lambda conv, cmd: end_shake(conv, cmd.module_id),
    "heaterShaker/openLabwareLatch": _comment("open the labware latch of {module}"),
    "heaterShaker/closeLabwareLatch": _comment("close the labware latch of {module}"),
    "magneticModule/engage": lambda conv, cmd: simple(
        conv, conv.module(cmd), "engage_magnets", height_mm=float(cmd.params["height"])
    ),
    "magneticModule/disengage": _simple("disengage_magnets"),
    "thermocycler/openLid": _simple("open_lid"),
    "thermocycler/closeLid": _simple("close_lid"),
    "thermocycler/setTargetBlockTemperature": on_set_block_temperature,
    "thermocycler/setTargetLidTemperature": _set_target("thermocycler/waitForLidTemperature", "lid"),
    "thermocycler/deactivateBlock": _simple("deactivate"),
    "thermocycler/deactivateLid": _comment("switch off the lid heater of {module}"),
    "thermocycler/runProfile": on_run_profile,
    "thermocycler/runExtendedProfile": on_run_extended_profile,
    "thermocycler/startRunExtendedProfile": on_run_extended_profile,
    "absorbanceReader/initialize": on_reader_initialize,
    "absorbanceReader/read": on_reader_read,
}


# ------------------------------------------------------------- legacy (apiLevel < 2.14)

LegacyHandler = Callable[[Conversion, LegacyRecord], None]


def legacy_module(conv: Conversion, rec: LegacyRecord, mtype: str) -> LoadedModule | None:
    """The module of type ``mtype`` a legacy command addressed (by its slot, else the first)."""
    candidates = [m for m in conv.modules.values() if m.type == mtype]
    if rec.module_slot is not None:
        for m in candidates:
            if m.slot == rec.module_slot:
                return m
    return candidates[0] if candidates else None


def _number(text: str) -> float | None:
    m = re.search(r"(-?\d+(?:\.\d+)?)\s*(?:°C|degC|C\b|RPM|rpm)", text)
    if m:
        return float(m.group(1))
    m = re.search(r"(-?\d+(?:\.\d+)?)", text)
    return float(m.group(1)) if m else None


def _profile_steps(steps: Any, text: str) -> list[dict[str, Any]]:
    if isinstance(steps, list) and all(isinstance(s, dict) for s in steps):
        return steps
    m = re.search(r"(\[.*\])", text)
    if m:
        try:
            parsed = ast.literal_eval(m.group(1))
            if isinstance(parsed, list):
                return [s for s in parsed if isinstance(s, dict)]
        except (ValueError, SyntaxError):
            pass
    return []


def _legacy_delay(conv: Conversion, rec: LegacyRecord) -> None:
    n = rec.numbers
    delay(conv, float(n.get("minutes", 0) or 0) * 60 + float(n.get("seconds", 0) or 0))


def _legacy_touch_tip(conv: Conversion, rec: LegacyRecord) -> None:
    engine_pip = conv.last_pipette
    w = conv.where.get(engine_pip) if engine_pip else None
    pid = conv.pipette_id(engine_pip) if engine_pip else None
    location = conv.loc(w.labware, w.well) if w and w.labware and w.well else None
    if pid and location:
        conv.step({"op": "touch_tip", "pipette": pid, "location": location})


def _legacy_block_temperature(conv: Conversion, rec: LegacyRecord) -> None:
    tc = legacy_module(conv, rec, "thermocycler")
    set_temperature(conv, tc, float(rec.numbers.get("temperature", _number(rec.text) or 0.0)), "block")
    if tc is not None and rec.numbers.get("hold_time"):
        conv.step({"op": "delay", "seconds": float(rec.numbers["hold_time"])})


def _legacy_profile(conv: Conversion, rec: LegacyRecord) -> None:
    reps = re.search(r"(\d+) repetitions", rec.text)
    steps = []
    for s in _profile_steps(rec.numbers.get("steps"), rec.text):
        seconds = float(s.get("hold_time_seconds") or 0) + 60 * float(s.get("hold_time_minutes") or 0)
        steps.append((float(s["temperature"]), seconds))
    profile(conv, legacy_module(conv, rec, "thermocycler"), [(steps, int(reps.group(1)) if reps else 1)])


def _legacy_from_text(
    write: Callable[[Conversion, LoadedModule | None, float], None], mtype: str
) -> LegacyHandler:
    """A legacy command whose one number (temperature, speed) is read from its text."""

    def handler(conv: Conversion, rec: LegacyRecord) -> None:
        value = _number(rec.text)
        if value is not None:
            write(conv, legacy_module(conv, rec, mtype), value)

    return handler


def _legacy_simple(mtype: str, op: str) -> LegacyHandler:
    return lambda conv, rec: simple(conv, legacy_module(conv, rec, mtype), op)


def _legacy_comment(mtype: str, text: str) -> LegacyHandler:
    return lambda conv, rec: comment_on(conv, legacy_module(conv, rec, mtype), text)


def _legacy_end_shake(conv: Conversion, rec: LegacyRecord) -> None:
    m = legacy_module(conv, rec, "heater_shaker")
    if m is not None:
        end_shake(conv, m.engine_id)


LEGACY: dict[str, LegacyHandler] = {
    "DELAY": _legacy_delay,
    "TOUCH_TIP": _legacy_touch_tip,
    "TEMPDECK_SET_TEMP": lambda conv, rec: set_temperature(
        conv, legacy_module(conv, rec, "temperature"), float(rec.numbers["celsius"])
    ),
    "TEMPDECK_DEACTIVATE": _legacy_simple("temperature", "deactivate"),
    "MAGDECK_ENGAGE": _legacy_simple("magnetic", "engage_magnets"),
    "MAGDECK_DISENGAGE": _legacy_simple("magnetic", "disengage_magnets"),
    "THERMOCYCLER_OPEN": _legacy_simple("thermocycler", "open_lid"),
    "THERMOCYCLER_CLOSE": _legacy_simple("thermocycler", "close_lid"),
    "THERMOCYCLER_SET_BLOCK_TEMP": _legacy_block_temperature,
    "THERMOCYCLER_START_SET_BLOCK_TEMP": _legacy_block_temperature,
    "THERMOCYCLER_SET_LID_TEMP": _legacy_from_text(
        lambda c, m, v: set_temperature(c, m, v, "lid"), "thermocycler"
    ),
    "THERMOCYCLER_START_SET_LID_TEMP": _legacy_from_text(
        lambda c, m, v: set_temperature(c, m, v, "lid"), "thermocycler"
    ),
    "THERMOCYCLER_EXECUTE_PROFILE": _legacy_profile,
    "THERMOCYCLER_START_EXECUTE_PROFILE": _legacy_profile,
    "THERMOCYCLER_DEACTIVATE": _legacy_simple("thermocycler", "deactivate"),
    "THERMOCYCLER_DEACTIVATE_BLOCK": _legacy_simple("thermocycler", "deactivate"),
    "THERMOCYCLER_DEACTIVATE_LID": _legacy_comment("thermocycler", "switch off the lid heater of {module}"),
    "HEATER_SHAKER_SET_TARGET_TEMPERATURE": _legacy_from_text(
        lambda c, m, v: set_temperature(c, m, v, wait=False), "heater_shaker"
    ),
    "HEATER_SHAKER_SET_AND_WAIT_FOR_SHAKE_SPEED": _legacy_from_text(start_shake, "heater_shaker"),
    "HEATER_SHAKER_SET_SHAKE_SPEED": _legacy_from_text(start_shake, "heater_shaker"),
    "HEATER_SHAKER_DEACTIVATE_SHAKER": _legacy_end_shake,
    "HEATER_SHAKER_DEACTIVATE_HEATER": _legacy_simple("heater_shaker", "deactivate"),
    "HEATER_SHAKER_OPEN_LABWARE_LATCH": _legacy_comment(
        "heater_shaker", "open the labware latch of {module}"
    ),
    "HEATER_SHAKER_CLOSE_LABWARE_LATCH": _legacy_comment(
        "heater_shaker", "close the labware latch of {module}"
    ),
}

# legacy commands that change nothing labwright verifies (waits, moves, homing, calibration)
LEGACY_SILENT = {
    "TEMPDECK_AWAIT_TEMP",
    "THERMOCYCLER_WAIT_FOR_HOLD",
    "THERMOCYCLER_WAIT_FOR_TEMP",
    "THERMOCYCLER_WAIT_FOR_LID_TEMP",
    "HEATER_SHAKER_WAIT_FOR_TEMPERATURE",
    "MOVE_TO",
    "HOME",
    "MAGDECK_CALIBRATE",
    "RESUME",
}


def on_legacy_custom(conv: Conversion, cmd: EngineCommand) -> None:
    """A legacy-core ``custom`` command, read through its run-log record."""
    rec = conv.cap.legacy.get(cmd.id)
    kind = cmd.params.get("legacyCommandType", "")
    if rec is None:
        conv.skipped[kind or "custom"] += 1
        return
    name = kind.removeprefix("command.")
    handler = LEGACY.get(name)
    if handler is not None:
        handler(conv, rec)
    elif name not in LEGACY_SILENT:
        conv.skipped[kind] += 1
