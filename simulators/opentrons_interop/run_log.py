"""The Python protocol API's run log, read while the analysis runs (inside the analysis worker).

``RunLogRecorder`` subscribes to the run-log broker and fills, on the ``RunCapture``:

- ``call_lines``: the protocol line of every API call (for findings that name the source line);
- ``legacy`` (protocols below apiLevel 2.14, which run on the legacy core): the real height of
  every aspirate/dispense/blow-out above the well bottom and the slot of the module each module
  command addressed. The analysis of a legacy protocol reports every well location as the top
  with offset 0 and module commands as text only.

Imports ``opentrons`` inside functions only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labwright.simulators.opentrons_interop.capture import LegacyRecord, RunCapture

log = logging.getLogger(__name__)


class RunLogRecorder:
    """Subscribes to the run-log broker of the Python protocol API.

    Every API call: the protocol line that made it (for findings that name the source line).
    Legacy core only: the height of each location above its well bottom and the slot of the
    module each module command addressed. The engine's LegacyCommandMapper names each mapped
    command ``"{name}-{n}"`` where ``n`` counts the "before" messages of that name,
    higher-order commands (transfer, mix, ...) excluded; counting the same way gives the
    engine command id of every message.
    """

    def __init__(self, capture: RunCapture, filename: str) -> None:
        from opentrons.legacy_commands import types as legacy_types
        from opentrons.protocol_runner.legacy_command_mapper import _HIGHER_ORDER_COMMAND_TYPES

        self._skip = set(_HIGHER_ORDER_COMMAND_TYPES)
        self._air_gap, self._aspirate = legacy_types.AIR_GAP, legacy_types.ASPIRATE
        self._open_air_gaps = 0  # AIR_GAP messages begun and not ended: their aspirate is air
        self._count: dict[str, int] = defaultdict(int)
        self._capture = capture
        self._records = capture.legacy
        self._filename = filename

    def __call__(self, message: dict[str, Any]) -> None:
        try:
            self._record(message)
        except Exception:  # never break the simulation because of the recorder
            log.debug("legacy run-log message not recorded", exc_info=True)

    def _record(self, message: dict[str, Any]) -> None:
        name = message.get("name", "")
        if name == self._air_gap:
            self._open_air_gaps += 1 if message.get("$") == "before" else -1
        if message.get("$") != "before":
            return
        line = _protocol_line(self._filename)
        self._capture.call_lines.append((datetime.now(tz=UTC), line))
        if not self._capture.is_legacy or name in self._skip:
            return
        command_id = f"{name}-{self._count[name]}"
        self._count[name] += 1
        payload = message.get("payload", {}) or {}
        rec = LegacyRecord(
            name=name,
            text=str(payload.get("text", "")),
            line=line,
            in_air_gap=name == self._aspirate and self._open_air_gaps > 0,
        )
        location = payload.get("location")
        if location is not None:
            rec.z_from_bottom, rec.well = _height_above_bottom(location)
        for key, value in payload.items():
            if (
                key != "text"
                and isinstance(value, int | float | str | list | dict)
                and not isinstance(value, bool)
            ):
                with contextlib.suppress(TypeError, ValueError):
                    rec.numbers[key] = json.loads(json.dumps(value))
        if "MAGDECK" in name or "TEMPDECK" in name or "THERMOCYCLER" in name or "HEATER_SHAKER" in name:
            rec.module_slot = _calling_module_slot()
        self._records[command_id] = rec


def _height_above_bottom(location: Any) -> tuple[float | None, str | None]:
    """(tip height above the well bottom in mm, well name) of a legacy Location or Well."""
    from opentrons.protocol_api.labware import Well
    from opentrons.types import Location

    if isinstance(location, Well):
        return None, location.well_name
    if not isinstance(location, Location):
        return None, None
    holder = location.labware
    if not holder.is_well:
        return None, None
    well = holder.as_well()
    bottom_z = well.bottom().point.z
    return float(location.point.z - bottom_z), well.well_name


def _protocol_line(filename: str) -> int | None:
    """The line of the protocol file (innermost frame) in the current call stack."""
    frame = sys._getframe(1)
    while frame is not None:
        # the protocol runs as exec'd code whose globals hold the "__context" it was given
        if Path(frame.f_code.co_filename).name == filename and "__context" in frame.f_globals:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _calling_module_slot() -> str | None:
    """The deck slot of the module context whose published method is running now."""
    frame = sys._getframe(1)
    for _ in range(30):
        if frame is None:
            return None
        if frame.f_code.co_name == "_decorated":
            args = frame.f_locals.get("args") or ()
            core = getattr(args[0], "_core", None) if args else None
            if core is not None and hasattr(core, "get_deck_slot"):
                slot = core.get_deck_slot()
                return str(getattr(slot, "value", slot))
        frame = frame.f_back
    return None
