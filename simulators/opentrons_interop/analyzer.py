"""Run an Opentrons Python protocol through the pinned Opentrons 9.0.0 analysis, in-process.

This is what ``opentrons_analyze`` does (``ProtocolReader`` + a simulating run orchestrator),
kept in one process and returned as plain data:

- the protocol engine's command list (``model_dump(mode="json")`` of every command),
- the liquids the protocol defines, the API level, the robot type and the metadata,
- the analysis errors as a tree of plain dicts (a rejected protocol), and
- for protocols below apiLevel 2.14, which run on the legacy core: the real height of every
  aspirate/dispense/blow-out above the well bottom and the slot of the module each module
  command addressed, read from the legacy run-log messages. The analysis of a legacy protocol
  reports every well location as the top with offset 0 and module commands as text only.

Everything that imports ``opentrons`` does so inside functions: importing this module is cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labwright.protocols.errors import UnusableInputError

log = logging.getLogger(__name__)

ENGINE_CORE_API_LEVEL = (2, 14)  # below this, Python protocols run on the legacy core


@dataclass
class LegacyRecord:
    """What the legacy run log says about one mapped engine command."""

    name: str
    z_from_bottom: float | None = None  # height of the tip above the well bottom, mm
    well: str | None = None
    module_slot: str | None = None
    line: int | None = None  # line of the protocol file that issued it
    numbers: dict[str, Any] = field(default_factory=dict)  # primitive payload fields
    text: str = ""


@dataclass
class RunCapture:
    """The result of one in-process analysis, as plain data."""

    api_level: tuple[int, int]
    robot_type: str  # "OT-2 Standard" | "OT-3 Standard"
    metadata: dict[str, Any]
    commands: list[dict[str, Any]]
    liquids: list[dict[str, Any]]
    errors: list[dict[str, Any]]  # analysis error tree (empty: the simulator accepted it)
    legacy: dict[str, LegacyRecord] = field(default_factory=dict)  # engine command id -> record
    # (UTC time, protocol line) of every API call, in order: an engine command created at or
    # after a call's time (and before the next call's) comes from that line
    call_lines: list[tuple[datetime, int | None]] = field(default_factory=list)
    stdout: str = ""

    @property
    def is_legacy(self) -> bool:
        return self.api_level < ENGINE_CORE_API_LEVEL

    @property
    def robot(self) -> str:
        return "flex" if "OT-3" in self.robot_type or "Flex" in self.robot_type else "ot2"


# ----------------------------------------------------------------------------- quiet running


@contextlib.contextmanager
def _quiet_opentrons(buffer: io.StringIO) -> Iterator[None]:
    """Silence the Opentrons stack's logs and capture what the protocol prints.

    The simulator's own warnings (missing calibration files) and the protocol's print() calls
    must not reach stdout: ``labwright validate --json`` prints exactly one JSON object there.
    """
    ot_log = logging.getLogger("opentrons")
    old_level, old_propagate = ot_log.level, ot_log.propagate
    ot_log.setLevel(logging.CRITICAL + 1)
    ot_log.propagate = False
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        ot_log.setLevel(old_level)
        ot_log.propagate = old_propagate


def _run_coroutine(factory: Callable[[], Any]) -> Any:
    """asyncio.run, also when the caller already runs an event loop (then in a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(factory())
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="opentrons-analysis")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


# ----------------------------------------------------------------------------------- running


def run_opentrons_analysis(path: Path, custom_labware: list[dict[str, Any]] | None = None) -> RunCapture:
    """Analyse ``path`` with the Opentrons simulator. Raises UnusableInputError if it is not a
    Python protocol at all; a protocol the simulator rejects comes back with ``errors``."""
    path = Path(path)
    if not path.is_file():
        raise UnusableInputError(f"{path}: no such file", hint="check the path")
    _precheck(path)
    buffer = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="labwright-ot-") as tmp, _quiet_opentrons(buffer):
        files = [path]
        for i, definition in enumerate(custom_labware or []):
            name = definition.get("parameters", {}).get("loadName", f"labware{i}")
            target = Path(tmp) / f"{i:03d}_{_safe(name)}.json"
            target.write_text(json.dumps(definition))
            files.append(target)
        capture = _run_coroutine(lambda: _analyse(files))
    capture.stdout = buffer.getvalue()
    if capture.stdout:
        log.debug("protocol printed: %s", capture.stdout[:2000])
    return capture


def _precheck(path: Path) -> None:
    """Reject what cannot be a Python protocol before paying for the opentrons import."""
    import ast

    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        line = f" at line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        why = getattr(exc, "msg", exc)
        raise UnusableInputError(
            f"{path}: not an Opentrons Python protocol: Python syntax error{line} ({why})",
            hint="fix the Python syntax error so that `python -m py_compile FILE` passes",
        ) from None
    except OSError as exc:
        raise UnusableInputError(f"{path}: cannot be read ({exc})", hint="check the file") from None
    if not any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "run" for node in tree.body
    ):
        raise UnusableInputError(
            f"{path}: not an Opentrons Python protocol: no run() function",
            hint="an Opentrons protocol defines def run(protocol: protocol_api.ProtocolContext) "
            'and metadata = {"apiLevel": "2.x"}',
        )


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]


async def _analyse(files: list[Path]) -> RunCapture:
    from opentrons.protocol_reader import ProtocolFilesInvalidError, ProtocolReader
    from opentrons.protocol_reader.protocol_source import PythonProtocolConfig
    from opentrons.protocol_runner.create_simulating_orchestrator import (
        create_simulating_orchestrator,
    )
    from opentrons.protocol_runner.run_orchestrator import ParseMode

    path = files[0]
    try:
        source = await ProtocolReader().read_saved(files=files, directory=None)
    except ProtocolFilesInvalidError as exc:
        raise _unusable(path, str(exc)) from None
    config = source.config
    if not isinstance(config, PythonProtocolConfig):
        raise UnusableInputError(
            f"{path}: not an Opentrons Python protocol (read as {type(config).__name__})",
            hint="pass a Python protocol file with metadata/requirements and a run() function",
        )
    api = (config.api_version.major, config.api_version.minor)
    if api < (2, 0):
        raise UnusableInputError(
            f"{path}: apiLevel {api[0]}.{api[1]} is Protocol API v1, which Opentrons 9.0.0 cannot run",
            hint="port the protocol to Protocol API v2 (apiLevel 2.x)",
        )
    capture = RunCapture(
        api_level=api,
        robot_type=str(source.robot_type),
        metadata=dict(source.metadata or {}),
        commands=[],
        liquids=[],
        errors=[],
    )
    orchestrator = await create_simulating_orchestrator(robot_type=source.robot_type, protocol_config=config)
    runner = orchestrator.get_protocol_runner()
    if runner is not None:
        runner.broker.subscribe("command", _RunLogRecorder(capture, path.name))
    try:
        await orchestrator.load(
            protocol_source=source,
            parse_mode=ParseMode.NORMAL,
            run_time_param_values=None,
            run_time_param_paths=None,
        )
    except Exception as exc:  # the protocol fails while loading (e.g. raises at import time)
        capture.errors = [_exception_tree(exc)]
        with contextlib.suppress(Exception):
            await orchestrator.finish(error=exc, drop_tips_after_run=False, set_run_status=False)
        return capture
    try:
        result = await orchestrator.run(deck_configuration=[])
    except Exception as exc:  # defensive: the analysis itself raised
        capture.errors = [_exception_tree(exc)]
        return capture
    capture.commands = [c.model_dump(mode="json") for c in result.commands]
    capture.liquids = [liq.model_dump(mode="json") for liq in result.state_summary.liquids]
    capture.errors = [e.model_dump(mode="json") for e in result.state_summary.errors]
    return capture


_UNUSABLE_HINTS: list[tuple[str, str]] = [
    (
        r"apiLevel not declared|api ?level",
        'declare the API level, e.g. metadata = {"apiLevel": "2.20"} '
        '(Flex: requirements = {"robotType": "Flex", "apiLevel": "2.20"})',
    ),
    (
        r"No function 'run",
        "define def run(protocol: protocol_api.ProtocolContext): holding the protocol's steps",
    ),
    (
        r"not supported by this robot software",
        "use an apiLevel from 2.0 to 2.28 (the range Opentrons 9.0.0 runs)",
    ),
    (
        r"line \d+|syntax|invalid|expected",
        "fix the Python syntax error so that `python -m py_compile FILE` passes",
    ),
]


def _unusable(path: Path, reason: str) -> UnusableInputError:
    reason = " ".join(reason.split())
    hint = "pass an Opentrons Python protocol (metadata with apiLevel and a run() function)"
    for pattern, text in _UNUSABLE_HINTS:
        if re.search(pattern, reason, flags=re.IGNORECASE):
            hint = text
            break
    return UnusableInputError(f"{path}: not an Opentrons Python protocol: {reason}", hint=hint)


def _exception_tree(exc: BaseException, depth: int = 0) -> dict[str, Any]:
    """An exception (and its causes) in the shape of the engine's ErrorOccurrence dicts."""
    detail = str(exc) or type(exc).__name__
    wrapped: list[dict[str, Any]] = []
    nested = getattr(exc, "wrapping", None) or []
    for inner in nested:
        if isinstance(inner, BaseException) and depth < 8:
            wrapped.append(_exception_tree(inner, depth + 1))
    cause = exc.__cause__ or exc.__context__
    if cause is not None and depth < 8 and not wrapped:
        wrapped.append(_exception_tree(cause, depth + 1))
    return {
        "errorType": type(exc).__name__,
        "detail": detail,
        "errorInfo": {"class": type(exc).__name__},
        "wrappedErrors": wrapped,
    }


# ------------------------------------------------------------------------ legacy run log


class _RunLogRecorder:
    """Subscribes to the run-log broker of the Python protocol API.

    Every API call: the protocol line that made it (for findings that name the source line).
    Legacy core only: the height of each location above its well bottom and the slot of the
    module each module command addressed. The engine's LegacyCommandMapper names each mapped
    command ``"{name}-{n}"`` where ``n`` counts the "before" messages of that name,
    higher-order commands (transfer, mix, ...) excluded; counting the same way gives the
    engine command id of every message.
    """

    def __init__(self, capture: RunCapture, filename: str) -> None:
        from opentrons.protocol_runner.legacy_command_mapper import _HIGHER_ORDER_COMMAND_TYPES

        self._skip = set(_HIGHER_ORDER_COMMAND_TYPES)
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
        if message.get("$") != "before":
            return
        line = _protocol_line(self._filename)
        self._capture.call_lines.append((datetime.now(tz=UTC), line))
        if not self._capture.is_legacy or name in self._skip:
            return
        command_id = f"{name}-{self._count[name]}"
        self._count[name] += 1
        payload = message.get("payload", {}) or {}
        rec = LegacyRecord(name=name, text=str(payload.get("text", "")), line=line)
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
