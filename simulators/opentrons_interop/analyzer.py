"""The Opentrons analyzer: run an Opentrons Python protocol (or a Protocol Designer JSON
protocol, told by its content: ``sources``) through the pinned Opentrons 9.0.0 analysis, in a
child process, with a time limit and cancellation, and runtime parameter values when given.
Every caller uses this module: the importer (``labwright validate FILE.py``), the
``opentrons-sim`` backend and the fake robot.

    capture = run_opentrons_analysis(Path("protocol.py"))            # a file
    capture = analyze_opentrons_text(text, filename="protocol.py")   # a protocol held in memory

Both return a ``RunCapture`` (``capture``): commands, liquids, the error tree of a rejected
protocol, robot type, metadata, API level, legacy run-log records, call lines, what the protocol
printed, seconds, the isolation that applied (``sandbox``). The protocol's own code runs only in
the child (``analysis_worker``), never in the caller's process, and there inside the sandbox of
``sandbox`` (Linux namespaces where available: no network, a read-only minimal filesystem without
the user's home or the labwright key; everywhere a scrubbed environment, a scratch cwd and
resource limits, ``AnalysisLimits``): its ``print``, ``sys.exit``, crashes and endless loops cannot
touch the caller. Only the result document crosses back. Children are forked from a
multiprocessing fork server that imported the Opentrons stack once (``analysis_worker.PRELOAD``):
the first analysis of a process pays the import, later ones start at once. ``_start_worker`` is
the one place that decides how the child is started.

Errors: ``UnusableInputError`` for a file that is not an Opentrons Python protocol (missing,
syntax error, no ``run()``, no or unsupported apiLevel); ``AnalysisLimitExceeded`` when a limit is
hit (``AnalysisTimedOut`` for the wall time; CPU time, memory); ``AnalysisCancelled`` when
``cancel`` is set; ``AnalyzerFailed`` when the child ends without a result (the protocol exited
the process or killed it). The child is killed (its whole process group, and with a PID
namespace everything the protocol started) in every one of these cases.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from labwright.protocols.documents import read_text_file
from labwright.protocols.errors import LabwrightError, UnusableInputError
from labwright.simulators.opentrons_interop.capture import LegacyRecord, RunCapture
from labwright.simulators.opentrons_interop.sandbox import DEFAULT_LIMITS, AnalysisLimits

__all__ = [
    "AnalysisCancelled",
    "AnalysisLimitExceeded",
    "AnalysisLimits",
    "AnalysisTimedOut",
    "AnalyzerFailed",
    "LegacyRecord",
    "RunCapture",
    "analyze_opentrons_text",
    "run_opentrons_analysis",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = DEFAULT_LIMITS.wall_s
_POLL_S = 0.02  # how often a wait with a cancel event looks at it
_CONTEXT: ForkServerContext | None = None
_CONTEXT_LOCK = threading.Lock()


class AnalyzerFailed(UnusableInputError):
    """The analysis process ended without a result (it crashed, or the protocol killed it)."""


class AnalysisLimitExceeded(AnalyzerFailed):
    """The analysis hit a resource limit (``limit``: "wall", "cpu" or "memory"); it was killed."""

    def __init__(self, message: str, hint: str = "", *, limit: str = "") -> None:
        super().__init__(message, hint)
        self.limit = limit


class AnalysisTimedOut(AnalysisLimitExceeded):
    """The analysis did not finish within its wall-time limit; the child was killed."""


class AnalysisCancelled(LabwrightError):
    """The analysis was cancelled (its ``cancel`` event was set); the child was killed."""


def run_opentrons_analysis(
    path: Path | str,
    custom_labware: list[dict[str, Any]] | None = None,
    *,
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
    limits: AnalysisLimits | None = None,
    parameters: dict[str, Any] | None = None,
) -> RunCapture:
    """Analyse the protocol file ``path`` (Python, or Protocol Designer JSON told by its content)
    with the Opentrons simulator, in a sandboxed child.

    ``limits`` (default ``AnalysisLimits()``): wall and CPU time, memory, file size, ...;
    ``timeout_s``, when given, replaces its wall time. ``parameters``: runtime parameter values
    (``--param``; text or typed), checked against the protocol's definitions in the child.
    Raises UnusableInputError if it is not an Opentrons protocol at all (or a parameter value is
    not allowed), AnalysisLimitExceeded past a limit; a protocol the simulator rejects comes
    back with ``errors``. ``RunCapture.source_sha256`` is the SHA-256 of the bytes analysed."""
    path = Path(path)
    limits = _limits(limits, timeout_s)
    suffix = _precheck(path)  # a regular file within the size limit, Python with a run(), or PD JSON
    with tempfile.TemporaryDirectory(prefix="labwright-ot-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        inputs = work / "in"
        inputs.mkdir()
        # the child reads a copy (the user's folder stays hidden), named as Opentrons' reader
        # expects its kind (it tells Python from JSON by the name)
        protocol = inputs / (path.name if path.name.endswith(suffix) else f"{path.stem}{suffix}")
        shutil.copyfile(path, protocol)
        sha = hashlib.sha256(protocol.read_bytes()).hexdigest()  # before the child can touch it
        files = [protocol, *_write_labware(inputs, custom_labware or [])]
        capture = _analyse_in_child(str(path), files, work, limits, cancel, parameters)
        capture.source_sha256 = sha
        return capture


def analyze_opentrons_text(
    text: str | bytes,
    *,
    filename: str = "protocol.py",
    custom_labware: list[dict[str, Any]] | None = None,
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
    limits: AnalysisLimits | None = None,
    parameters: dict[str, Any] | None = None,
) -> RunCapture:
    """``run_opentrons_analysis`` of a protocol held in memory (text, or the exact bytes of a
    file), saved as ``filename``."""
    with tempfile.TemporaryDirectory(prefix="labwright-ot-") as tmp:
        path = Path(tmp) / Path(filename).name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return run_opentrons_analysis(
            path, custom_labware, timeout_s=timeout_s, cancel=cancel, limits=limits, parameters=parameters
        )


def _limits(limits: AnalysisLimits | None, timeout_s: float | None) -> AnalysisLimits:
    limits = limits or DEFAULT_LIMITS
    if timeout_s is not None:
        limits = dataclasses.replace(limits, wall_s=float(timeout_s))
    if not limits.wall_s > 0 or not limits.memory_mb > 0:
        raise UnusableInputError(
            f"analysis limits must be positive (wall {limits.wall_s} s, memory {limits.memory_mb} MB)",
            hint="pass a positive --analysis-timeout / --analysis-memory-mb",
        )
    return limits


SYSTEM_SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/ssh", "/etc/sudoers", "/etc/sudoers.d")


def _hidden_paths() -> list[str]:
    """What the sandbox must never show: the labwright home (the signing key), the user's home,
    and the system's secrets (readable when labwright runs as root). (The labwright home as
    ``verifiers.certificate.labwright_home`` finds it; this layer does not import the verifiers.)"""
    homes = [os.path.expanduser("~"), os.environ.get("HOME", "")]
    labwright = [os.environ.get("LABWRIGHT_HOME", "")]
    try:
        from platformdirs import user_data_dir

        labwright.append(user_data_dir("labwright", appauthor=False))
    except ImportError:  # pragma: no cover - a dependency of labwright
        pass
    labwright = [p for p in labwright if p]
    paths = [*homes, *labwright, *(os.path.join(p, "certificate.key") for p in labwright)]
    return sorted({os.path.abspath(os.path.expanduser(p)) for p in paths if p})


# ----------------------------------------------------------------------------- the child


def _context() -> ForkServerContext:
    """The fork-server context; its server preloads the Opentrons stack (when we start it)."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            from labwright.simulators.opentrons_interop.analysis_worker import PRELOAD

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))  # no effect if a server already runs
            _CONTEXT = context
        return _CONTEXT


def _start_worker(request: Path) -> BaseProcess:
    """Start the analysis child (``analysis_worker.child_main``: the supervisor that enters the
    sandbox). The one place that decides how the child is started."""
    from labwright.simulators.opentrons_interop.analysis_worker import child_main

    process = _context().Process(target=child_main, args=(str(request),), name="opentrons-analysis")
    process.daemon = True  # never outlives the caller
    process.start()
    return process


def _analyse_in_child(
    shown: str,
    files: list[Path],
    work: Path,
    limits: AnalysisLimits,
    cancel: threading.Event | None,
    parameters: dict[str, Any] | None = None,
) -> RunCapture:
    """Run the worker on ``files`` (the protocol first, named ``shown`` in messages) in ``work``."""
    start = time.perf_counter()
    (work / "root").mkdir()  # the sandbox's root filesystem is mounted here (in its namespace only)
    (work / "scratch").mkdir(mode=0o700)  # the scratch directory where there are no namespaces
    paths = {name: work / name for name in ("result.json", "status.json", "worker.log")}
    request = {
        "files": [str(f) for f in files],
        "shown": shown,
        "inputs": str(files[0].parent),
        "root": str(work / "root"),
        "scratch": str(work / "scratch"),
        "result": str(paths["result.json"]),
        "status": str(paths["status.json"]),
        "log": str(paths["worker.log"]),
        "hidden": _hidden_paths(),  # not shown, nor any folder holding them
        "secrets": list(SYSTEM_SECRETS),  # covered where a shown folder holds them
        "limits": limits.to_dict(),
        "parameters": dict(parameters or {}),
    }
    request_path = work / "request.json"
    request_path.write_text(json.dumps(request), encoding="utf-8")
    process = _start_worker(request_path)
    try:
        _wait(process, start, shown, limits, cancel)
    finally:
        exitcode = _kill(process)
    seconds = time.perf_counter() - start
    status = _read_json(paths["status.json"]) or {}
    doc = _read_json(paths["result.json"])
    if doc is None:
        raise _no_result(shown, exitcode, status, paths["worker.log"], limits)
    return _read_result(doc, shown, seconds, limits)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _raise_hint(option: str, default: float) -> str:
    return (
        f"raise it with `labwright validate {option} ...` (default {default:g}; "
        "AnalysisLimits in the Python API) if the protocol is genuinely that large"
    )


def _memory_exceeded(shown: str, limits: AnalysisLimits) -> AnalysisLimitExceeded:
    return AnalysisLimitExceeded(
        f"{shown}: the Opentrons analysis ran out of memory: the protocol exceeded the memory "
        f"limit of {limits.memory_mb} MB; a protocol that hits a limit is never certified",
        hint=_raise_hint("--analysis-memory-mb", DEFAULT_LIMITS.memory_mb),
        limit="memory",
    )


def _no_result(
    shown: str, exitcode: int | None, status: dict[str, Any], log_path: Path, limits: AnalysisLimits
) -> AnalyzerFailed:
    """Why the analysis ended without a result: a limit, or the protocol ended the process."""
    text = log_path.read_text(errors="replace") if log_path.is_file() else ""
    tail = " | ".join(text.strip().splitlines()[-5:])[-600:]
    sig = status.get("signal")
    cpu = status.get("cpu_s", 0.0)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits.cpu_limit_s - 0.5):
        return AnalysisLimitExceeded(
            f"{shown}: the Opentrons analysis used up its CPU-time limit of {limits.cpu_limit_s} s "
            "(an endless loop?); a protocol that hits a limit is never certified",
            hint=_raise_hint("--analysis-timeout", DEFAULT_LIMITS.wall_s),
            limit="cpu",
        )
    if "MemoryError" in text:
        return _memory_exceeded(shown, limits)
    if sig is not None:
        how = f"was killed by signal {signal.Signals(sig).name if sig in signal.valid_signals() else sig}"
    elif "exit" in status:
        how = f"exited with code {status['exit']}"
    else:
        how = f"ended (exit code {exitcode})"
    return AnalyzerFailed(
        f"{shown}: the Opentrons analysis ended without a result: its process {how} before the "
        "analysis was written (the protocol exited or killed its process, or crashed); "
        f"such a protocol is never certified{': ' + tail if tail else ''}",
        hint="a protocol must not call os._exit() or kill its own process; run "
        "`python -m opentrons.cli analyze FILE` to see what the protocol does",
    )


def _wait(
    process: BaseProcess, start: float, shown: str, limits: AnalysisLimits, cancel: threading.Event | None
) -> None:
    """Wait for the child; raise AnalysisTimedOut / AnalysisCancelled (the caller kills it)."""
    while True:
        left = limits.wall_s - (time.perf_counter() - start)
        if cancel is not None and cancel.is_set():
            raise AnalysisCancelled("the Opentrons analysis was cancelled")
        if left <= 0:
            raise AnalysisTimedOut(
                f"{shown}: the Opentrons analysis did not finish within its wall-time limit of "
                f"{limits.wall_s:g} s (an endless loop?); a protocol that hits a limit is never certified",
                hint=_raise_hint("--analysis-timeout", DEFAULT_LIMITS.wall_s),
                limit="wall",
            )
        process.join(timeout=min(left, _POLL_S) if cancel is not None else left)
        if process.exitcode is not None:
            return


def _kill(process: BaseProcess) -> int | None:
    """Kill the child's process group (the child and what it started), reap the child and
    return its exit code."""
    if process.pid is not None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # gone, or not yet its own group
            if process.exitcode is None:
                process.kill()
    process.join()
    exitcode = process.exitcode
    process.close()
    return exitcode


def _read_result(doc: dict[str, Any], shown: str, seconds: float, limits: AnalysisLimits) -> RunCapture:
    if "unusable" in doc:
        raise UnusableInputError(doc["unusable"]["message"], hint=doc["unusable"].get("hint", ""))
    capture = RunCapture.model_validate(doc["capture"])
    if capture.limit_hit == "memory":
        raise _memory_exceeded(shown, limits)
    capture.seconds = seconds
    if capture.stdout:
        log.debug("protocol printed: %s", capture.stdout[:2000])
    return capture


# -------------------------------------------------------------------------- before the child


def _precheck(path: Path) -> str:
    """Reject what cannot be an Opentrons protocol before paying for a child and the opentrons
    import; the file suffix Opentrons' reader needs for its kind (".py" or ".json")."""
    if path.suffix.lower() != ".py":
        from labwright.simulators.opentrons_interop.sources import SourceKind, read_protocol_file

        if read_protocol_file(path).kind is not SourceKind.OPENTRONS_JSON:
            raise UnusableInputError(
                f"{path}: not an Opentrons protocol (neither a .py Python protocol nor a Protocol "
                "Designer JSON file)",
                hint="pass an Opentrons Python protocol (.py) or a Protocol Designer .json export",
            )
        return ".json"
    _precheck_python(path)
    return ".py"


def _precheck_python(path: Path) -> None:
    """Reject what cannot be a Python protocol (syntax, no run()) before the child."""
    source = read_text_file(path, what="Opentrons Python protocol")  # regular file, size limit
    try:
        tree = ast.parse(source, filename=str(path))
    except (MemoryError, RecursionError):  # CPython's parser gives up on extreme nesting
        raise UnusableInputError(
            f"{path}: not an Opentrons Python protocol: an expression nested too deeply to parse",
            hint="a protocol's code needs no deeply nested expressions; write them out as statements",
        ) from None
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


def _write_labware(folder: Path, definitions: list[dict[str, Any]]) -> list[Path]:
    """Save custom labware definitions where the Opentrons protocol reader can read them."""
    files = []
    for i, definition in enumerate(definitions):
        name = definition.get("parameters", {}).get("loadName", f"labware{i}")
        target = folder / f"{i:03d}_{_safe(name)}.json"
        target.write_text(json.dumps(definition))
        files.append(target)
    return files


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]
