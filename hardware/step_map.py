"""From robot commands back to protocol steps.

A robot reports progress and failures by command index (the Opentrons protocol engine's
command list); people think in protocol steps. The deck twin's expansion of the resolved
protocol (``simulators.deck.replay.expand_resolved``, the same one the verifier replays)
yields primitive actions tagged with their step, in the order the Opentrons API issues them.
``map_commands_to_steps`` aligns the two sequences by kind (tip pick-up, aspirate, dispense,
blow-out, module command, ...): each robot command gets the step of the action it matches;
commands with no counterpart (homing, loads, moves to the trash, a module's
wait-for-temperature) get the step of the action before them, or ``None`` before the first
step (setup).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from labwright.protocols.models import Protocol
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.replay import expand_resolved
from labwright.simulators.deck.resolve import resolve

# Opentrons protocol-engine command type -> kind
_COMMAND_KIND: dict[str, str] = {
    "pickUpTip": "pick",
    "configureNozzleLayout": "nozzles",
    "dropTip": "drop",
    "dropTipInPlace": "drop",
    "aspirate": "aspirate",
    "aspirateInPlace": "aspirate",
    "airGapInPlace": "aspirate",
    "dispense": "dispense",
    "dispenseInPlace": "dispense",
    "blowout": "blowout",
    "blowOutInPlace": "blowout",
    "touchTip": "touch",
    "waitForDuration": "wait",
    "waitForResume": "wait",
    "comment": "comment",
}

# a robot command of a kind may stand for actions of these kinds (a measurement without a plate
# reader is exported as a comment)
_MATCHES: dict[str, set[str]] = {"comment": {"wait", "measure"}}


def action_kind(action: a.Action) -> str:
    if isinstance(action, a.PickUpTip):
        return "pick"
    if isinstance(action, a.ConfigureNozzles):
        return "nozzles"
    if isinstance(action, a.DropTip | a.ReturnTip):
        return "drop"
    if isinstance(action, a.Aspirate | a.AirGap):
        return "aspirate"
    if isinstance(action, a.Dispense):
        return "dispense"
    if isinstance(action, a.BlowOut):
        return "blowout"
    if isinstance(action, a.TouchTip):
        return "touch"
    if isinstance(action, a.ModuleAction):
        return "module"
    if isinstance(action, a.Measure):
        return "measure"
    return "wait"


def command_kind(command_type: str) -> str | None:
    if command_type in _COMMAND_KIND:
        return _COMMAND_KIND[command_type]
    if command_type.startswith("absorbanceReader/") or command_type.endswith("/read"):
        return "measure"
    if "/" in command_type:
        return "module"
    return None


def protocol_actions(protocol: Protocol, extra_labware: list[dict[str, Any]] | None = None) -> list[a.Action]:
    """The primitive actions of a protocol, in order, as the deck twin replays them."""
    actions, _ = expand_resolved(resolve(protocol, extra_labware))
    return actions


def map_commands_to_steps(
    command_types: Sequence[str], actions: Sequence[a.Action], *, window: int = 48
) -> list[int | None]:
    """The protocol step of each robot command (see the module docstring)."""
    kinds = [action_kind(x) for x in actions]
    out: list[int | None] = []
    pointer = 0
    current: int | None = None
    for ctype in command_types:
        kind = command_kind(ctype)
        match = None
        if kind is not None:
            for j in range(pointer, min(pointer + window, len(kinds))):
                if kinds[j] == kind or kinds[j] in _MATCHES.get(kind, ()):
                    match = j
                    break
        if match is not None:
            pointer = match + 1
            current = actions[match].step
        out.append(current)
    return out


def completed_steps_before(step_of_command: Sequence[int | None], index: int, total_steps: int) -> int:
    """Steps wholly done when the robot is at command ``index``: every step before its step."""
    if not step_of_command:
        return 0
    if index >= len(step_of_command):
        return total_steps
    step = step_of_command[index]
    if step is None:
        return 0
    return min(step, total_steps)


STEP_COMMENT = re.compile(r"^\s*# step (\d+):")
ERROR_LINE = re.compile(r"\[line (\d+)\]")


def step_of_source_line(text: str, line: int) -> int | None:
    """The step whose ``# step N:`` comment (written by the Opentrons export) precedes ``line``."""
    lines = text.splitlines()
    for i in range(min(line, len(lines)) - 1, -1, -1):
        m = STEP_COMMENT.match(lines[i])
        if m:
            return int(m.group(1))
    return None


def step_of_error_text(text: str, message: str) -> int | None:
    """The step of a Python error reported at ``[line N]`` of an exported protocol."""
    m = ERROR_LINE.search(message)
    return step_of_source_line(text, int(m.group(1))) if m else None
