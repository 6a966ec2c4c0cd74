"""The Opentrons analyzer: run an Opentrons Python protocol through the pinned Opentrons 9.0.0
analysis, in a child process, with a time limit and cancellation. Every caller uses this module:
the importer (``labwright validate FILE.py``), the ``opentrons-sim`` backend and the fake robot.

    capture = run_opentrons_analysis(Path("protocol.py"))            # a file
    capture = analyze_opentrons_text(text, filename="protocol.py")   # a protocol held in memory

Both return a ``RunCapture`` (``capture``): commands, liquids, the error tree of a rejected
protocol, robot type, metadata, API level, legacy run-log records, call lines, what the protocol
printed, seconds. The protocol's own code runs only in the child (``analysis_worker``), never in
the caller's process: its ``print``, ``sys.exit``, crashes and endless loops cannot touch the
caller. Children are forked from a multiprocessing fork server that imported the Opentrons stack
once (``analysis_worker.PRELOAD``): the first analysis of a process pays the import, later ones
start at once. ``_start_worker`` is the one place that decides how the child is started (where a
sandbox or resource limits go).

Errors: ``UnusableInputError`` for a file that is not an Opentrons Python protocol (missing,
syntax error, no ``run()``, no or unsupported apiLevel); ``AnalysisTimedOut`` past ``timeout_s``;
``AnalysisCancelled`` when ``cancel`` is set; ``AnalyzerFailed`` when the child ends without a
result. The child is killed (its whole process group) in every one of these cases.
"""

from __future__ import annotations

import ast
import json
import logging
import multiprocessing
import os
import re
import signal
import tempfile
import threading
import time
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from labwright.protocols.errors import LabwrightError, UnusableInputError
from labwright.simulators.opentrons_interop.capture import LegacyRecord, RunCapture

__all__ = [
    "AnalysisCancelled",
    "AnalysisTimedOut",
    "AnalyzerFailed",
    "LegacyRecord",
    "RunCapture",
    "analyze_opentrons_text",
    "run_opentrons_analysis",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 600.0
_POLL_S = 0.02  # how often a wait with a cancel event looks at it
_CONTEXT: ForkServerContext | None = None
_CONTEXT_LOCK = threading.Lock()


class AnalyzerFailed(UnusableInputError):
    """The analysis process ended without a result (it crashed, or the protocol killed it)."""


class AnalysisTimedOut(AnalyzerFailed):
    """The analysis did not finish within its time limit; the child was killed."""


class AnalysisCancelled(LabwrightError):
    """The analysis was cancelled (its ``cancel`` event was set); the child was killed."""


def run_opentrons_analysis(
    path: Path | str,
    custom_labware: list[dict[str, Any]] | None = None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cancel: threading.Event | None = None,
) -> RunCapture:
    """Analyse the protocol file ``path`` with the Opentrons simulator, in a child process.

    Raises UnusableInputError if it is not a Python protocol at all; a protocol the simulator
    rejects comes back with ``errors``."""
    path = Path(path)
    if not path.is_file():
        raise UnusableInputError(f"{path}: no such file", hint="check the path")
    _precheck(path)
    with tempfile.TemporaryDirectory(prefix="labwright-ot-") as tmp:
        files = [path.resolve(), *_write_labware(Path(tmp), custom_labware or [])]
        return _analyse_in_child(str(path), files, Path(tmp), timeout_s, cancel)


def analyze_opentrons_text(
    text: str,
    *,
    filename: str = "protocol.py",
    custom_labware: list[dict[str, Any]] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cancel: threading.Event | None = None,
) -> RunCapture:
    """``run_opentrons_analysis`` of a protocol held in memory, saved as ``filename``."""
    with tempfile.TemporaryDirectory(prefix="labwright-ot-") as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_text(text, encoding="utf-8")
        return run_opentrons_analysis(path, custom_labware, timeout_s=timeout_s, cancel=cancel)


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


def _start_worker(request: Path, result: Path, log_path: Path) -> BaseProcess:
    """Start the analysis child. The one place for a sandbox or resource limits."""
    from labwright.simulators.opentrons_interop.analysis_worker import child_main

    process = _context().Process(
        target=child_main, args=(str(request), str(result), str(log_path)), name="opentrons-analysis"
    )
    process.daemon = True  # never outlives the caller
    process.start()
    return process


def _analyse_in_child(
    shown: str, files: list[Path], workdir: Path, timeout_s: float, cancel: threading.Event | None
) -> RunCapture:
    """Run the worker on ``files`` (the protocol first, named ``shown`` in messages)."""
    start = time.perf_counter()
    request, result, log_path = workdir / "request.json", workdir / "result.json", workdir / "worker.log"
    request.write_text(json.dumps({"files": [str(f) for f in files], "shown": shown}), encoding="utf-8")
    process = _start_worker(request, result, log_path)
    try:
        _wait(process, start, timeout_s, cancel)
    finally:
        exitcode = _kill(process)
    seconds = time.perf_counter() - start
    if not result.is_file():
        text = log_path.read_text(errors="replace") if log_path.is_file() else ""
        tail = " | ".join(text.strip().splitlines()[-5:])
        raise AnalyzerFailed(
            f"{shown}: the Opentrons analysis ended without a result "
            f"(exit code {exitcode}){': ' + tail if tail else ''}",
            hint="run `python -m opentrons.cli analyze FILE` to see what the protocol does to it",
        )
    return _read_result(result, seconds)


def _wait(process: BaseProcess, start: float, timeout_s: float, cancel: threading.Event | None) -> None:
    """Wait for the child; raise AnalysisTimedOut / AnalysisCancelled (the caller kills it)."""
    while True:
        left = timeout_s - (time.perf_counter() - start)
        if cancel is not None and cancel.is_set():
            raise AnalysisCancelled("the Opentrons analysis was cancelled")
        if left <= 0:
            raise AnalysisTimedOut(
                f"the Opentrons analysis did not finish within {timeout_s:g} s",
                hint="a protocol with very many commands needs a longer timeout; "
                "check that it does not loop forever",
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


def _read_result(result: Path, seconds: float) -> RunCapture:
    doc = json.loads(result.read_text(encoding="utf-8"))
    if "unusable" in doc:
        raise UnusableInputError(doc["unusable"]["message"], hint=doc["unusable"].get("hint", ""))
    capture = RunCapture.model_validate(doc["capture"])
    capture.seconds = seconds
    if capture.stdout:
        log.debug("protocol printed: %s", capture.stdout[:2000])
    return capture


# -------------------------------------------------------------------------- before the child


def _precheck(path: Path) -> None:
    """Reject what cannot be a Python protocol before paying for a child and the opentrons import."""
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
