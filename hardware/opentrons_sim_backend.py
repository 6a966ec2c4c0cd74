"""The `opentrons-sim` backend: the certified protocol on the Opentrons simulator.

A labwright protocol is rendered by ``labwright.simulators.opentrons_interop.export.export_opentrons``;
a protocol converted from an Opentrons file (``Job.source``: a Python or Protocol Designer
protocol) is simulated as that file, its exact bytes unchanged, with the certified runtime
parameter values and custom labware. Either is simulated by the pinned Opentrons 9.0.0 protocol
engine, in a child process (``labwright.simulators.opentrons_interop.analyzer``); the results
name the SHA-256 of the bytes the simulator read (``summary.sent_sha256``), its command list
(each command mapped back to its protocol step), its run log and its errors; a simulator error
fails the run and names the step. The simulator runs a protocol in one go: it cannot pause; ``stop``
kills it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable

from labwright.hardware.backend import Backend, EventCallback, ProgressCallback, progress_of
from labwright.hardware.errors import BackendError, UnknownRunError
from labwright.hardware.models import (
    BackendCapabilities,
    CommandRecord,
    Job,
    RunError,
    RunResults,
    RunState,
    RunStatus,
    utc_now,
)
from labwright.hardware.opentrons_commands import command_records, first_failure, run_log
from labwright.hardware.step_map import map_commands_to_steps, protocol_actions
from labwright.protocols.errors import LabwrightError
from labwright.protocols.models import Protocol
from labwright.simulators.opentrons_interop.analyzer import (
    AnalysisCancelled,
    AnalysisTimedOut,
    analyze_opentrons_text,
)
from labwright.simulators.opentrons_interop.capture import RunCapture
from labwright.simulators.opentrons_interop.rejections import describe_error

Exporter = Callable[[Protocol], str]


def default_exporter(protocol: Protocol) -> str:
    from labwright.simulators.opentrons_interop.export import export_opentrons

    return export_opentrons(protocol)


@dataclasses.dataclass
class _SimRun:
    job: Job
    text: str
    data: bytes = b""  # the exact bytes simulated
    filename: str = "labwright_protocol.py"
    state: RunState = RunState.RUNNING
    analysis: RunCapture | None = None
    records: list[CommandRecord] = dataclasses.field(default_factory=list)
    error: RunError | None = None
    started_at: str = dataclasses.field(default_factory=utc_now)
    finished_at: str | None = None
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class OpentronsSimBackend(Backend):
    name = "opentrons-sim"
    capabilities = BackendCapabilities(
        pause=False, resume=False, stop=True, measurements=False, durable=False
    )
    poll_s = 0.1

    def __init__(self, exporter: Exporter | None = None, *, timeout_s: float = 600.0) -> None:
        self.exporter = exporter or default_exporter
        self.timeout_s = timeout_s
        self._runs: dict[str, _SimRun] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    def submit(
        self, job: Job, on_progress: ProgressCallback | None = None, on_event: EventCallback | None = None
    ) -> RunStatus:
        with self._lock:
            if job.idempotency_key in self._by_key:
                return self.status(self._by_key[job.idempotency_key])
            run = self._prepare(job)
            self._runs[job.run_id] = run
            self._by_key[job.idempotency_key] = job.run_id
            run.thread = threading.Thread(
                target=self._simulate, args=(run, on_progress), name=f"ot-sim-{job.run_id}", daemon=True
            )
        if on_event is not None:
            on_event("started", {"sent_sha256": hashlib.sha256(run.data).hexdigest()})
        run.thread.start()
        return self.status(job.run_id)

    def _prepare(self, job: Job) -> _SimRun:
        """What is simulated: the Opentrons file itself, else the export of the protocol."""
        if job.source is not None:
            text = job.source.data.decode("utf-8", errors="replace")  # for error lines only
            return _SimRun(job=job, text=text, data=job.source.data, filename=job.source.filename)
        text = self.exporter(job.protocol)
        return _SimRun(job=job, text=text, data=text.encode("utf-8"))

    def _simulate(self, run: _SimRun, on_progress: ProgressCallback | None) -> None:
        source = run.job.source
        try:
            analysis = analyze_opentrons_text(
                run.data,
                filename=run.filename,
                timeout_s=self.timeout_s,
                cancel=run.cancel,
                custom_labware=list(source.custom_labware) if source else None,
                parameters=dict(source.runtime_parameters) if source else None,
            )
        except AnalysisCancelled:
            self._finish(run, RunState.STOPPED)
            return
        except AnalysisTimedOut:
            message = f"the Opentrons simulator did not finish within {self.timeout_s:.0f} s"
            run.error = RunError(code="SIMULATOR_FAILED", message=message)
            self._finish(run, RunState.FAILED)
            return
        except LabwrightError as exc:  # the analysis could not run the exported file at all
            run.error = RunError(code="SIMULATOR_FAILED", message=exc.message)
            self._finish(run, RunState.FAILED)
            return
        run.analysis = analysis
        robot = analysis.robot_analysis()
        steps = map_commands_to_steps(
            [str(c.get("commandType")) for c in robot["commands"]], protocol_actions(run.job.protocol)
        )
        run.records = command_records(robot["commands"], steps)
        if analysis.ok:
            self._finish(run, RunState.SUCCEEDED)
        else:
            run.error = first_failure(run.records, robot["errors"], run.text)
            self._finish(run, RunState.FAILED)
        if on_progress is not None:
            on_progress(progress_of(self.status(run.job.run_id)))

    def _finish(self, run: _SimRun, state: RunState) -> None:
        run.finished_at = utc_now()
        run.state = state

    def _get(self, run_id: str) -> _SimRun:
        if run_id not in self._runs:
            raise UnknownRunError(
                f"the Opentrons simulator has no run {run_id!r} in this process",
                hint="simulations live in the process that started them; run again",
            )
        return self._runs[run_id]

    def status(self, run_id: str) -> RunStatus:
        run = self._get(run_id)
        total = run.job.total_steps
        done = total if run.state is RunState.SUCCEEDED else 0
        if run.state is RunState.FAILED and run.error and run.error.step is not None:
            done = run.error.step
        return RunStatus(
            run_id=run_id,
            backend=self.name,
            state=run.state,
            robot_status=run.state.value,
            completed_steps=done,
            total_steps=total,
            current_step=run.error.step if run.error else None,
            command_index=len(run.records) if run.records else None,
            total_commands=len(run.records) if run.records else None,
            error=run.error,
            started_at=run.started_at,
            first_command_at=run.records[0].started_at if run.records else None,
            finished_at=run.finished_at,
        )

    def pause(self, run_id: str) -> RunStatus:
        raise BackendError(
            "the Opentrons simulator runs a protocol in one go and cannot pause",
            hint="use --backend twin to pause and resume a simulated run",
        )

    def resume(self, run_id: str) -> RunStatus:
        return self.pause(run_id)

    def stop(self, run_id: str) -> RunStatus:
        run = self._get(run_id)
        run.cancel.set()
        if run.thread is not None:
            run.thread.join(timeout=30)
        return self.status(run_id)

    def results(self, run_id: str) -> RunResults:
        run = self._get(run_id)
        analysis = run.analysis
        return RunResults(
            run_id=run_id,
            backend=self.name,
            state=run.state,
            commands=list(run.records),
            log=run_log(run.records),
            error=run.error,
            summary={
                "simulator": "opentrons 9.0.0 protocol engine (analysis in a child process)",
                "seconds": analysis.seconds if analysis else None,
                "robot_type": analysis.robot_type if analysis else None,
                "commands": len(run.records),
                "errors": [describe_error(e) for e in analysis.errors] if analysis else [],
                "sent_sha256": analysis.source_sha256 if analysis else hashlib.sha256(run.data).hexdigest(),
                "sent": "the certified Opentrons file, unchanged" if run.job.source else "the export",
                "opentrons_python_sha256": hashlib.sha256(run.text.encode()).hexdigest(),
                "opentrons_python": run.text,
            },
        )

    def find(self, job: Job) -> RunStatus | None:
        run_id = self._by_key.get(job.idempotency_key)
        return None if run_id is None else self.status(run_id)
