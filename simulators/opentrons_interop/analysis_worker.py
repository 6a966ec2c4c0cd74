"""The analysis worker: runs one Opentrons Python protocol (or Protocol Designer JSON protocol)
through the pinned Opentrons 9.0.0 analysis, in a process of its own, and writes the
``RunCapture`` as JSON. ``--param`` values are typed and checked against the protocol's own
parameter definitions here, where they exist (``runtime_parameters``).

``analyzer`` starts it with ``child_main`` in a process forked from a fork server that has
imported the Opentrons stack once (``PRELOAD``), so each analysis starts in milliseconds, not
the seconds of ``import opentrons``. The same is runnable as a command:

    python -m labwright.simulators.opentrons_interop.analysis_worker REQUEST.json RESULT.json

``REQUEST.json`` is ``{"files": [protocol.py, custom_labware.json, ...], "shown": "protocol.py"}``
(``shown``: how messages name the protocol file). ``RESULT.json`` is ``{"capture": RunCapture}``
or, for a file Opentrons cannot read as a Python protocol,
``{"unusable": {"message": ..., "hint": ...}}``. Anything else (a crash) leaves no result; the
traceback goes to the worker's log.

This is what ``opentrons_analyze`` does (``ProtocolReader`` + a simulating run orchestrator),
plus the run-log recorder of ``run_log`` (protocol lines of API calls; legacy-core heights). The
protocol's own code runs here, never in the caller's process, inside the sandbox of ``sandbox``
(namespaces, read-only root, no network, limits): what it prints is captured into
``RunCapture.stdout``, and a ``SystemExit`` it raises becomes an analysis error (a rejection,
never certified); a ``MemoryError`` (the memory limit) sets ``RunCapture.limit_hit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labwright.protocols.errors import UnusableInputError
from labwright.simulators.opentrons_interop.capture import RunCapture

# What the fork server imports once: the Opentrons stack an analysis uses (importing it starts no
# thread, so forking after it is safe), and this module.
PRELOAD = (
    "opentrons.protocol_reader",
    "opentrons.protocol_runner.create_simulating_orchestrator",
    "opentrons.protocol_runner.run_orchestrator",
    "opentrons.protocol_runner.legacy_command_mapper",
    "opentrons.protocol_engine.protocol_engine",
    "anyio._backends._asyncio",
    "labwright.simulators.opentrons_interop.analysis_worker",
    "labwright.simulators.opentrons_interop.run_log",
)

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


@contextlib.contextmanager
def _quiet_opentrons(buffer: io.StringIO) -> Iterator[None]:
    """Silence the Opentrons stack's logs and capture what the protocol prints.

    The simulator's own warnings (missing calibration files) are noise; the protocol's print()
    calls are kept in ``RunCapture.stdout``.
    """
    ot_log = logging.getLogger("opentrons")
    ot_log.setLevel(logging.CRITICAL + 1)
    ot_log.propagate = False
    with contextlib.redirect_stdout(buffer):
        yield


def analyse_files(
    files: list[Path], shown: str | None = None, parameters: dict[str, Any] | None = None
) -> RunCapture:
    """Analyse ``files[0]`` (with the custom labware definitions ``files[1:]``), in this process,
    with the runtime parameter values ``parameters`` (text or typed; the others keep their defaults).

    Raises UnusableInputError if Opentrons cannot read it as a Python or Protocol Designer
    protocol, or a parameter value is not allowed; a protocol the simulator rejects comes back
    with ``errors``.
    """
    buffer = io.StringIO()
    _top_level_once()
    analysis = _Analysis(files, Path(shown) if shown else files[0], dict(parameters or {}))
    with _quiet_opentrons(buffer):
        try:
            asyncio.run(analysis.run())
        except SystemExit as exc:  # the event loop re-raises a protocol's sys.exit(); not ours
            analysis.exited(exc)
    capture = analysis.capture
    if capture is None:  # defensive: an exit before the protocol was read
        raise UnusableInputError(f"{analysis.shown}: the protocol exited while being read")
    capture.stdout = buffer.getvalue()
    return capture


def _top_level_once() -> None:
    """Run a protocol's module-level code once per analysis.

    Opentrons executes the module twice (``exec_add_parameters`` for run-time parameters, then
    ``exec_run``), each time into fresh globals. Here the second execution of the same code object
    reuses the globals of the first instead, so that what the protocol does at top level happens
    once; ``run()`` sees the same functions and values."""
    import builtins
    import types

    from opentrons.protocols.execution import execute_python

    done: dict[int, tuple[types.CodeType, dict[str, Any]]] = {}  # code -> its first globals
    reused: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # later globals -> the first

    def exec_once(source: Any, globs: Any = None, locs: Any = None) -> None:
        if isinstance(source, types.CodeType) and isinstance(globs, dict) and locs is None:
            first = done.get(id(source))
            if first is not None and first[0] is source:
                globs.update(first[1])
                reused[id(globs)] = (globs, first[1])
                return
            builtins.exec(source, globs)
            done[id(source)] = (source, globs)
            return
        link = reused.get(id(globs))
        if link is not None and link[0] is globs:  # e.g. "run(__context)": run in the first globals
            link[1].update(globs)
            globs = link[1]
        builtins.exec(source, globs, locs)

    execute_python.exec = exec_once  # type: ignore[attr-defined]  # shadows the builtin there


class _Analysis:
    """One analysis: the protocol read, loaded and run by a simulating run orchestrator."""

    def __init__(self, files: list[Path], shown: Path, parameters: dict[str, Any]) -> None:
        self.files, self.shown, self.parameters = files, shown, parameters
        self.capture: RunCapture | None = None
        self.orchestrator: Any = None

    async def run(self) -> None:
        from opentrons.protocol_reader.protocol_source import JsonProtocolConfig
        from opentrons.protocol_runner.create_simulating_orchestrator import create_simulating_orchestrator

        source, config = await _read(self.files, self.shown)
        is_json = isinstance(config, JsonProtocolConfig)
        if is_json and self.parameters:
            raise UnusableInputError(
                f"{self.shown}: --param {', '.join(self.parameters)}: a Protocol Designer protocol has no "
                "runtime parameters",
                hint="drop --param; runtime parameters belong to Python protocols (add_parameters)",
            )
        self.capture = capture = RunCapture(
            api_level=_api_level(config),
            schema_version=config.schema_version if is_json else None,
            robot_type=str(source.robot_type),
            metadata=dict(source.metadata or {}),
        )
        self.orchestrator = await create_simulating_orchestrator(
            robot_type=source.robot_type, protocol_config=config
        )
        broker = getattr(self.orchestrator.get_protocol_runner(), "broker", None)
        if broker is not None:  # Python protocols and PD v3-v5 (legacy core); not the JSON runner
            from labwright.simulators.opentrons_interop.run_log import RunLogRecorder

            broker.subscribe("command", RunLogRecorder(capture, self.files[0].name))
        problems: list[UnusableInputError] = []
        if self.parameters:
            _check_parameters_when_set(problems)
        if await _load(self.orchestrator, source, capture, self.parameters, problems, is_json, self.shown):
            _require_parameters(self.orchestrator, self.parameters, self.shown)
            await _run(self.orchestrator, capture)

    def exited(self, exc: SystemExit) -> None:
        """The protocol raised SystemExit: an analysis error, with the commands that ran before."""
        if self.capture is None:
            return
        if self.orchestrator is not None:
            with contextlib.suppress(Exception):
                self.capture.commands = [
                    c.model_dump(mode="json") for c in self.orchestrator.get_all_commands()
                ]
                summary = self.orchestrator.get_state_summary()
                self.capture.liquids = [liq.model_dump(mode="json") for liq in summary.liquids]
        _failed(self.capture, exc)
        self.capture.errors[0]["detail"] = f"the protocol called sys.exit({exc.code!r})"


def _api_level(config: Any) -> tuple[int, int] | None:
    """The Python API level the protocol runs at: its apiLevel; 2.8 for PD v3-v5 (Opentrons runs
    them on the legacy core at that level); None for PD v6-v8 (protocol-engine commands)."""
    from labwright.simulators.opentrons_interop.capture import JSON_ENGINE_SCHEMA

    version = getattr(config, "api_version", None)
    if version is not None:
        return (version.major, version.minor)
    if config.schema_version < JSON_ENGINE_SCHEMA:
        from opentrons.protocols.parse import API_VERSION_FOR_JSON_V5_AND_BELOW as legacy

        return (legacy.major, legacy.minor)
    return None


def _check_parameters_when_set(problems: list[UnusableInputError]) -> None:
    """Check ``--param`` values against the definitions the protocol's add_parameters() made.

    Opentrons sets override values with ``ParameterContext.set_parameters`` right after
    add_parameters() ran; only then are the definitions known. This wraps it (in this worker
    process only) so that text values get their parameter's type and a value the definition does
    not allow is a ``ParameterValueProblem`` (kept in ``problems``: Opentrons wraps whatever
    set_parameters raises into a protocol error, and a bad option is unusable input, not a
    rejected protocol)."""
    from labwright.simulators.opentrons_interop.runtime_parameters import ParameterValueProblem, coerce_values
    from opentrons.protocol_api._parameter_context import ParameterContext

    original = ParameterContext.set_parameters

    def set_parameters(self: Any, overrides: Any) -> None:
        definitions = [p.as_protocol_engine_type().model_dump(mode="json") for p in self._parameters.values()]
        try:
            typed = coerce_values(dict(overrides), definitions)
        except ParameterValueProblem as exc:
            problems.append(exc)
            raise
        original(self, typed)

    ParameterContext.set_parameters = set_parameters  # type: ignore[method-assign]


def _require_parameters(orchestrator: Any, parameters: dict[str, Any], shown: Path) -> None:
    """``--param`` for a protocol without add_parameters(): Opentrons ignores it; we refuse."""
    if parameters and not orchestrator.get_run_time_parameters():
        raise UnusableInputError(
            f"{shown}: --param {', '.join(parameters)}: the protocol defines no runtime parameters "
            "(it has no add_parameters function)",
            hint="drop --param, or define the parameter in the protocol's add_parameters()",
        )


async def _read(files: list[Path], path: Path) -> tuple[Any, Any]:
    """(protocol source, its config); UnusableInputError (naming ``path``) for anything else."""
    from opentrons.protocol_reader import ProtocolFilesInvalidError, ProtocolReader
    from opentrons.protocol_reader.protocol_source import JsonProtocolConfig, PythonProtocolConfig

    try:
        source = await ProtocolReader().read_saved(files=files, directory=None)
    except ProtocolFilesInvalidError as exc:
        if files[0].suffix == ".json":
            raise _unusable_json(path, str(exc)) from None
        raise _unusable(path, str(exc)) from None
    config = source.config
    if isinstance(config, JsonProtocolConfig):
        return source, config
    if not isinstance(config, PythonProtocolConfig):
        raise UnusableInputError(
            f"{path}: not an Opentrons protocol (read as {type(config).__name__})",
            hint="pass a Python protocol file with metadata/requirements and a run() function",
        )
    api = (config.api_version.major, config.api_version.minor)
    if api < (2, 0):
        raise UnusableInputError(
            f"{path}: apiLevel {api[0]}.{api[1]} is Protocol API v1, which Opentrons 9.0.0 cannot run",
            hint="port the protocol to Protocol API v2 (apiLevel 2.x)",
        )
    return source, config


async def _load(
    orchestrator: Any,
    source: Any,
    capture: RunCapture,
    parameters: dict[str, Any],
    problems: list[UnusableInputError],
    is_json: bool,
    shown: Path,
) -> bool:
    """Load the protocol; False (and the error on ``capture``) when it fails while loading.

    A ``--param`` value the protocol does not allow, and a Protocol Designer file that does not
    match its schema (Opentrons validates it here), are unusable input, raised."""
    from opentrons.protocol_runner.run_orchestrator import ParseMode

    try:
        await orchestrator.load(
            protocol_source=source,
            parse_mode=ParseMode.NORMAL,
            run_time_param_values=parameters or None,
            run_time_param_paths=None,
        )
    except Exception as exc:  # the protocol fails while loading (e.g. raises at import time)
        if problems:
            raise problems[0] from None
        if is_json:
            raise _unusable_json(shown, _first_words(exc)) from None
        _failed(capture, exc)
        with contextlib.suppress(Exception):
            await orchestrator.finish(error=exc, drop_tips_after_run=False, set_run_status=False)
        return False
    return True


async def _run(orchestrator: Any, capture: RunCapture) -> None:
    from opentrons.protocol_engine.protocol_engine import code_in_error_tree
    from opentrons_shared_data.errors import ErrorCodes

    try:
        result = await orchestrator.run(deck_configuration=[])
    except Exception as exc:  # defensive: the analysis itself raised
        _failed(capture, exc)
        return
    capture.commands = [c.model_dump(mode="json") for c in result.commands]
    capture.liquids = [liq.model_dump(mode="json") for liq in result.state_summary.liquids]
    capture.parameters = [p.model_dump(mode="json") for p in result.parameters]
    capture.errors = [e.model_dump(mode="json") for e in result.state_summary.errors]
    if any(
        code_in_error_tree(root_error=e, code=ErrorCodes.RUNTIME_PARAMETER_VALUE_REQUIRED)
        for e in result.state_summary.errors
    ):
        capture.result = "parameter-value-required"
    elif capture.errors:
        capture.result = "not-ok"


def _failed(capture: RunCapture, exc: BaseException) -> None:
    """The analysis failed with ``exc``: its error tree is the analysis' error."""
    capture.errors = [_exception_tree(exc)]
    capture.result = "not-ok"


def _unusable(path: Path, reason: str) -> UnusableInputError:
    reason = " ".join(reason.split())
    hint = "pass an Opentrons Python protocol (metadata with apiLevel and a run() function)"
    for pattern, text in _UNUSABLE_HINTS:
        if re.search(pattern, reason, flags=re.IGNORECASE):
            hint = text
            break
    return UnusableInputError(f"{path}: not an Opentrons Python protocol: {reason}", hint=hint)


def _unusable_json(path: Path, reason: str) -> UnusableInputError:
    reason = " ".join(reason.split())[:1500]
    return UnusableInputError(
        f"{path}: not a valid Protocol Designer protocol: {reason}",
        hint="open the file in Protocol Designer and save it again; a file edited by hand must "
        "still match its JSON schema",
    )


def _first_words(exc: BaseException) -> str:
    """An exception as one line: its class and message (a pydantic error: its first problems,
    each as where and what, e.g. ``aspirate.params.volume: Field required``)."""
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ == "ValidationError" and callable(errors):
        parts = []
        for error in errors()[:3]:
            where = ".".join(str(x) for x in error.get("loc", ())) or "a command"
            given = error.get("input")
            key = given.get("key") if isinstance(given, dict) else None
            msg = str(error.get("msg", ""))
            parts.append(f"{where}{f' (command key {key})' if key else ''}: {msg[:200]}")
        return "; ".join(parts)
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return f"{type(exc).__name__}: {' | '.join(lines[:4])}"


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


def analyse_request(request: dict[str, Any], sandbox: dict[str, Any] | None = None) -> dict[str, Any]:
    """The result document of one request: ``{"capture": ...}`` or ``{"unusable": ...}``."""
    files = [Path(f) for f in request["files"]]
    try:
        capture = analyse_files(files, request.get("shown"), request.get("parameters"))
    except UnusableInputError as exc:
        return {"unusable": {"message": exc.message, "hint": exc.hint}}
    capture.sandbox = dict(sandbox or {})
    if _in_error_tree(capture.errors, "MemoryError"):
        capture.limit_hit = "memory"
    return {"capture": capture.model_dump(mode="json")}


def _in_error_tree(errors: list[dict[str, Any]], name: str) -> bool:
    """``name`` (an exception class) anywhere in an error tree."""
    for error in errors:
        info = error.get("errorInfo") or {}
        texts = [error.get("errorType"), error.get("detail"), *info.values()]
        if any(isinstance(t, str) and name in t for t in texts):
            return True
        if _in_error_tree(error.get("wrappedErrors") or [], name):
            return True
    return False


def main(argv: list[str]) -> int:
    """Read the request, analyse (in this process, no sandbox), write the result; 0 when a
    result was written."""
    request_path, result_path = Path(argv[0]), Path(argv[1])
    request = json.loads(request_path.read_text(encoding="utf-8"))
    doc = analyse_request(request)
    partial = result_path.with_suffix(".partial")
    partial.write_text(json.dumps(doc), encoding="utf-8")
    partial.replace(result_path)  # the caller sees a whole result or none
    return 0


def child_main(request_path: str) -> None:
    """Entry point of a process forked from the fork server: the *supervisor* of one analysis.

    Its own process group (killing the group kills the analysis and what it started), output to
    the request's log; the result and status files opened here, before the sandbox. Then
    (``sandbox``) new namespaces if available, a fork into *init* (process 1 of the new PID
    namespace: builds the read-only root, drops every capability, reaps, writes the status) and
    a fork into the *analysis* (limits, scrubbed environment, scratch cwd, the protocol)."""
    from labwright.simulators.opentrons_interop import sandbox

    os.setpgid(0, 0)
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    result_fd = os.open(request["result"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    status_fd = os.open(request["status"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    limits = sandbox.AnalysisLimits(**request["limits"])
    hidden = list(request.get("hidden", []))
    started = time.perf_counter()
    sources = sandbox.read_only_sources(hidden) if limits.isolate else []
    request["config_dirs"] = sandbox.opentrons_config_dirs()
    isolation, reason = sandbox.enter_namespaces(limits)
    request["started"] = started
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = _init(request, limits, isolation, reason, sources, result_fd, status_fd)
        except BaseException:  # noqa: BLE001 - reported in the log; no result means failure
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(result_fd)
    os.close(status_fd)
    os.waitpid(pid, 0)


def _init(
    request: dict[str, Any],
    limits: Any,
    isolation: str,
    reason: str,
    sources: list[str],
    result_fd: int,
    status_fd: int,
) -> int:
    """Process 1 of the sandbox: build it, start the analysis, reap, write the status."""
    from labwright.simulators.opentrons_interop import sandbox

    sandbox.set_parent_death_signal()
    status: dict[str, Any] = {"isolation": isolation, "reason": reason, "limits": limits.to_dict()}
    scratch = request["scratch"]
    if isolation == sandbox.ISOLATION_NAMESPACES:
        try:
            status.update(
                sandbox.build_root(
                    request["root"],
                    sources,
                    request["inputs"],
                    [*request["hidden"], *request.get("secrets", [])],
                    limits,
                    request["config_dirs"],
                )
            )
            scratch = sandbox.SCRATCH_IN_SANDBOX
        except OSError as exc:  # defensive: still no network, no other process; host files visible
            status.update(
                isolation=sandbox.ISOLATION_LIMITS_ONLY, reason=f"the sandbox could not be built ({exc})"
            )
    else:
        sandbox.set_child_subreaper()  # orphans come back here to be killed
    status["scratch"] = scratch
    status["setup_s"] = round(time.perf_counter() - request["started"], 4)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            sandbox.set_parent_death_signal()
            os.close(status_fd)
            sandbox.close_fds([result_fd])
            sandbox.scrub_environment(scratch)
            sandbox.apply_limits(limits, status["isolation"])
            shown = {k: v for k, v in status.items() if k in ("isolation", "reason", "proc", "scratch")}
            doc = analyse_request(request, shown)
            with os.fdopen(result_fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(doc))
            code = 0
        except BaseException:  # noqa: BLE001 - a crash: the traceback to the log, no result
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    os.close(result_fd)
    sandbox.set_not_dumpable()  # the protocol cannot ptrace process 1
    while True:
        try:
            done, wait_status, usage = os.wait4(-1, 0)
        except ChildProcessError:
            return 1
        if done == pid:
            break
    if os.WIFSIGNALED(wait_status):
        status["signal"] = os.WTERMSIG(wait_status)
    else:
        status["exit"] = os.WEXITSTATUS(wait_status)
    status["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    status["maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)
    if status["isolation"] != sandbox.ISOLATION_NAMESPACES:
        sandbox.kill_children()
    sandbox.write_status(status_fd, status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
