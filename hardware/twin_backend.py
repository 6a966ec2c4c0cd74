"""The `twin` backend: runs a certified protocol in-process on the deck twin.

The protocol is resolved against its deck and expanded into primitive actions (the verifier's
own expansion, ``simulators.deck.replay.expand_resolved``) and replayed one action at a time on
its initial ``DeckTwin`` (``simulators.deck.replay.initial_twin``) in a worker thread, so
that pause, resume and stop act between actions. A ``measure`` step hands the twin's
``MeasureEvent`` to the *measurement hook*: a callable
returning, per well, the values measured. Chemistry twins plug in here (an absorbance model,
a plate-reader emulator); the default hook reports what the twin knows: volumes (interval and
midpoint) and composition.

Runs live in this process only (``capabilities.durable`` is False): after a crash there is
nothing to reconcile with, and the dispatcher marks such runs ``interrupted``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

from labwright.hardware.backend import Backend, EventCallback, ProgressCallback, progress_of
from labwright.hardware.errors import UnknownRunError
from labwright.hardware.models import (
    BackendCapabilities,
    CommandRecord,
    Job,
    Measurement,
    RunError,
    RunResults,
    RunState,
    RunStatus,
    utc_now,
)
from labwright.protocols.locations import WellRef
from labwright.simulators.deck import actions as a
from labwright.simulators.deck.events import MeasureEvent
from labwright.simulators.deck.replay import expand_resolved, initial_twin
from labwright.simulators.deck.resolve import resolve
from labwright.simulators.deck.twin import DeckTwin

MeasurementHook = Callable[[MeasureEvent], dict[str, dict[str, Any]]]


def volume_composition_hook(event: MeasureEvent) -> dict[str, dict[str, Any]]:
    """Default measurement: each well's volume (interval and midpoint, uL) and composition (uL)."""
    out: dict[str, dict[str, Any]] = {}
    for well, (low, high) in event.volumes.items():
        out[well] = {
            "volume_ul": (low + high) / 2,
            "volume_low_ul": low,
            "volume_high_ul": high,
            "composition_ul": {k: v for k, v in sorted(event.wells.get(well, {}).items()) if v > 1e-9},
        }
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, WellRef):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def action_params(action: a.Action) -> dict[str, Any]:
    return {
        f.name: _plain(getattr(action, f.name))
        for f in dataclasses.fields(action)
        if f.name not in {"step", "pointer"} and getattr(action, f.name) is not None
    }


def describe_action(action: a.Action) -> str:
    params = ", ".join(f"{k}={v}" for k, v in action_params(action).items())
    return f"step {action.step}: {type(action).__name__}({params})"


@dataclasses.dataclass
class _TwinRun:
    job: Job
    twin: DeckTwin
    actions: list[a.Action]
    state: RunState = RunState.SUBMITTED
    cursor: int = 0  # index of the next action
    completed_steps: int = 0
    current_step: int | None = None
    commands: list[CommandRecord] = dataclasses.field(default_factory=list)
    measurements: list[Measurement] = dataclasses.field(default_factory=list)
    log: list[str] = dataclasses.field(default_factory=list)
    error: RunError | None = None
    started_at: str | None = None
    first_command_at: str | None = None
    finished_at: str | None = None
    running: threading.Event = dataclasses.field(default_factory=threading.Event)
    stop_requested: threading.Event = dataclasses.field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class TwinBackend(Backend):
    name = "twin"
    capabilities = BackendCapabilities(pause=True, resume=True, stop=True, measurements=True, durable=False)

    def __init__(
        self,
        measurement_hook: MeasurementHook | None = None,
        *,
        action_delay_s: float = 0.0,
        hook_name: str | None = None,
    ) -> None:
        self.measurement_hook = measurement_hook or volume_composition_hook
        self.hook_name = hook_name or getattr(self.measurement_hook, "__name__", "measurement_hook")
        self.action_delay_s = action_delay_s
        self._runs: dict[str, _TwinRun] = {}
        self._by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------ submit

    def submit(
        self,
        job: Job,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunStatus:
        with self._lock:
            existing = self._by_key.get(job.idempotency_key)
            if existing is not None:
                return self._status(self._runs[existing])
            resolved = resolve(job.protocol)
            actions, _ = expand_resolved(resolved)
            run = _TwinRun(job=job, twin=initial_twin(resolved), actions=actions)
            self._runs[job.run_id] = run
            self._by_key[job.idempotency_key] = job.run_id
            run.state = RunState.RUNNING
            run.started_at = utc_now()
            run.running.set()
            run.thread = threading.Thread(
                target=self._execute, args=(run, on_progress), name=f"twin-{job.run_id}", daemon=True
            )
        if on_event is not None:
            on_event("started", {"actions": str(len(actions))})
        run.thread.start()
        return self._status(run)

    def _execute(self, run: _TwinRun, on_progress: ProgressCallback | None) -> None:
        try:
            self._replay(run, on_progress)
        except Exception as exc:  # noqa: BLE001 - a crash in the worker is a failed run, not a hang
            run.error = RunError(
                code="TWIN_INTERNAL_ERROR",
                message=f"the twin failed: {exc!r}",
                step=run.current_step,
                command_index=run.cursor,
            )
            self._finish(run, RunState.FAILED)

    def _replay(self, run: _TwinRun, on_progress: ProgressCallback | None) -> None:
        total = run.job.total_steps
        for i, act in enumerate(run.actions):
            if not self._gate(run):
                break
            if run.first_command_at is None:
                run.first_command_at = utc_now()
            before = len(run.twin.issues)
            run.current_step = act.step
            run.twin.apply(act)
            record = CommandRecord(
                index=i,
                step=act.step,
                command_type=type(act).__name__,
                params=action_params(act),
                started_at=utc_now(),
            )
            errors = [it for it in run.twin.issues[before:] if it.severity == "error"]
            if errors:
                it = errors[0]
                record.status = "failed"
                record.error = {"code": it.code, "message": it.message}
                run.commands.append(record)
                run.error = RunError(
                    code=it.code,
                    message=it.message,
                    step=act.step,
                    command_index=i,
                    command_type=record.command_type,
                )
                run.log.append(f"{describe_action(act)} FAILED: {it.message}")
                self._finish(run, RunState.FAILED)
                return
            if isinstance(act, a.Measure):
                if not self._measure(run, act, i):
                    return
            record.completed_at = utc_now()
            run.commands.append(record)
            run.log.append(describe_action(act))
            run.cursor = i + 1
            nxt = run.actions[i + 1].step if i + 1 < len(run.actions) else total
            if nxt != act.step:
                run.completed_steps = min(nxt, total)
                if on_progress is not None:
                    on_progress(progress_of(self._status(run)))
            if self.action_delay_s:
                run.stop_requested.wait(self.action_delay_s)
        else:
            run.completed_steps = total
            run.current_step = None
            self._finish(run, RunState.SUCCEEDED)
            if on_progress is not None:
                on_progress(progress_of(self._status(run)))
            return
        self._finish(run, RunState.STOPPED)

    def _gate(self, run: _TwinRun) -> bool:
        """Wait while paused; False when a stop was requested."""
        while not run.running.is_set():
            if run.stop_requested.is_set():
                return False
            run.running.wait(0.02)
        return not run.stop_requested.is_set()

    def _measure(self, run: _TwinRun, act: a.Measure, index: int) -> bool:
        event = run.twin.measurements[-1]
        try:
            values = self.measurement_hook(event)
        except Exception as exc:  # noqa: BLE001 - a chemistry twin failing is a run failure
            run.error = RunError(
                code="MEASUREMENT_HOOK_FAILED",
                message=f"the measurement hook {self.hook_name!r} failed: {exc}",
                step=act.step,
                command_index=index,
                command_type="Measure",
            )
            self._finish(run, RunState.FAILED)
            return False
        run.measurements.append(
            Measurement(
                step=event.step,
                labware=event.labware,
                kind=event.kind,
                wavelength_nm=event.wavelength_nm,
                values=values,
                source=self.hook_name,
            )
        )
        return True

    def _finish(self, run: _TwinRun, state: RunState) -> None:
        run.finished_at = utc_now()
        run.state = state
        run.running.set()

    # ------------------------------------------------------------------------------ control

    def _get(self, run_id: str) -> _TwinRun:
        run = self._runs.get(run_id)
        if run is None:
            raise UnknownRunError(
                f"the twin has no run {run_id!r} in this process",
                hint="twin runs live in the process that started them; run the protocol again",
            )
        return run

    def _status(self, run: _TwinRun) -> RunStatus:
        return RunStatus(
            run_id=run.job.run_id,
            backend=self.name,
            state=run.state,
            robot_status=run.state.value,
            completed_steps=run.completed_steps,
            total_steps=run.job.total_steps,
            current_step=run.current_step,
            command_index=run.cursor,
            total_commands=len(run.actions),
            error=run.error,
            started_at=run.started_at,
            first_command_at=run.first_command_at,
            finished_at=run.finished_at,
        )

    def status(self, run_id: str) -> RunStatus:
        return self._status(self._get(run_id))

    def pause(self, run_id: str) -> RunStatus:
        run = self._get(run_id)
        if run.state is RunState.RUNNING:
            run.running.clear()
            run.state = RunState.PAUSED
        return self._status(run)

    def resume(self, run_id: str) -> RunStatus:
        run = self._get(run_id)
        if run.state is RunState.PAUSED:
            run.state = RunState.RUNNING
            run.running.set()
        return self._status(run)

    def stop(self, run_id: str) -> RunStatus:
        run = self._get(run_id)
        if not self._status(run).terminal:
            run.stop_requested.set()
            run.running.set()
            if run.thread is not None:
                run.thread.join(timeout=10)
        return self._status(run)

    def results(self, run_id: str) -> RunResults:
        run = self._get(run_id)
        return RunResults(
            run_id=run_id,
            backend=self.name,
            state=run.state,
            commands=list(run.commands),
            measurements=list(run.measurements),
            log=list(run.log),
            error=run.error,
            summary={
                "actions": len(run.actions),
                "executed": len(run.commands),
                "simulated_seconds": run.twin.elapsed_s,
                "tips_used": run.twin.snapshot()["tips_used"],
                "final_wells": run.twin.snapshot()["wells"] if run.state is RunState.SUCCEEDED else {},
            },
        )

    def find(self, job: Job) -> RunStatus | None:
        run_id = self._by_key.get(job.idempotency_key)
        return None if run_id is None else self._status(self._runs[run_id])

    def wait_idle(self, run_id: str, timeout_s: float = 30.0) -> None:
        """Join the worker thread (tests, benchmarks)."""
        run = self._get(run_id)
        if run.thread is not None:
            run.thread.join(timeout_s)
        deadline = time.monotonic() + timeout_s
        while not self._status(run).terminal and time.monotonic() < deadline:
            time.sleep(0.01)
