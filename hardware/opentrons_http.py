"""The `opentrons-http` backend: runs certified protocols on an Opentrons robot over its HTTP API.

The robot server listens on port 31950. Shapes used here were read from the robot server's
source (github.com/Opentrons/opentrons, ``robot-server/robot_server/``) and the Opentrons
integration tools' HTTP API notes (github.com/Opentrons/opentrons-integration-tools,
``http-api/README.md``):

* ``versioning.py``: every request carries ``Opentrons-Version`` (an integer, or ``*`` for the
  newest version the robot speaks).
* ``protocols/router.py``: ``POST /protocols`` takes multipart ``files`` and an optional ``key``
  ("an arbitrary client-defined string ... no longer than ~100 characters"); uploading the same
  file bytes again returns the existing protocol resource (200, not 201), so an upload is safe
  to repeat. ``GET /protocols`` lists protocols with their ``key`` and ``analysisSummaries``;
  ``GET /protocols/{id}/analyses`` returns the analyses, oldest first.
* ``protocols/analysis_models.py``: an analysis is ``pending`` or ``completed``; a completed one
  has ``result`` (``ok`` / ``not-ok``), ``commands`` and ``errors`` (``ErrorOccurrence``:
  ``errorType``, ``errorCode``, ``detail``, ``wrappedErrors``).
* ``runs/router/base_router.py`` and ``runs/run_models.py``: ``POST /runs`` with
  ``{"data": {"protocolId": ...}}`` (409 ``RunAlreadyActive`` while another run is current and
  unfinished); ``GET /runs`` lists runs (``protocolId``, ``current``, ``status``; ``links.current``);
  ``GET /runs/{id}`` has ``status``, ``actions`` (client actions, oldest first), ``errors``,
  ``startedAt``, ``completedAt``. Run statuses are the protocol engine's ``EngineStatus``
  (opentrons 9.0.0: idle, running, paused, blocked-by-open-door, stop-requested, finishing,
  awaiting-recovery, awaiting-recovery-paused, awaiting-recovery-blocked-by-open-door, stopped,
  failed, succeeded). Runs carry no client key: a run is ours when its ``protocolId`` is the
  protocol we uploaded under our key.
* ``runs/action_models.py`` and ``runs/run_controller.py``: ``POST /runs/{id}/actions`` with
  ``{"data": {"actionType": "play" | "pause" | "stop" | "resume-from-recovery"}}``; ``play`` on
  a run already started resumes it (it never restarts the protocol).
* ``runs/router/commands_router.py``: ``GET /runs/{id}/commands?cursor=&pageLength=`` returns
  command summaries (``key``, ``commandType``, ``status``, ``params``, ``error``) with
  ``meta.totalLength`` and ``links.current.meta`` (``index``, ``key``) for the current command.
  A run's commands share their ``key`` with the analysis' commands; that maps a running
  command to its protocol step.
* ``errors/error_responses.py``: errors are ``{"errors": [{"id", "title", "detail"}]}``.

What is uploaded: a labwright protocol as its Opentrons export plus a comment trailer naming
the dispatch (``render``); a protocol converted from an Opentrons file (``Job.source``) as that
file, its bytes unchanged, with the certified custom labware definitions as files beside it and
the certified runtime parameter values as ``runTimeParameterValues`` (of the upload, so that the
robot's analysis uses them, and of the run). The robot keeps one protocol resource per set of
file names and contents (robot-server's ``FileHasher``): the file is uploaded under its name
with the run id added (``my_protocol.run-....py``), its bytes untouched, so that each dispatch
has a protocol resource of its own and a new key never adopts an earlier dispatch's run.

Safety of retries: GETs are retried (``robot_client``). Nothing that moves the robot is sent
twice blindly: before creating a run the backend lists the robot's runs for its protocol and
adopts one; before ``play`` it reads the run back and sends ``play`` only while the run is
``idle`` with no ``play`` action recorded. After an answer that went missing (timeout,
dropped connection, 5xx) it reads the robot's state back before deciding to send again.
On a failed command the run's error names the command, its protocol step and the robot's
message; the dispatcher then pauses the run (``Backend.wait``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labwright.hardware.backend import Backend, EventCallback, ProgressCallback
from labwright.hardware.errors import (
    BackendError,
    BackendUnavailableError,
    RobotBusyError,
    RobotHttpError,
    UnknownRunError,
)
from labwright.hardware.models import BackendCapabilities, Job, RunError, RunResults, RunState, RunStatus
from labwright.hardware.opentrons_commands import command_records, run_log
from labwright.hardware.robot_client import (
    AmbiguousRequestError,
    RequestNotSentError,
    RetryPolicy,
    RobotClient,
)
from labwright.hardware.step_map import map_commands_to_steps, protocol_actions, step_of_error_text
from labwright.protocols.errors import DispatchRefusedError
from labwright.protocols.models import Protocol
from labwright.simulators.opentrons_interop.rejections import describe_error

ROBOT_MODELS = {"ot2": "OT-2 Standard", "flex": "OT-3 Standard"}
TERMINAL_ROBOT = {"stopped", "failed", "succeeded"}
STATE_OF: dict[str, RunState] = {
    "idle": RunState.SUBMITTED,
    "running": RunState.RUNNING,
    "finishing": RunState.RUNNING,
    "paused": RunState.PAUSED,
    "blocked-by-open-door": RunState.PAUSED,
    "stop-requested": RunState.STOPPING,
    "stopped": RunState.STOPPED,
    "failed": RunState.FAILED,
    "succeeded": RunState.SUCCEEDED,
    "awaiting-recovery": RunState.RUNNING,  # with an error: the dispatcher pauses it
    "awaiting-recovery-paused": RunState.PAUSED,
    "awaiting-recovery-blocked-by-open-door": RunState.PAUSED,
}
FAILURE_STATUSES = {
    "failed",
    "awaiting-recovery",
    "awaiting-recovery-paused",
    "awaiting-recovery-blocked-by-open-door",
}

Exporter = Callable[[Protocol], str]


def _default_exporter(protocol: Protocol) -> str:
    from labwright.simulators.opentrons_interop.export import export_opentrons

    return export_opentrons(protocol)


def _parameter_form(job: Job) -> dict[str, str]:
    """The upload's ``runTimeParameterValues`` form field (a JSON object, as robot-server reads
    it), so that the robot analyses the file with the certified values."""
    if job.source is None or not job.source.runtime_parameters:
        return {}
    return {"runTimeParameterValues": json.dumps(job.source.runtime_parameters, sort_keys=True)}


def started(run: dict[str, Any]) -> bool:
    """The robot has started this run (or it is past starting): never ``play`` it again."""
    return run.get("status") != "idle" or any(a.get("actionType") == "play" for a in run.get("actions") or [])


@dataclasses.dataclass
class _Tracked:
    job: Job
    protocol_id: str | None = None
    robot_run_id: str | None = None
    commands: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # the analysis'
    steps: list[int | None] = dataclasses.field(default_factory=list)
    index_of_key: dict[str, int] = dataclasses.field(default_factory=dict)
    wait_s: float = 0.0
    error: RunError | None = None
    sent_sha256: str = ""
    text: str = ""  # the uploaded protocol file, as text (for error lines)


class OpentronsHttpBackend(Backend):
    name = "opentrons-http"
    capabilities = BackendCapabilities(pause=True, resume=True, stop=True, measurements=False, durable=True)

    def __init__(
        self,
        host: str,
        *,
        port: int | None = None,
        api_version: str = "*",
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        retry: RetryPolicy | None = None,
        analysis_timeout_s: float = 600.0,
        post_attempts: int = 4,
        poll_s: float = 0.5,
        exporter: Exporter | None = None,
    ) -> None:
        self.client = RobotClient(
            host,
            port=port,
            api_version=api_version,
            timeout_s=timeout_s,
            connect_timeout_s=connect_timeout_s,
            retry=retry,
        )
        self.analysis_timeout_s = analysis_timeout_s
        self.post_attempts = post_attempts
        self.poll_s = poll_s
        self.exporter = exporter or _default_exporter
        self._tracked: dict[str, _Tracked] = {}

    @property
    def target(self) -> str:
        return self.client.url

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------------------- submit

    def render(self, job: Job) -> str:
        """The exact file uploaded for a labwright protocol: the export plus a trailer naming the
        dispatch and certificate (an Opentrons file is uploaded as it is: ``upload_files``)."""
        text = self.exporter(job.protocol).rstrip("\n")
        cert = job.certificate
        return (
            f"{text}\n\n\n# --- labwright dispatch ---\n"
            f"# run: {job.run_id}\n# idempotency key: {job.idempotency_key}\n"
            f"# protocol sha256: {job.protocol_sha256}\n"
            f"# certificate: {cert.signature[:32]} (key {cert.key_id}, issued {cert.issued_at}, "
            f"{cert.verifier_version})\n"
        )

    def upload_files(self, job: Job) -> list[tuple[str, bytes, str]]:
        """The files uploaded for ``job`` (name, exact bytes, media type), the protocol first: an
        Opentrons file unchanged (under its name with the run id added) with its custom labware
        definitions, else the rendered export of the labwright protocol."""
        source = job.source
        if source is None:
            return [(f"labwright-{job.run_id}.py", self.render(job).encode("utf-8"), "text/x-python")]
        stem, suffix = Path(source.filename).stem, source.suffix
        media = "application/json" if suffix == ".json" else "text/x-python"
        files = [(f"{stem}.{job.run_id}{suffix}", source.data, media)]
        for i, definition in enumerate(source.custom_labware):
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(definition["parameters"]["loadName"]))[:80]
            data = json.dumps(definition, sort_keys=True).encode("utf-8")
            files.append((f"labware-{i:02d}-{name}.json", data, "application/json"))
        return files

    def submit(
        self, job: Job, on_progress: ProgressCallback | None = None, on_event: EventCallback | None = None
    ) -> RunStatus:
        emit = on_event or (lambda kind, data: None)
        t = self._tracked.setdefault(job.run_id, _Tracked(job=job))
        self._check_robot(job)
        files = self.upload_files(job)
        t.text = files[0][1].decode("utf-8", errors="replace")
        t.sent_sha256 = hashlib.sha256(files[0][1]).hexdigest()
        emit("prepared", {"sent_sha256": t.sent_sha256, "bytes": len(files[0][1])})
        ids = self._protocol_ids(job)
        if ids:
            t.protocol_id = ids[-1]
        else:
            t.protocol_id = self._upload(job, files)
            ids = [t.protocol_id]
        emit("protocol-uploaded", {"robot_protocol_id": t.protocol_id})
        self._load_analysis(t, wait=True)
        emit("analysis-ok", {"robot_protocol_id": t.protocol_id, "commands": len(t.commands)})
        run = self._adopt(ids) or self._create_run(t, ids)
        t.robot_run_id = run["id"]
        emit("run-created", {"robot_run_id": t.robot_run_id})
        self._ensure_played(t, emit)
        return self.status(job.run_id)

    def _check_robot(self, job: Job) -> None:
        health = self.client.get("/health")
        model = str(health.get("robot_model") or "")
        want = ROBOT_MODELS.get(job.protocol.metadata.robot.value)
        if model in ROBOT_MODELS.values() and want and model != want:
            raise DispatchRefusedError(
                f"the protocol is for an {job.protocol.metadata.robot.value} but the robot at "
                f"{self.client.url} is an {model}",
                hint="send it to a robot of the protocol's kind (metadata.robot)",
            )

    def _protocol_ids(self, job: Job) -> list[str]:
        """Protocols already on the robot for this dispatch (by recorded id, then by key)."""
        ids: list[str] = []
        known = job.handles.get("robot_protocol_id")
        if known:
            try:
                self.client.get(f"/protocols/{known}")
                ids.append(known)
            except RobotHttpError as exc:
                if exc.status_code != 404:
                    raise
        for p in self.client.get("/protocols").get("data") or []:
            if p.get("key") == job.idempotency_key and p.get("id") not in ids:
                ids.append(str(p["id"]))
        return ids

    def _upload(self, job: Job, files: list[tuple[str, bytes, str]]) -> str:
        form = {"key": job.idempotency_key, **_parameter_form(job)}
        last = ""
        for attempt in range(self.post_attempts):
            try:
                _, body = self.client.post("/protocols", files=[("files", f) for f in files], data=form)
                return str(body["data"]["id"])
            except RequestNotSentError as exc:
                last = exc.message
            except AmbiguousRequestError as exc:
                # the robot keeps one resource per file content: look before uploading again
                last = exc.message
                ids = self._protocol_ids(job)
                if ids:
                    return ids[-1]
            except RobotHttpError as exc:
                if exc.status_code == 422:
                    raise DispatchRefusedError(
                        f"the robot refused the protocol file: {exc.message}",
                        hint="check the robot type and the Opentrons export of the protocol",
                    ) from exc
                raise
            time.sleep(self.client.retry.delay(attempt))
        raise BackendUnavailableError(
            f"could not upload the protocol to {self.client.url} ({last})",
            hint="check the robot, then run again with the same --key",
        )

    def _load_analysis(self, t: _Tracked, *, wait: bool) -> bool:
        """Fetch the robot's analysis of our protocol; refuse a protocol the robot finds errors in."""
        deadline = time.monotonic() + self.analysis_timeout_s
        while True:
            analyses = self.client.get(f"/protocols/{t.protocol_id}/analyses").get("data") or []
            last = analyses[-1] if analyses else None
            if last is not None and last.get("status") == "completed":
                break
            if not wait:
                return False
            if time.monotonic() > deadline:
                raise BackendError(
                    f"the robot did not finish analysing protocol {t.protocol_id} "
                    f"in {self.analysis_timeout_s:.0f} s",
                    hint="run again with the same --key to keep waiting",
                )
            time.sleep(self.poll_s)
        errors = last.get("errors") or []
        if last.get("result") != "ok" or errors:
            messages = "; ".join(describe_error(e) for e in errors) or f"result {last.get('result')}"
            raise DispatchRefusedError(
                f"the robot's analysis of the protocol failed: {messages}",
                hint="the robot will not run it; check the Opentrons export (labwright export) and the robot",
            )
        t.commands = list(last.get("commands") or [])
        t.steps = map_commands_to_steps(
            [str(c.get("commandType")) for c in t.commands], protocol_actions(t.job.protocol)
        )
        t.index_of_key = {str(c.get("key")): i for i, c in enumerate(t.commands) if c.get("key")}
        return True

    def _adopt(self, protocol_ids: list[str]) -> dict[str, Any] | None:
        """Our run on the robot: the one already started, else the current one; None: create one."""
        body = self.client.get("/runs")
        ours = sorted(
            (r for r in body.get("data") or [] if r.get("protocolId") in protocol_ids),
            key=lambda r: str(r.get("createdAt")),
        )
        details = [self.client.get(f"/runs/{r['id']}")["data"] for r in ours]
        for d in details:
            if started(d):
                return d
        for d in details:
            if d.get("current"):
                return d
        return None

    def _create_run(self, t: _Tracked, protocol_ids: list[str]) -> dict[str, Any]:
        self._check_not_busy(protocol_ids)
        last = ""
        for attempt in range(self.post_attempts):
            try:
                data: dict[str, Any] = {"protocolId": t.protocol_id}
                if t.job.source is not None and t.job.source.runtime_parameters:
                    data["runTimeParameterValues"] = dict(t.job.source.runtime_parameters)
                _, body = self.client.post("/runs", json={"data": data})
                return dict(body["data"])
            except RequestNotSentError as exc:
                last = exc.message
            except AmbiguousRequestError as exc:
                last = exc.message
                found = self._adopt(protocol_ids)
                if found is not None:
                    return found
            except RobotHttpError as exc:
                if exc.status_code != 409:
                    raise
                found = self._adopt(protocol_ids)
                if found is not None:
                    return found
                raise RobotBusyError(
                    f"the robot refused a new run: {exc.message}",
                    hint="wait for the robot's current run to end, then run again with the same --key",
                ) from exc
            time.sleep(self.client.retry.delay(attempt))
        raise BackendUnavailableError(
            f"could not create a run on {self.client.url} ({last})",
            hint="check the robot, then run again with the same --key",
        )

    def _check_not_busy(self, protocol_ids: list[str]) -> None:
        body = self.client.get("/runs")
        current = next((r for r in body.get("data") or [] if r.get("current")), None)
        if current is None or current.get("protocolId") in protocol_ids:
            return
        detail = self.client.get(f"/runs/{current['id']}")["data"]
        if detail.get("status") not in TERMINAL_ROBOT:
            raise RobotBusyError(
                f"the robot is busy: run {current['id']} is {detail.get('status')}",
                hint="wait for it to end (or stop it in the Opentrons App); run again with the same --key",
            )

    def _ensure_played(self, t: _Tracked, emit: EventCallback) -> None:
        rid = t.robot_run_id
        last = ""
        for attempt in range(self.post_attempts):
            run = self.client.get(f"/runs/{rid}")["data"]
            if started(run):
                return
            emit("play-requested", {"robot_run_id": rid})
            try:
                self.client.post(f"/runs/{rid}/actions", json={"data": {"actionType": "play"}})
                emit("play-sent", {"robot_run_id": rid})
                return
            except (RequestNotSentError, AmbiguousRequestError) as exc:
                last = exc.message  # read the run back before deciding to send again
            except RobotHttpError as exc:
                if exc.status_code != 409:
                    raise
                run = self.client.get(f"/runs/{rid}")["data"]
                if started(run):
                    return
                raise BackendError(f"the robot would not start run {rid}: {exc.message}") from exc
            time.sleep(self.client.retry.delay(attempt))
        raise BackendUnavailableError(
            f"could not start run {rid} on {self.client.url} ({last})",
            hint="check the robot, then run again with the same --key",
        )

    # ------------------------------------------------------------------------------- status

    def _get(self, run_id: str) -> _Tracked:
        t = self._tracked.get(run_id)
        if t is None:
            raise UnknownRunError(
                f"run {run_id!r} is not tracked by this client",
                hint="reconcile the ledger first (labwright runs reconcile)",
            )
        return t

    def _index(self, t: _Tracked, meta: dict[str, Any]) -> int | None:
        key = meta.get("key")
        if key is not None and str(key) in t.index_of_key:
            return t.index_of_key[str(key)]
        index = meta.get("index")
        return int(index) if isinstance(index, int) else None

    def status(self, run_id: str) -> RunStatus:
        t = self._get(run_id)
        total = t.job.total_steps
        handles = {
            k: v
            for k, v in {
                "robot_protocol_id": t.protocol_id,
                "robot_run_id": t.robot_run_id,
                "sent_sha256": t.sent_sha256,
            }.items()
            if v
        }
        if t.robot_run_id is None:
            state = RunState.SUBMITTED if t.protocol_id else RunState.QUEUED
            return RunStatus(
                run_id=run_id, backend=self.name, state=state, total_steps=total, handles=handles
            )
        rid = t.robot_run_id
        run = self.client.get(f"/runs/{rid}")["data"]
        page = self.client.get(f"/runs/{rid}/commands", params={"pageLength": 1})
        current = (page.get("links") or {}).get("current") or {}
        index = self._index(t, current.get("meta") or {})
        data = page.get("data") or []
        t.wait_s = float((data[-1].get("params") or {}).get("seconds") or 0.0) if data else 0.0
        robot_status = str(run.get("status"))
        state = STATE_OF.get(robot_status, RunState.UNKNOWN)
        if state is RunState.SUBMITTED and started(run):
            state = RunState.RUNNING
        step = t.steps[index] if index is not None and index < len(t.steps) else None
        if robot_status not in FAILURE_STATUSES:
            t.error = None  # recovered (or never failed): a later failure is found afresh
        elif t.error is None:
            t.error = self._failure(t, rid, run, index)
        error = t.error if robot_status in FAILURE_STATUSES else None
        if error is not None and error.step is not None:
            step = error.step
        if state is RunState.SUCCEEDED:
            completed, step = total, None
        else:
            completed = min(step, total) if step is not None else 0
        return RunStatus(
            run_id=run_id,
            backend=self.name,
            state=state,
            robot_status=robot_status,
            completed_steps=completed,
            total_steps=total,
            current_step=step,
            command_index=index,
            total_commands=len(t.commands) or None,
            error=error,
            started_at=run.get("startedAt"),
            first_command_at=run.get("startedAt"),
            finished_at=run.get("completedAt"),
            handles=handles,
        )

    def _failure(self, t: _Tracked, rid: str, run: dict[str, Any], index: int | None) -> RunError:
        """The failed command (its step, type and the robot's message), else the run's error."""
        page = self.client.get(
            f"/runs/{rid}/commands", params={"cursor": max(0, (index or 0) - 10), "pageLength": 30}
        )
        failed = [c for c in page.get("data") or [] if c.get("status") == "failed"]
        if failed:
            c = failed[-1]
            ci = self._index(t, {"key": c.get("key")})
            err = c.get("error") or {}
            return RunError(
                code="ROBOT_COMMAND_FAILED",
                message=f"the robot failed {c.get('commandType')}: {describe_error(err)}"
                if err
                else f"the robot failed {c.get('commandType')}",
                step=t.steps[ci] if ci is not None and ci < len(t.steps) else None,
                command_index=ci,
                command_type=c.get("commandType"),
                robot_error_type=err.get("errorType"),
                robot_error_code=err.get("errorCode"),
                detail={"robot_run_id": rid, "command_id": c.get("id")},
            )
        errors = run.get("errors") or []
        err = errors[0] if errors else {}
        message = describe_error(err) if err else f"the run is {run.get('status')}"
        return RunError(
            code="ROBOT_RUN_FAILED",
            message=message,
            step=step_of_error_text(t.text, message) if t.text else None,
            robot_error_type=err.get("errorType"),
            robot_error_code=err.get("errorCode"),
            detail={"robot_run_id": rid},
        )

    def stall_allowance_s(self, status: RunStatus) -> float:
        t = self._tracked.get(status.run_id)
        return t.wait_s if t else 0.0

    # ------------------------------------------------------------------------------ control

    def _action(
        self, run_id: str, action: Callable[[dict[str, Any]], str | None], done: set[str]
    ) -> RunStatus:
        """Send the action ``action(run)`` chooses (None: nothing to do) until the run is in ``done``."""
        t = self._get(run_id)
        if t.robot_run_id is None:
            return self.status(run_id)
        rid = t.robot_run_id
        for attempt in range(self.post_attempts):
            run = self.client.get(f"/runs/{rid}")["data"]
            kind = None if run.get("status") in done else action(run)
            if kind is None:
                break
            try:
                self.client.post(f"/runs/{rid}/actions", json={"data": {"actionType": kind}})
                break
            except (RequestNotSentError, AmbiguousRequestError):
                time.sleep(self.client.retry.delay(attempt))
            except RobotHttpError as exc:
                if exc.status_code == 409:
                    break  # not allowed in the run's present state: report that state
                raise
        return self.status(run_id)

    def pause(self, run_id: str) -> RunStatus:
        return self._action(
            run_id,
            lambda run: "pause",
            {"paused", "awaiting-recovery-paused", "idle", "stop-requested", *TERMINAL_ROBOT},
        )

    def resume(self, run_id: str) -> RunStatus:
        def choose(run: dict[str, Any]) -> str:
            return (
                "resume-from-recovery" if str(run.get("status")).startswith("awaiting-recovery") else "play"
            )

        return self._action(run_id, choose, {"running", "finishing", "stop-requested", *TERMINAL_ROBOT})

    def stop(self, run_id: str) -> RunStatus:
        return self._action(run_id, lambda run: "stop", {"stop-requested", *TERMINAL_ROBOT})

    def results(self, run_id: str) -> RunResults:
        t = self._get(run_id)
        status = self.status(run_id)
        commands: list[dict[str, Any]] = []
        if t.robot_run_id is not None:
            cursor = 0
            while True:
                page = self.client.get(
                    f"/runs/{t.robot_run_id}/commands", params={"cursor": cursor, "pageLength": 200}
                )
                data = page.get("data") or []
                commands += data
                total = int((page.get("meta") or {}).get("totalLength") or 0)
                cursor += len(data)
                if not data or cursor >= total:
                    break
        steps = []
        for i, c in enumerate(commands):
            ai = t.index_of_key.get(str(c.get("key")), i)
            steps.append(t.steps[ai] if ai < len(t.steps) else None)
        records = command_records(commands, steps)
        return RunResults(
            run_id=run_id,
            backend=self.name,
            state=status.state,
            commands=records,
            log=run_log(records),
            error=status.error,
            summary={
                "robot": self.client.url,
                "robot_protocol_id": t.protocol_id,
                "robot_run_id": t.robot_run_id,
                "robot_status": status.robot_status,
                "commands": len(records),
                "analysis_commands": len(t.commands),
                "sent_sha256": t.sent_sha256,
            },
        )

    # ---------------------------------------------------------------------------- reconcile

    def find(self, job: Job) -> RunStatus | None:
        t = self._tracked.setdefault(job.run_id, _Tracked(job=job))
        ids = self._protocol_ids(job)
        if not ids:
            return None
        t.text = t.text or self.upload_files(job)[0][1].decode("utf-8", errors="replace")
        t.protocol_id = ids[-1]
        try:
            self._load_analysis(t, wait=False)
        except DispatchRefusedError as exc:
            return RunStatus(
                run_id=job.run_id,
                backend=self.name,
                state=RunState.REFUSED,
                total_steps=job.total_steps,
                handles={"robot_protocol_id": t.protocol_id},
                error=RunError(code="BACKEND_REFUSED", message=exc.message),
            )
        run = self._adopt(ids)
        if run is not None:
            t.robot_run_id = str(run["id"])
        return self.status(job.run_id)
