"""Convert an Opentrons protocol-engine command list into a labwright protocol document.

Input: the plain-data ``RunCapture`` of ``analyzer`` (engine commands as JSON dicts, the
liquids, and for legacy protocols the heights read from the run log). Output: a protocol
document (a dict the ``Protocol`` model validates) and import issues.

What maps to what:

- ``loadLabware`` / ``loadModule`` / ``loadPipette`` -> labware (adapters folded into the
  labware on them; trash labware becomes the robot's trash), modules (labwright module type
  and model), pipettes (Opentrons API names such as ``p300_single_gen2``,
  ``flex_1channel_1000``; tip racks = the racks each pipette picked tips from).
- ``defineLiquid`` (the run's liquids) + ``loadLiquid`` -> liquids with initial volumes. A
  protocol that loads no liquid declares none: the verifier then treats every well as
  hand-filled, contents unknown.
- ``pickUpTip`` -> ``pick_up_tip`` at the exact rack well; ``dropTip`` into the trash (fixed
  trash, trash bin, waste chute) -> ``drop_tip``; back into the well it came from ->
  ``return_tip``; into another rack well -> ``drop_tip`` at that well.
- ``aspirate`` / ``dispense`` / ``blowout`` / ``touchTip`` (and their ``InPlace`` forms, at the
  pipette's current location) -> atomic steps with ``position`` and ``offset_mm`` from the
  command's well location, expressed from the well bottom (or from the top when at or above
  it: an aspiration there is air, not liquid). ``airGapInPlace`` -> ``air_gap``.
- module commands -> ``set_temperature`` / ``deactivate`` / ``engage_magnets`` /
  ``disengage_magnets`` / ``shake`` / ``open_lid`` / ``close_lid`` / ``measure``;
  ``waitForDuration`` -> ``delay``; ``waitForResume`` -> ``pause``; ``comment`` -> ``comment``.

Where it lives: ``engine_commands`` (typed views of the commands), ``convert_state`` (what one
conversion has read and written, and the helpers the handlers share), one module of handlers per
command family (``convert_loads``, ``convert_pipetting``, ``convert_modules``, the latter with
the legacy-core module commands) and ``convert_document`` (the document they add up to). This
module dispatches each command to its handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labwright.protocols.findings import Finding, finding
from labwright.simulators.opentrons_interop import convert_loads, convert_modules, convert_pipetting
from labwright.simulators.opentrons_interop.capture import RunCapture
from labwright.simulators.opentrons_interop.convert_document import document
from labwright.simulators.opentrons_interop.convert_loads import api_pipette_name, module_type_of_model
from labwright.simulators.opentrons_interop.convert_state import Conversion

__all__ = ["ConversionResult", "api_pipette_name", "convert_commands", "module_type_of_model"]

# engine commands with no labwright counterpart and no effect on what is verified
SILENT = {
    "home",
    "retractAxis",
    "savePosition",
    "moveRelative",
    "setRailLights",
    "setStatusBar",
    "prepareToAspirate",
    "configureForVolume",
    "verifyTipPresence",
    "getTipPresence",
    "waitForTasks",
    "createTimer",
    "captureImage",
    "getNextTip",
    "identifyModule",
    "loadLiquidClass",
    "liquidProbe",
    "tryLiquidProbe",
    "setTipState",
    "loadLid",
    "loadLidStack",
    "temperatureModule/waitForTemperature",
    "heaterShaker/waitForTemperature",
    "thermocycler/waitForBlockTemperature",
    "thermocycler/waitForLidTemperature",
    "heaterShaker/deactivateShaker",
    "custom",
}

HANDLERS = {**convert_loads.HANDLERS, **convert_pipetting.HANDLERS, **convert_modules.HANDLERS}


@dataclass
class ConversionResult:
    document: dict[str, Any]
    issues: list[Finding]
    skipped: dict[str, int]
    step_lines: list[int | None] = field(default_factory=list)  # protocol line of each step


def _convert(conv: Conversion) -> None:
    """Every succeeded command, in order, through its handler."""
    conv.calibrate()
    for i, cmd in enumerate(conv.commands):
        if not cmd.succeeded:
            continue
        conv.index = i
        conv.line = conv.source_line(cmd)
        if cmd.params.get("pipetteId") in conv.pipettes:
            conv.last_pipette = cmd.params["pipetteId"]
        handler = HANDLERS.get(cmd.command_type)
        if handler is not None:
            handler(conv, cmd)
        elif cmd.command_type == "custom" and conv.cap.is_legacy:
            convert_modules.on_legacy_custom(conv, cmd)
        elif cmd.command_type not in SILENT:
            conv.skipped[cmd.command_type] += 1
    conv.shaking.clear()  # shakes still open at the end end with the run


def convert_commands(
    capture: RunCapture, custom: dict[str, dict[str, Any]] | None = None, name: str = "protocol"
) -> ConversionResult:
    """Engine commands (plus liquids and legacy heights) -> labwright document + issues."""
    conv = Conversion(capture, custom or {}, name)
    _convert(conv)
    doc = document(conv)
    if conv.skipped:
        kinds = ", ".join(f"{k} x{v}" for k, v in sorted(conv.skipped.items()))
        conv.issues.append(
            finding(
                "IMPORT_COMMANDS_SKIPPED",
                "schema",
                "info",
                f"simulator commands with no labwright counterpart were not verified: {kinds}",
                "check these commands by hand",
                pointer="/steps",
            )
        )
    return ConversionResult(doc, conv.issues, dict(conv.skipped), conv.step_lines)
