"""The dispatcher: the only way a protocol reaches a backend.

Nothing is sent unless the verifier certified exactly these bytes:

1. ``check_dispatchable`` refuses (``DispatchRefusedError``) a protocol without a certificate,
   with a certificate whose HMAC signature does not verify, issued by another verifier version,
   for other bytes (the protocol's SHA-256 of its canonical JSON differs), missing a required
   verifier pass, or older than the policy's maximum age. A protocol converted from an
   Opentrons file is dispatched together with that file (``SourceFile``), which the Opentrons
   simulator and the robot run unchanged: the certificate's ``source`` must name exactly its
   bytes, runtime parameter values and custom labware (one byte changed: refused), and a
   certificate of a file is never used to send only its converted protocol, nor the reverse.
2. The dispatch is written to the ledger under its idempotency key *before* anything is sent
   (SQLite, WAL, ``synchronous=FULL``). A repeated key finds that row: a finished dispatch is
   returned as it is, an unfinished one is continued (backends' ``submit`` is idempotent per
   key), never started a second time.
3. The backend runs it; progress and the backend's ids (robot protocol and run ids) go to the
   ledger as they happen; results are stored when the run ends.

After a crash, ``reconcile`` compares every unfinished dispatch in the ledger with what its
backend knows: a robot run that went on without us is adopted (its status and results
recorded); a dispatch the robot never saw stays queued until it is dispatched again under the
same key (or ``reconcile(resume=True)``); an in-process twin run that died with its process is
marked ``interrupted``.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from labwright.hardware.backend import Backend, ProgressCallback
from labwright.hardware.errors import BackendError, BackendUnavailableError
from labwright.hardware.ledger import Ledger, RunRecord, owner_alive, source_identity, this_owner
from labwright.hardware.models import (
    TERMINAL_STATES,
    Job,
    Progress,
    RunError,
    RunState,
    RunStatus,
    SourceFile,
    utc_now,
)
from labwright.protocols.errors import DispatchRefusedError
from labwright.protocols.io import canonical_json, parse_protocol, protocol_sha256
from labwright.protocols.models import Protocol
from labwright.verifiers.certificate import REQUIRED_PASSES, Certificate, check_certificate, source_problem
from pydantic import BaseModel, Field

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}$")


class DispatchPolicy(BaseModel):
    max_certificate_age_s: float | None = Field(
        default=None, description="refuse certificates older than this (None: no age limit)"
    )
    clock_skew_s: float = Field(default=300.0, description="tolerated future-dating of a certificate")
    required_passes: tuple[str, ...] = Field(
        default=REQUIRED_PASSES,
        description="passes the certificate must name; the formal, safety and policy passes always are",
    )
    stall_timeout_s: float | None = Field(default=600.0, description="pause a run that does not advance")
    poll_s: float | None = Field(default=None, description="status polling period; None: the backend's")
    heartbeat_s: float = 2.0
    owner_stale_after_s: float = 60.0


def new_run_id() -> str:
    return f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def new_idempotency_key() -> str:
    return f"key-{uuid.uuid4().hex}"


def check_idempotency_key(key: str) -> str:
    if not KEY_RE.match(key):
        raise DispatchRefusedError(
            f"idempotency key {key!r} is not usable",
            hint="use 1-100 characters: letters, digits, '.', '_', ':', '-' (no spaces)",
        )
    return key


def check_dispatchable(
    protocol: Protocol,
    certificate: Certificate | None,
    policy: DispatchPolicy | None = None,
    *,
    key: bytes | None = None,
    now: datetime | None = None,
    enforce_age: bool = True,
    approved_by: str | None = None,
    enforce_approval: bool = True,
    source: SourceFile | None = None,
) -> str:
    """The protocol's SHA-256 if it may be dispatched; ``DispatchRefusedError`` otherwise.

    ``source``: the Opentrons file sent with the protocol it was converted into; the
    certificate must name exactly that file (``Certificate.source``), and a certificate that
    names a file is refused without it.

    A certificate that lists findings needing a person's approval (``approvals_required``, e.g.
    a CWC Schedule 3 chemical under the lab policy) is refused unless ``approved_by`` names who
    approved them. ``enforce_age=False`` / ``enforce_approval=False`` skip the age limit and the
    approval: for a dispatch already recorded (and perhaps running), whose certificate was
    checked when it was sent.
    """
    policy = policy or DispatchPolicy()
    if certificate is None:
        raise DispatchRefusedError(
            "the protocol is not certified: only verified protocols are dispatched",
            hint="run `labwright validate` and fix every error; a certificate is issued when none remain",
        )
    sha = protocol_sha256(protocol)
    reason = check_certificate(certificate, sha, key)
    if reason is None:
        reason = source_problem(certificate, source.binding() if source is not None else None)
    if reason is not None:
        raise DispatchRefusedError(
            f"refused: {reason}",
            hint="validate the protocol again to certify exactly the bytes being sent",
        )
    required = list(dict.fromkeys([*REQUIRED_PASSES, *policy.required_passes]))
    missing = [p for p in required if p not in certificate.passes]
    if missing:
        raise DispatchRefusedError(
            f"refused: the certificate does not cover the {', '.join(missing)} pass(es)",
            hint="validate the protocol again with `labwright validate`: it runs every pass",
        )
    try:
        issued = datetime.fromisoformat(certificate.issued_at)
    except ValueError as exc:
        raise DispatchRefusedError(f"refused: unreadable certificate date {certificate.issued_at!r}") from exc
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - issued).total_seconds()
    if age < -policy.clock_skew_s:
        raise DispatchRefusedError(
            f"refused: the certificate is dated {certificate.issued_at}, {-age:.0f} s in the future",
            hint="check the clock of this machine, then validate again",
        )
    if enforce_approval and certificate.approvals_required and not (approved_by or "").strip():
        raise DispatchRefusedError(
            "refused: a person must approve this protocol first: "
            + "; ".join(certificate.approvals_required),
            hint="once a responsible person has approved it, dispatch with --approved-by NAME "
            "(Python: Dispatcher.dispatch(..., approved_by=NAME)); the name goes to the run ledger",
        )
    if enforce_age and policy.max_certificate_age_s is not None and age > policy.max_certificate_age_s:
        raise DispatchRefusedError(
            f"refused: the certificate expired ({age:.0f} s old; the policy allows "
            f"{policy.max_certificate_age_s:.0f} s)",
            hint="validate the protocol again for a fresh certificate",
        )
    return sha


class Dispatcher:
    """Certificate-gated, ledger-backed dispatch to one backend."""

    def __init__(
        self,
        backend: Backend,
        ledger: Ledger,
        policy: DispatchPolicy | None = None,
        *,
        certificate_key: bytes | None = None,
        owner: str | None = None,
    ) -> None:
        self.backend = backend
        self.ledger = ledger
        self.policy = policy or DispatchPolicy()
        self.certificate_key = certificate_key
        self.owner = owner or this_owner()

    def _poll_s(self) -> float:
        return self.policy.poll_s if self.policy.poll_s is not None else self.backend.poll_s

    # ----------------------------------------------------------------------------- dispatch

    def check(
        self,
        protocol: Protocol,
        certificate: Certificate | None,
        approved_by: str | None = None,
        source: SourceFile | None = None,
    ) -> str:
        return check_dispatchable(
            protocol,
            certificate,
            self.policy,
            key=self.certificate_key,
            approved_by=approved_by,
            source=source,
        )

    def dispatch(
        self,
        protocol: Protocol,
        certificate: Certificate | None,
        *,
        idempotency_key: str | None = None,
        run_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        wait: bool = True,
        timeout_s: float | None = None,
        approved_by: str | None = None,
        on_recorded: Callable[[RunRecord, bool], None] | None = None,
        source: SourceFile | None = None,
    ) -> RunRecord:
        """Check, record, send; wait for the end unless ``wait`` is False. Returns the ledger's record.

        ``source``: the Opentrons file ``protocol`` was converted from, when the certificate names
        one (``labwright run FILE.py``): it is recorded in the ledger with the dispatch and is what
        the Opentrons simulator and the robot run, unchanged (the twin runs ``protocol``).

        ``approved_by``: who approved the certificate's ``approvals_required`` findings (required
        when it has any; recorded in the ledger as an ``approved`` event). Without an
        ``idempotency_key`` the key comes from ``idempotency_key_for``. ``on_recorded(record,
        created)`` is called once the dispatch is in the ledger and before anything is sent (the
        CLI prints the run id and key there)."""
        sha = self.check(protocol, certificate, approved_by, source)
        assert certificate is not None
        key = self.idempotency_key_for(sha, idempotency_key, source)
        record, created = self.ledger.claim(
            run_id=run_id or new_run_id(),
            idempotency_key=key,
            backend=self.backend.name,
            target=self.backend.target,
            protocol_sha256=sha,
            protocol_name=protocol.metadata.name,
            protocol_json=canonical_json(protocol),
            certificate_json=certificate.model_dump_json(),
            total_steps=len(protocol.steps),
            owner=self.owner,
            source=source,
        )
        if on_recorded is not None:
            on_recorded(record, created)
        if created and certificate.approvals_required:
            self.ledger.add_event(
                record.run_id,
                "approved",
                {"by": (approved_by or "").strip(), "items": list(certificate.approvals_required)},
            )
        if not created:
            self._same_dispatch(record, sha, source)
            if record.terminal:
                log.info("idempotency key %s already dispatched as %s (%s)", key, record.run_id, record.state)
                return record
            if not self.ledger.take_ownership(
                record.run_id, self.owner, stale_after_s=self.policy.owner_stale_after_s
            ):
                return self._follow(record.run_id, on_progress, timeout_s)
        job = Job(
            run_id=record.run_id,
            idempotency_key=key,
            protocol=protocol,
            protocol_sha256=sha,
            certificate=certificate,
            handles=record.handles,
            source=source,
        )
        if not created and not self.backend.capabilities.durable:
            # an in-process run is either still here (follow it) or died with its process:
            # running it again would be a second dispatch under the same key
            try:
                return self._reconcile_one(record, resume=wait, on_progress=on_progress)
            finally:
                self.ledger.release(record.run_id, self.owner)
        return self._drive(job, on_progress=on_progress, wait=wait, timeout_s=timeout_s, resumed=not created)

    def idempotency_key_for(
        self, protocol_sha256: str, idempotency_key: str | None = None, source: SourceFile | None = None
    ) -> str:
        """The idempotency key a dispatch of this protocol uses.

        An explicit key is used as given. Without one, on a backend that outlives our process (a
        robot), an unfinished dispatch of the same protocol to the same backend and target is
        continued under its key: the dispatch whose sending failed while the robot was
        unreachable, or one another process is still driving. Running the same command again
        therefore never creates a second robot run; pass a new key to run the protocol again
        on purpose. Otherwise (nothing unfinished, or an in-process backend) a new key.
        """
        if idempotency_key is not None:
            return check_idempotency_key(idempotency_key)
        if self.backend.capabilities.durable:
            pending = self.ledger.unfinished_dispatch(
                protocol_sha256, self.backend.name, self.backend.target, source
            )
            if pending is not None:
                log.info("continuing dispatch %s (key %s)", pending.run_id, pending.idempotency_key)
                return pending.idempotency_key
        return new_idempotency_key()

    def _same_dispatch(self, record: RunRecord, sha: str, source: SourceFile | None = None) -> None:
        if record.protocol_sha256 != sha or source_identity(record.source) != source_identity(source):
            raise DispatchRefusedError(
                f"idempotency key {record.idempotency_key!r} already names run {record.run_id} of another "
                f"protocol (sha256 {record.protocol_sha256[:12]}…)",
                hint="use a new key for a new protocol",
            )
        if record.backend != self.backend.name or record.target != self.backend.target:
            raise DispatchRefusedError(
                f"idempotency key {record.idempotency_key!r} already names run {record.run_id} on "
                f"{record.backend} {record.target}".rstrip(),
                hint="use a new key to run the protocol on another backend",
            )

    def _follow(
        self, run_id: str, on_progress: ProgressCallback | None, timeout_s: float | None
    ) -> RunRecord:
        """Another live process drives this dispatch: watch the ledger until it ends."""
        start = time.monotonic()
        last = None
        while True:
            record = self.ledger.get(run_id)
            if on_progress is not None and (record.state, record.completed_steps) != last:
                last = (record.state, record.completed_steps)
                on_progress(
                    Progress(
                        run_id=run_id,
                        state=record.state,
                        completed_steps=record.completed_steps,
                        total_steps=record.total_steps,
                        current_step=record.current_step,
                        message=f"driven by {record.owner}",
                    )
                )
            if record.terminal or (timeout_s is not None and time.monotonic() - start > timeout_s):
                return record
            if not record.owner or owner_alive(record.owner) is False:
                if self.ledger.take_ownership(
                    run_id, self.owner, stale_after_s=self.policy.owner_stale_after_s
                ):
                    job = self.job_from_record(record)
                    return self._drive(
                        job, on_progress=on_progress, wait=True, timeout_s=timeout_s, resumed=True
                    )
            time.sleep(max(self._poll_s(), 0.05))

    def job_from_record(self, record: RunRecord) -> Job:
        """Rebuild a job from the ledger, re-checking its certificate against the stored bytes."""
        protocol = parse_protocol(json.loads(self.ledger.protocol_json(record.run_id)))
        certificate = Certificate.model_validate(record.certificate)
        source = self.ledger.source_file(record.run_id)
        sha = check_dispatchable(
            protocol,
            certificate,
            self.policy,
            key=self.certificate_key,
            enforce_age=False,
            enforce_approval=False,  # approved (and recorded) when it was first dispatched
            source=source,
        )
        if sha != record.protocol_sha256:
            raise DispatchRefusedError(
                f"the ledger's copy of run {record.run_id} does not match its recorded hash",
                hint="the ledger file was modified; do not resume this run",
            )
        return Job(
            run_id=record.run_id,
            idempotency_key=record.idempotency_key,
            protocol=protocol,
            protocol_sha256=sha,
            certificate=certificate,
            handles=record.handles,
            source=source,
        )

    # -------------------------------------------------------------------------------- drive

    def _on_event(self, run_id: str) -> Callable[[str, dict[str, Any]], None]:
        def on_event(kind: str, data: dict[str, Any]) -> None:
            handles = {k: str(v) for k, v in data.items() if k.startswith(("robot_", "sent_"))}
            fields: dict[str, Any] = {}
            if kind in {"protocol-uploaded", "started"}:
                fields["submitted_at"] = utc_now()
            self.ledger.update(run_id, event=(kind, data), handles=handles or None, **fields)

        return on_event

    def _drive(
        self,
        job: Job,
        *,
        on_progress: ProgressCallback | None,
        wait: bool,
        timeout_s: float | None,
        resumed: bool,
    ) -> RunRecord:
        run_id = job.run_id
        if resumed:
            self.ledger.add_event(run_id, "resumed", {"owner": self.owner})
        try:
            status = self.backend.submit(job, on_event=self._on_event(run_id))
        except DispatchRefusedError as exc:
            error = RunError(code="BACKEND_REFUSED", message=exc.message, detail={"hint": exc.hint})
            self.ledger.update(
                run_id,
                state=RunState.REFUSED,
                finished_at=utc_now(),
                error=error,
                event=("refused", {"message": exc.message}),
            )
            self.ledger.release(run_id, self.owner)
            raise
        except BackendError as exc:
            # the outcome is unknown: the row stays unfinished and is reconciled later
            self.ledger.add_event(run_id, "submit-failed", {"error": str(exc)})
            self.ledger.release(run_id, self.owner)
            raise
        self._record(status, "submitted")
        if not wait:
            return self.ledger.get(run_id)
        return self._wait(job, on_progress, timeout_s)

    def _wait(self, job: Job, on_progress: ProgressCallback | None, timeout_s: float | None) -> RunRecord:
        run_id = job.run_id
        last: list[Any] = [None, time.monotonic()]

        def progress(p: Progress) -> None:
            key = (p.state, p.completed_steps, p.current_step)
            if key != last[0]:
                last[0] = key
                # a terminal state is written only with the results (``_record_end``), in one
                # transaction: a crash in between must not leave a finished run without them
                state = {} if p.state in TERMINAL_STATES else {"state": p.state}
                self.ledger.update(
                    run_id,
                    **state,
                    completed_steps=p.completed_steps,
                    current_step=p.current_step,
                    heartbeat_at=time.time(),
                    event=(
                        "progress",
                        {
                            "state": p.state.value,
                            "completed_steps": p.completed_steps,
                            "current_step": p.current_step,
                            "command_index": p.command_index,
                        },
                    ),
                )
                last[1] = time.monotonic()
            elif time.monotonic() - last[1] > self.policy.heartbeat_s:
                self.ledger.heartbeat(run_id, self.owner)
                last[1] = time.monotonic()
            if on_progress is not None:
                on_progress(p)

        try:
            status = self.backend.wait(
                run_id,
                progress,
                timeout_s=timeout_s,
                poll_s=self._poll_s(),
                stall_timeout_s=self.policy.stall_timeout_s,
            )
        except BackendError as exc:
            self.ledger.add_event(run_id, "wait-failed", {"error": str(exc)})
            self.ledger.release(run_id, self.owner)
            raise
        self._record_end(status)
        self.ledger.release(run_id, self.owner)
        return self.ledger.get(run_id)

    def _record_end(self, status: RunStatus, event: str = "status") -> None:
        """Record a status; with results when the run ended or stopped on an error."""
        results = None
        if status.terminal or status.error is not None:
            try:
                results = self.backend.results(status.run_id)
            except BackendError as exc:
                self.ledger.add_event(status.run_id, "results-failed", {"error": str(exc)})
        self.ledger.record_status(status, event="finished" if status.terminal else event, results=results)

    def _record(self, status: RunStatus, event: str) -> None:
        """Record a status; a terminal one only together with its results."""
        if status.terminal:
            self._record_end(status, event)
        else:
            self.ledger.record_status(status, event=event)

    # ------------------------------------------------------------------------------ control

    def pause(self, run_id: str) -> RunRecord:
        self._record(self.backend.pause(run_id), "pause")
        return self.ledger.get(run_id)

    def resume(self, run_id: str) -> RunRecord:
        self._record(self.backend.resume(run_id), "resume")
        self.ledger.update(run_id, clear_error=True)
        return self.ledger.get(run_id)

    def stop(self, run_id: str, *, timeout_s: float = 60.0) -> RunRecord:
        """Stop the run and wait (up to ``timeout_s``) until the backend says it has stopped."""
        status = self.backend.stop(run_id)
        deadline = time.monotonic() + timeout_s
        while not status.terminal and time.monotonic() < deadline:
            time.sleep(self._poll_s())
            status = self.backend.status(run_id)
        self._record_end(status, event="stop")
        return self.ledger.get(run_id)

    def wait(
        self, run_id: str, on_progress: ProgressCallback | None = None, timeout_s: float | None = None
    ) -> RunRecord:
        record = self.ledger.get(run_id)
        return self._wait(self.job_from_record(record), on_progress, timeout_s)

    # ---------------------------------------------------------------------------- reconcile

    def reconcile(
        self, *, resume: bool = False, on_progress: ProgressCallback | None = None
    ) -> list[RunRecord]:
        """Bring every unfinished dispatch of this backend in line with what the backend knows."""
        out: list[RunRecord] = []
        for record in self.ledger.in_flight():
            if record.backend != self.backend.name or record.target != self.backend.target:
                continue
            if not self.ledger.take_ownership(
                record.run_id, self.owner, stale_after_s=self.policy.owner_stale_after_s
            ):
                continue  # a live process is driving it
            try:
                out.append(self._reconcile_one(record, resume=resume, on_progress=on_progress))
            finally:
                self.ledger.release(record.run_id, self.owner)
        return out

    def _reconcile_one(
        self, record: RunRecord, *, resume: bool, on_progress: ProgressCallback | None
    ) -> RunRecord:
        run_id = record.run_id
        try:
            job = self.job_from_record(record)
        except DispatchRefusedError as exc:
            self.ledger.update(
                run_id,
                state=RunState.REFUSED,
                finished_at=utc_now(),
                error=RunError(code="LEDGER_CERTIFICATE_INVALID", message=exc.message),
                event=("reconciled", {"refused": exc.message}),
            )
            return self.ledger.get(run_id)
        try:
            status = self.backend.find(job)
        except BackendUnavailableError as exc:
            self.ledger.add_event(run_id, "reconcile-failed", {"error": str(exc)})
            return self.ledger.get(run_id)
        if status is None:
            if not self.backend.capabilities.durable:
                self.ledger.update(
                    run_id,
                    state=RunState.INTERRUPTED,
                    finished_at=utc_now(),
                    error=RunError(
                        code="RUN_INTERRUPTED",
                        step=record.current_step,
                        message="the process running this in-process run ended before it finished",
                    ),
                    event=("reconciled", {"backend": "no such run"}),
                )
                return self.ledger.get(run_id)
            self.ledger.add_event(run_id, "reconciled", {"backend": "never received"})
            if resume:
                return self._drive(job, on_progress=on_progress, wait=True, timeout_s=None, resumed=True)
            return self.ledger.get(run_id)
        self.ledger.add_event(
            run_id, "reconciled", {"backend": status.state.value, "robot_status": status.robot_status}
        )
        if status.terminal:
            self._record_end(status, event="reconciled")
            return self.ledger.get(run_id)
        self._record(status, "reconciled")
        if resume:
            return self._drive(job, on_progress=on_progress, wait=True, timeout_s=None, resumed=True)
        return self.ledger.get(run_id)
