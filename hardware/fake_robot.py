"""A fake Opentrons robot server for tests and benchmarks: real HTTP on 127.0.0.1, injectable faults.

It serves the subset of the robot server's HTTP API (port 31950 on a robot) that
``opentrons_http`` uses, with the same paths, JSON:API bodies (``{"data": ...}``,
``{"errors": [...]}``), status codes and run states as robot-server (see the sources cited in
``opentrons_http``):

* ``GET /health``
* ``POST /protocols`` (multipart ``files`` + ``key`` + ``runTimeParameterValues``: a Python
  protocol with custom labware JSON files, or a Protocol Designer JSON protocol, told apart as
  robot-server does; identical file names and bytes return the existing protocol with 200, and
  start a new analysis when the parameter values differ from the last one's, as the robot
  does; ``uploads`` keeps every upload's files byte for byte), ``GET /protocols``, ``GET /protocols/{id}``,
  ``GET /protocols/{id}/analyses[/{analysisId}]``: the analysis is the real Opentrons
  analyzer's (``labwright.simulators.opentrons_interop.analyzer``), run in a thread after
  upload (pending -> completed);
* ``POST /runs`` (``protocolId``, ``runTimeParameterValues``; one current run; 409
  ``RunAlreadyActive`` while it is not finished),
  ``GET /runs``, ``GET /runs/{id}``, ``GET /runs/{id}/commands`` (cursor, pageLength,
  ``links.current``), ``POST /runs/{id}/actions`` (play, pause, stop, resume-from-recovery).

A played run executes its analysis' commands one by one (``command_seconds`` each) in a thread;
``executed`` records every command the "robot" carried out: the ground truth for "no step lost,
none sent twice". The ``Opentrons-Version`` header is required (except on ``/health``).

Faults (``Fault``): HTTP 500s (before or after doing the work), slow answers (client timeouts),
dropped connections (before or after doing the work), SIGKILL of the client process at a chosen
request. Command faults (``CommandFault``): a command that fails (the run fails, or waits in
``awaiting-recovery`` as a Flex with error recovery does), a command that never ends (the run
is stuck in ``running``).
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Analyzer = Callable[..., dict[str, Any]]  # (text, filename, *, custom_labware=, parameters=) -> analysis
TERMINAL = {"stopped", "failed", "succeeded"}
RECOVERY = {"awaiting-recovery", "awaiting-recovery-paused"}
ROBOT_TYPES = {"OT-2 Standard": "OT-2", "OT-3 Standard": "Flex"}

_ANALYSIS_CACHE: dict[str, dict[str, Any]] = {}
_ANALYSIS_LOCK = threading.Lock()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _code_only(text: str) -> str:
    """The file without comment and blank lines: they cannot change what a protocol does."""
    kept = (line.rstrip() for line in text.splitlines())
    return "\n".join(line for line in kept if line and not line.lstrip().startswith("#"))


def opentrons_analyzer(
    text: str,
    filename: str,
    *,
    custom_labware: list[dict[str, Any]] | None = None,
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The real Opentrons analyzer; results cached per code (comment-only differences of a Python
    protocol share one), labware and parameter values."""
    from labwright.protocols.errors import LabwrightError
    from labwright.simulators.opentrons_interop.analyzer import analyze_opentrons_text

    code = _code_only(text) if filename.endswith(".py") else text
    extras = json.dumps([filename[-5:], custom_labware or [], parameters or {}], sort_keys=True)
    digest = hashlib.sha256((code + "\0" + extras).encode()).hexdigest()
    with _ANALYSIS_LOCK:
        if digest in _ANALYSIS_CACHE:
            return _ANALYSIS_CACHE[digest]
    try:
        capture = analyze_opentrons_text(
            text.encode("utf-8"), filename=filename, custom_labware=custom_labware, parameters=parameters
        )
    except LabwrightError as exc:  # not a protocol the analyzer can run: the robot's analysis fails
        failed = {"errorType": "AnalyzerFailed", "detail": exc.message}
        return {"result": "not-ok", "robotType": None, "commands": [], "errors": [failed]}
    analysis = capture.robot_analysis()
    doc = {key: analysis[key] for key in ("result", "robotType", "commands", "errors")}
    doc["runTimeParameters"] = capture.parameters
    with _ANALYSIS_LOCK:
        _ANALYSIS_CACHE[digest] = doc
    return doc


@dataclass
class Fault:
    """An HTTP fault for requests matching ``method`` and the ``path`` regex (full match)."""

    kind: str  # "500" | "slow" | "drop" | "kill_client"
    method: str = "*"
    path: str = ".*"
    when: str = "before"  # before | after doing the work (500, drop, kill_client)
    times: int = 1
    skip: int = 0  # let this many matching requests through first
    delay_s: float = 0.0  # slow
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and re.fullmatch(self.path, path) is not None


@dataclass
class CommandFault:
    index: int  # index in the run's command list
    kind: str = "fail"  # fail | stuck
    error_type: str = "PipetteOverpressure"
    error_code: str = "3006"
    detail: str = "Overpressure detected while aspirating"
    recovery: bool = False  # True: the run waits in awaiting-recovery (Flex error recovery)
    times: int = 1


@dataclass
class _Protocol:
    id: str
    key: str | None
    created_at: str
    filename: str
    text: str
    content_hash: str
    robot_type: str
    metadata: dict[str, Any]
    analyses: list[dict[str, Any]] = field(default_factory=list)
    protocol_type: str = "python"
    labware: list[dict[str, Any]] = field(default_factory=list)  # custom labware files, parsed
    parameters: dict[str, Any] = field(default_factory=dict)  # values of the last analysis


@dataclass
class _Run:
    id: str
    protocol_id: str | None
    created_at: str
    status: str = "idle"
    current: bool = True
    actions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    started_at: str | None = None
    completed_at: str | None = None
    stop_requested: bool = False
    thread: threading.Thread | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # runTimeParameterValues of POST /runs


def _error(id_: str, title: str, detail: str) -> dict[str, Any]:
    return {"errors": [{"id": id_, "title": title, "detail": detail}]}


class FakeRobot:
    """Start with ``with FakeRobot() as robot: robot.url``; inspect ``executed``, ``runs``, ``requests``."""

    def __init__(
        self,
        *,
        robot_model: str = "OT-2 Standard",
        command_seconds: float = 0.002,
        analyzer: Analyzer | None = None,
        analysis_delay_s: float = 0.0,
        api_version: int = 4,
    ) -> None:
        self.robot_model = robot_model
        self.command_seconds = command_seconds
        self.analyzer = analyzer or opentrons_analyzer
        self.analysis_delay_s = analysis_delay_s
        self.api_version = api_version
        self.faults: list[Fault] = []
        self.command_faults: list[CommandFault] = []
        self.analysis_error: str | None = None  # inject: every analysis fails with this detail
        self.client_pid: int | None = None
        self.protocols: dict[str, _Protocol] = {}
        self.runs: dict[str, _Run] = {}
        self.executed: list[tuple[str, int, str, str]] = []  # (run id, index, commandType, key)
        self.executed_at: list[float] = []  # time.time() of each executed command
        self.uploads: list[list[tuple[str, bytes]]] = []  # the files of every POST /protocols, as received
        self.requests: list[tuple[str, str, int | str]] = []  # (method, path, status | 'dropped')
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()

    # ---------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        robot = self

        class Handler(_Handler):
            fake = robot

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-robot", daemon=True)
        self._thread.start()
        return self.url

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake robot first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closing.set()
        with self.lock:
            for run in self.runs.values():
                run.stop_requested = True
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeRobot:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------- inspection

    def runs_of_key(self, key: str) -> list[_Run]:
        with self.lock:
            ids = {p.id for p in self.protocols.values() if p.key == key}
            return [r for r in self.runs.values() if r.protocol_id in ids]

    def executed_in(self, run_id: str) -> list[int]:
        with self.lock:
            return [i for rid, i, _, _ in self.executed if rid == run_id]

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if predicate():
                    return True
            time.sleep(0.01)
        return False

    # ------------------------------------------------------------------------------ faults

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.fired < f.times and f.matches(method, path):
                    f.seen += 1
                    if f.seen > f.skip:
                        f.fired += 1
                        return f
        return None

    def _command_fault(self, index: int) -> CommandFault | None:
        for cf in self.command_faults:
            if cf.index == index and cf.times > 0:
                cf.times -= 1
                return cf
        return None

    def kill_client(self) -> None:
        if self.client_pid:
            try:
                os.kill(self.client_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # --------------------------------------------------------------------------- protocols

    def upload(
        self, files: list[tuple[str, bytes]], key: str | None, parameters: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.uploads.append(list(files))
        if not files:
            return 422, _error("ProtocolFilesInvalid", "Protocol File(s) Invalid", "no files were uploaded")
        content_hash = hashlib.sha256(
            b"".join(name.encode() + b"\0" + data for name, data in files)
        ).hexdigest()
        parameters = dict(parameters or {})
        with self.lock:
            for p in self.protocols.values():
                if p.content_hash == content_hash:
                    if parameters != p.parameters:  # the robot re-analyses with the new values
                        p.parameters = parameters
                        self._start_analysis(p)
                    return 200, {"data": self.protocol_json(p)}
        try:
            main, labware = _identify(files)
        except ValueError as exc:
            return 422, _error("ProtocolFilesInvalid", "Protocol File(s) Invalid", str(exc))
        name, text = main
        robot_type, metadata, kind = _describe(name, text)
        if robot_type != ROBOT_TYPES.get(self.robot_model, "OT-2"):
            return 422, _error(
                "ProtocolRobotTypeMismatch",
                "Protocol For Different Robot Type",
                f"This protocol is for {robot_type} robots. It can't be analyzed or run on this robot, "
                f"which is an {ROBOT_TYPES.get(self.robot_model)}.",
            )
        protocol = _Protocol(
            id=str(uuid.uuid4()),
            key=key,
            created_at=_now(),
            filename=name,
            text=text,
            content_hash=content_hash,
            robot_type=robot_type,
            metadata=metadata,
            protocol_type=kind,
            labware=labware,
            parameters=parameters,
        )
        with self.lock:
            self.protocols[protocol.id] = protocol
            self._start_analysis(protocol)
        return 201, {"data": self.protocol_json(protocol)}

    def _start_analysis(self, protocol: _Protocol) -> None:
        """A pending analysis of ``protocol`` with its current parameter values (lock held)."""
        analysis_id = str(uuid.uuid4())
        protocol.analyses.append({"id": analysis_id, "status": "pending"})
        threading.Thread(target=self._analyze, args=(protocol, analysis_id), daemon=True).start()

    def _analyze(self, protocol: _Protocol, analysis_id: str) -> None:
        if self.analysis_delay_s:
            time.sleep(self.analysis_delay_s)
        extras: dict[str, Any] = {}
        if protocol.labware:
            extras["custom_labware"] = protocol.labware
        if protocol.parameters:
            extras["parameters"] = protocol.parameters
        try:
            doc = self.analyzer(protocol.text, protocol.filename, **extras)
        except Exception as exc:  # noqa: BLE001 - an analyzer crash is an analysis error
            doc = {
                "result": "not-ok",
                "commands": [],
                "errors": [{"id": str(uuid.uuid4()), "errorType": "AnalysisFailed", "detail": str(exc)}],
            }
        errors = list(doc.get("errors") or [])
        if self.analysis_error:
            errors.append(
                {
                    "id": str(uuid.uuid4()),
                    "createdAt": _now(),
                    "errorType": "ExceptionInProtocolError",
                    "errorCode": "4000",
                    "detail": self.analysis_error,
                    "errorInfo": {},
                    "wrappedErrors": [],
                }
            )
        completed = {
            "id": analysis_id,
            "status": "completed",
            "result": "not-ok" if errors else doc.get("result", "ok"),
            "robotType": doc.get("robotType"),
            "commands": doc.get("commands") or [],
            "errors": errors,
            "labware": [],
            "pipettes": [],
            "modules": [],
            "liquids": [],
            "runTimeParameters": doc.get("runTimeParameters") or [],
        }
        with self.lock:
            for i, a in enumerate(protocol.analyses):
                if a["id"] == analysis_id:
                    protocol.analyses[i] = completed

    def protocol_json(self, p: _Protocol) -> dict[str, Any]:
        return {
            "id": p.id,
            "createdAt": p.created_at,
            "protocolType": p.protocol_type,
            "protocolKind": "standard",
            "robotType": p.robot_type,
            "metadata": p.metadata,
            "key": p.key,
            "files": [{"name": p.filename, "role": "main"}],
            "analysisSummaries": [{"id": a["id"], "status": a["status"]} for a in p.analyses],
        }

    # -------------------------------------------------------------------------------- runs

    def create_run(
        self, protocol_id: str | None, parameters: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if protocol_id is not None and protocol_id not in self.protocols:
                return 404, _error(
                    "ProtocolNotFound", "Protocol Not Found", f"Protocol {protocol_id} was not found."
                )
            for r in self.runs.values():
                if r.current and r.status not in TERMINAL:
                    return 409, _error(
                        "RunAlreadyActive",
                        "Run Already Active",
                        f"Run {r.id} is currently active ({r.status}).",
                    )
            for r in self.runs.values():
                r.current = False
            run = _Run(
                id=str(uuid.uuid4()),
                protocol_id=protocol_id,
                created_at=_now(),
                parameters=dict(parameters or {}),
            )
            self.runs[run.id] = run
            return 201, {"data": self.run_json(run)}

    def run_json(self, r: _Run) -> dict[str, Any]:
        return {
            "id": r.id,
            "ok": True,
            "createdAt": r.created_at,
            "status": r.status,
            "current": r.current,
            "actions": list(r.actions),
            "errors": list(r.errors),
            "fullErrorList": list(r.errors),
            "pipettes": [],
            "modules": [],
            "labware": [],
            "liquids": [],
            "labwareOffsets": [],
            "runTimeParameters": [{"variableName": k, "value": v} for k, v in r.parameters.items()],
            "protocolId": r.protocol_id,
            "startedAt": r.started_at,
            "completedAt": r.completed_at,
            "hasEverEnteredErrorRecovery": any(
                a["actionType"].startswith("resume-from-recovery") for a in r.actions
            )
            or r.status in RECOVERY,
        }

    def action(self, run_id: str, action_type: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            run = self.runs.get(run_id)
            if run is None:
                return 404, _error("RunNotFound", "Run Not Found", f"Run {run_id} was not found.")
            if not run.current:
                return 409, _error("RunStopped", "Run Stopped", f"Run {run_id} is not the current run")
            not_allowed = _error(
                "RunActionNotAllowed",
                "Run Action Not Allowed",
                f"Cannot {action_type} a run that is {run.status}.",
            )
            if action_type == "play":
                if run.status in TERMINAL or run.status in RECOVERY or run.status == "stop-requested":
                    return 409, not_allowed
                if run.status == "idle":
                    run.status = "running"
                    run.started_at = _now()
                    run.thread = threading.Thread(target=self._execute, args=(run,), daemon=True)
                    run.thread.start()
                elif run.status == "paused":
                    run.status = "running"
            elif action_type == "pause":
                if run.status in TERMINAL or run.status in {"idle", "stop-requested"}:
                    return 409, not_allowed
                if run.status == "running":
                    run.status = "paused"
                elif run.status == "awaiting-recovery":
                    run.status = "awaiting-recovery-paused"
            elif action_type == "stop":
                if run.status in TERMINAL:
                    return 409, _error("RunStopped", "Run Stopped", f"Run {run_id} has already {run.status}.")
                run.stop_requested = True
                if run.status == "idle":
                    run.status = "stopped"
                    run.completed_at = _now()
                else:
                    run.status = "stop-requested"
            elif action_type in {"resume-from-recovery", "resume-from-recovery-assuming-false-positive"}:
                if run.status not in RECOVERY:
                    return 409, not_allowed
                run.status = "running"
            else:
                return 422, _error("InvalidRequest", "Invalid Request", f"unknown actionType {action_type!r}")
            act = {"id": str(uuid.uuid4()), "createdAt": _now(), "actionType": action_type}
            run.actions.append(act)
            return 201, {"data": act}

    def _execute(self, run: _Run) -> None:
        # the robot runs the protocol file itself; the fake replays its analysis, so it waits for it
        protocol = self.protocols.get(run.protocol_id or "")
        while protocol is not None and protocol.analyses[-1].get("status") != "completed":
            if self._closing.is_set():
                return
            time.sleep(0.01)
        analysis = protocol.analyses[-1] if protocol else {}
        script = list(analysis.get("commands") or [])
        for i, src in enumerate(script):
            self._wait_while_held(run)
            with self.lock:
                if run.stop_requested or self._closing.is_set():
                    self._end(run, "stopped")
                    return
                cmd = self._start_command(run, i, src)
                fault = self._command_fault(i)
            if fault is not None and fault.kind == "stuck":
                self._hang(run, cmd)
                return
            time.sleep(self.command_seconds)
            if not self._complete_command(run, i, cmd, fault):
                return
        with self.lock:
            if run.stop_requested:
                self._end(run, "stopped")
                return
            run.status = "finishing"
        time.sleep(self.command_seconds)
        with self.lock:
            self._end(run, "stopped" if run.stop_requested else "succeeded")

    def _wait_while_held(self, run: _Run) -> None:
        """Wait while the run is paused or awaits recovery (and no stop was requested)."""
        while True:
            with self.lock:
                held = run.status in {"paused", *RECOVERY} and not run.stop_requested
            if not held or self._closing.is_set():
                return
            time.sleep(0.005)

    def _start_command(self, run: _Run, i: int, src: dict[str, Any]) -> dict[str, Any]:
        """Command ``i`` of the analysis, running (call with the lock held)."""
        cmd = {
            "id": str(uuid.uuid4()),
            "key": src.get("key") or str(i),
            "commandType": src.get("commandType"),
            "createdAt": _now(),
            "startedAt": _now(),
            "completedAt": None,
            "status": "running",
            "params": src.get("params") or {},
            "intent": "protocol",
            "error": None,
        }
        run.commands.append(cmd)
        return cmd

    def _hang(self, run: _Run, cmd: dict[str, Any]) -> None:
        """A command that never ends: it fails only when the run is stopped."""
        while not run.stop_requested and not self._closing.is_set():
            time.sleep(0.005)
        with self.lock:
            cmd["status"] = "failed"
            cmd["error"] = {
                "id": str(uuid.uuid4()),
                "createdAt": _now(),
                "errorType": "RunStoppedError",
                "errorCode": "4000",
                "detail": "The run was stopped.",
                "errorInfo": {},
                "wrappedErrors": [],
            }
            self._end(run, "stopped")

    def _complete_command(self, run: _Run, i: int, cmd: dict[str, Any], fault: CommandFault | None) -> bool:
        """Finish command ``i`` (succeeded, or failed by ``fault``); False when the run ends here."""
        with self.lock:
            cmd["completedAt"] = _now()
            if fault is None:
                cmd["status"] = "succeeded"
                self.executed.append((run.id, i, str(cmd["commandType"]), str(cmd["key"])))
                self.executed_at.append(time.time())
                return True
            occurrence = {
                "id": str(uuid.uuid4()),
                "createdAt": _now(),
                "isDefined": True,
                "errorType": fault.error_type,
                "errorCode": fault.error_code,
                "detail": fault.detail,
                "errorInfo": {},
                "wrappedErrors": [],
            }
            cmd["status"] = "failed"
            cmd["error"] = occurrence
            if not fault.recovery:
                run.errors = [occurrence]
                self._end(run, "failed")
                return False
            run.status = "awaiting-recovery"
            return True

    def _end(self, run: _Run, status: str) -> None:
        run.status = status
        run.completed_at = _now()

    def commands_page(self, run: _Run, cursor: int | None, length: int) -> dict[str, Any]:
        with self.lock:
            total = len(run.commands)
            running = next((i for i, c in enumerate(run.commands) if c["status"] == "running"), None)
            current = running if running is not None else (total - 1 if total else None)
            if cursor is None:
                cursor = max(0, (current or 0) - length + 1)
            cursor = max(0, min(cursor, total))
            data = [dict(c) for c in run.commands[cursor : cursor + length]]
            links: dict[str, Any] = {}
            if current is not None:
                c = run.commands[current]
                links["current"] = {
                    "href": f"/runs/{run.id}/commands/{c['id']}",
                    "meta": {
                        "runId": run.id,
                        "commandId": c["id"],
                        "index": current,
                        "key": c["key"],
                        "createdAt": c["createdAt"],
                    },
                }
            return {"data": data, "meta": {"cursor": cursor, "totalLength": total}, "links": links}


def _identify(files: list[tuple[str, bytes]]) -> tuple[tuple[str, str], list[dict[str, Any]]]:
    """(protocol file name and text, custom labware definitions) of an upload, told apart as
    robot-server's file identifier does: ``.py`` is Python; a ``.json`` with ``ordering`` and
    ``wells`` is labware, one with ``schemaVersion`` and ``commands`` a JSON protocol."""
    mains: list[tuple[str, str]] = []
    labware: list[dict[str, Any]] = []
    for name, data in files:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{name} is not UTF-8") from None
        if name.endswith(".py"):
            mains.append((name, text))
        elif name.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"{name} is not valid JSON. {exc}") from None
            if isinstance(doc, dict) and "ordering" in doc and "wells" in doc:
                labware.append(doc)
            elif isinstance(doc, dict) and "schemaVersion" in doc and "commands" in doc:
                mains.append((name, text))
            else:
                raise ValueError(f"{name} is not a known Opentrons format.")
        else:
            raise ValueError(f"{name} has an unrecognized file extension.")
    if len(mains) != 1:
        raise ValueError(f"expected exactly one protocol file, got {len(mains)}")
    return mains[0], labware


def _describe(name: str, text: str) -> tuple[str, dict[str, Any], str]:
    """(robot type "OT-2"/"Flex", metadata, protocol type) of a protocol file."""
    if name.endswith(".json"):
        doc = json.loads(text)
        model = str((doc.get("robot") or {}).get("model") or "OT-2 Standard")
        return ROBOT_TYPES.get(model, model), dict(doc.get("metadata") or {}), "json"
    m = re.search(r"[\"']robotType[\"']\s*:\s*[\"']([^\"']+)[\"']", text)
    pm = re.search(r"[\"']protocolName[\"']\s*:\s*[\"']([^\"']*)[\"']", text)
    return (m.group(1) if m else "OT-2"), ({"protocolName": pm.group(1)} if pm else {}), "python"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients killed mid-request (the crash tests) reset connections: not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeRobot
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr logging
        return

    # ------------------------------------------------------------------------------ plumbing

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Opentrons-Version", str(self.fake.api_version))
        self.send_header("Opentrons-Min-Version", "2")
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path.rstrip("/") or "/", parse_qs(split.query)
        body = self._body() if method == "POST" else b""
        fake = self.fake
        fault = fake.take_fault(method, path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            fault = None
        if fault is not None and fault.when == "before":
            if fault.kind == "kill_client":
                fake.kill_client()
                self._record(method, path, "dropped")
                return self._drop()
            if fault.kind == "drop":
                self._record(method, path, "dropped")
                return self._drop()
            if fault.kind == "500":
                self._record(method, path, 500)
                return self._send(
                    500, _error("UnexpectedError", "Unexpected Internal Error", "injected fault")
                )
        status, payload = self._route(method, path, query, body)
        if fault is not None:  # after doing the work
            if fault.kind == "kill_client":
                fake.kill_client()
                self._record(method, path, "dropped")
                return self._drop()
            if fault.kind == "drop":
                self._record(method, path, "dropped")
                return self._drop()
            if fault.kind == "500":
                status, payload = (
                    500,
                    _error("UnexpectedError", "Unexpected Internal Error", "injected fault"),
                )
        self._record(method, path, status)
        self._send(status, payload)

    def _record(self, method: str, path: str, status: int | str) -> None:
        with self.fake.lock:
            self.fake.requests.append((method, path, status))

    # -------------------------------------------------------------------------------- routes

    def _route(  # noqa: C901 - one router
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        if path == "/health" and method == "GET":
            return 200, {
                "name": "fake-robot",
                "robot_model": fake.robot_model,
                "api_version": "9.0.0",
                "fw_version": "fake",
                "system_version": "fake",
                "robot_serial": "FAKE0001",
                "links": {"apiLog": "/logs/api.log"},
            }
        version = self.headers.get("Opentrons-Version")
        if version is None:
            return 422, {
                "errors": [
                    {
                        "id": "InvalidRequest",
                        "title": "Invalid Request",
                        "detail": "field required",
                        "source": {"header": "Opentrons-Version"},
                    }
                ]
            }
        if version != "*" and (not version.isdigit() or int(version) < 2):
            return 400, _error(
                "OutdatedAPIVersion",
                "Requested HTTP API version no longer supported",
                f"The requested API version '{version}' is not supported.",
            )
        parts = path.strip("/").split("/")
        with fake.lock:
            if parts[0] == "protocols":
                return self._protocols(method, parts, body)
            if parts[0] == "runs":
                return self._runs(method, parts, query, body)
        return 404, _error("ResourceNotFound", "Resource Not Found", f"{method} {path} is not a route")

    def _protocols(self, method: str, parts: list[str], body: bytes) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        if len(parts) == 1 and method == "POST":
            files, fields = self._multipart(body)
            try:
                values = (
                    json.loads(fields["runTimeParameterValues"]) if "runTimeParameterValues" in fields else {}
                )
            except ValueError:
                return 422, _error("InvalidRequest", "Invalid Request", "runTimeParameterValues is not JSON")
            return fake.upload(files, fields.get("key"), values)
        if len(parts) == 1 and method == "GET":
            data = [fake.protocol_json(p) for p in fake.protocols.values()]
            return 200, {"data": data, "meta": {"cursor": 0, "totalLength": len(data)}}
        protocol = fake.protocols.get(parts[1])
        if protocol is None:
            return 404, _error(
                "ProtocolNotFound", "Protocol Not Found", f"Protocol {parts[1]} was not found."
            )
        if len(parts) == 2 and method == "GET":
            return 200, {
                "data": fake.protocol_json(protocol),
                "links": {
                    "referencingRuns": [
                        {"id": r.id, "href": f"/runs/{r.id}"}
                        for r in fake.runs.values()
                        if r.protocol_id == protocol.id
                    ]
                },
            }
        if len(parts) == 3 and parts[2] == "analyses" and method == "GET":
            data = [dict(a) for a in protocol.analyses]
            return 200, {"data": data, "meta": {"cursor": 0, "totalLength": len(data)}}
        if len(parts) == 4 and parts[2] == "analyses" and method == "GET":
            for a in protocol.analyses:
                if a["id"] == parts[3]:
                    return 200, {"data": dict(a)}
            return 404, _error(
                "AnalysisNotFound", "Protocol Analysis Not Found", f"Analysis {parts[3]} not found"
            )
        return 404, _error("ResourceNotFound", "Resource Not Found", "/".join(parts))

    def _runs(
        self, method: str, parts: list[str], query: dict[str, list[str]], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        if len(parts) == 1 and method == "POST":
            try:
                data = (json.loads(body) if body else {}).get("data") or {}
            except (ValueError, AttributeError):
                return 422, _error("InvalidRequest", "Invalid Request", "body is not JSON")
            return fake.create_run(data.get("protocolId"), data.get("runTimeParameterValues"))
        if len(parts) == 1 and method == "GET":
            runs = sorted(fake.runs.values(), key=lambda r: r.created_at)
            current = next((r for r in runs if r.current), None)
            links = {"current": {"href": f"/runs/{current.id}"}} if current else {}
            return 200, {
                "data": [fake.run_json(r) for r in runs],
                "links": links,
                "meta": {"cursor": 0, "totalLength": len(runs)},
            }
        run = fake.runs.get(parts[1])
        if run is None:
            return 404, _error("RunNotFound", "Run Not Found", f"Run {parts[1]} was not found.")
        if len(parts) == 2 and method == "GET":
            return 200, {"data": fake.run_json(run)}
        if len(parts) == 3 and parts[2] == "commands" and method == "GET":
            cursor = int(query["cursor"][0]) if "cursor" in query else None
            length = int(query.get("pageLength", ["20"])[0])
            return 200, fake.commands_page(run, cursor, length)
        if len(parts) == 3 and parts[2] == "actions" and method == "POST":
            try:
                data = json.loads(body).get("data") or {}
            except (ValueError, AttributeError):
                return 422, _error("InvalidRequest", "Invalid Request", "body is not JSON")
            return fake.action(run.id, str(data.get("actionType")))
        return 404, _error("ResourceNotFound", "Resource Not Found", "/".join(parts))

    def _multipart(self, body: bytes) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
        ctype = self.headers.get("Content-Type", "")
        msg = email.parser.BytesParser().parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        files: list[tuple[str, bytes]] = []
        fields: dict[str, str] = {}
        if not msg.is_multipart():
            return files, fields
        for part in msg.get_payload():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None and name == "files":
                files.append((filename, payload))
            elif name:
                fields[str(name)] = payload.decode("utf-8", "replace")
        return files, fields
