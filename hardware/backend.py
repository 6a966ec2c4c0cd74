"""The backend interface: one front end (the dispatcher), many backends.

As in PyLabRobot (one ``LiquidHandler`` front end over many vendor backends), the dispatcher
speaks only this interface; a backend drives one kind of target. labwright's backends work at
the level of whole certified protocols (``submit`` a job, then ``status`` / ``pause`` /
``resume`` / ``stop`` / ``results``): a PyLabRobot backend would implement ``submit`` by walking
the twin's expansion of the protocol (``labwright.hardware.step_map.protocol_actions``) and
calling its ``LiquidHandler`` for each primitive action, in a worker thread, the way
``TwinBackend`` does.

Rules every backend keeps:

* ``submit`` is idempotent per ``job.idempotency_key``: called again with the same key (after
  a crash, a retry), it finds what it already started and never starts a second run.
* ``on_event(kind, data)`` reports backend ids as soon as they exist (robot protocol id,
  robot run id, ``play`` sent), so the dispatcher can write them to the ledger.
* ``on_progress(Progress)`` reports step index / total as the run advances.
* ``find(job)`` answers "what do you know about this key?" for reconciliation after a restart:
  ``None`` when the backend never saw it.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from labwright.hardware.models import (
    BackendCapabilities,
    Job,
    Progress,
    RunError,
    RunResults,
    RunState,
    RunStatus,
)

ProgressCallback = Callable[[Progress], None]
EventCallback = Callable[[str, dict[str, Any]], None]


def progress_of(status: RunStatus, message: str = "") -> Progress:
    return Progress(
        run_id=status.run_id,
        state=status.state,
        completed_steps=status.completed_steps,
        total_steps=status.total_steps,
        current_step=status.current_step,
        command_index=status.command_index,
        total_commands=status.total_commands,
        message=message,
    )


class Backend(ABC):
    """A place protocols run: the deck twin, the Opentrons simulator, a robot."""

    name: ClassVar[str] = ""
    capabilities: ClassVar[BackendCapabilities] = BackendCapabilities()
    poll_s: float = 0.05  # how often the dispatcher asks for the status of a running run

    @property
    def target(self) -> str:
        """Where runs go (robot address); '' for in-process backends."""
        return ""

    @abstractmethod
    def submit(
        self,
        job: Job,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunStatus:
        """Send the job and start it; idempotent per idempotency key."""

    @abstractmethod
    def status(self, run_id: str) -> RunStatus: ...

    @abstractmethod
    def pause(self, run_id: str) -> RunStatus: ...

    @abstractmethod
    def resume(self, run_id: str) -> RunStatus: ...

    @abstractmethod
    def stop(self, run_id: str) -> RunStatus: ...

    @abstractmethod
    def results(self, run_id: str) -> RunResults: ...

    @abstractmethod
    def find(self, job: Job) -> RunStatus | None:
        """What the backend knows of this job (by its handles or idempotency key); None: nothing."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and threads."""

    # ------------------------------------------------------------------------------ waiting

    def stall_allowance_s(self, status: RunStatus) -> float:
        """Extra seconds the current command may legitimately take (a delay step)."""
        return 0.0

    def wait(
        self,
        run_id: str,
        on_progress: ProgressCallback | None = None,
        *,
        timeout_s: float | None = None,
        poll_s: float = 0.05,
        stall_timeout_s: float | None = None,
        until_paused: bool = True,
    ) -> RunStatus:
        """Poll until the run ends (or pauses, with ``until_paused``), reporting progress.

        A run whose command does not advance for ``stall_timeout_s`` (plus the command's own
        expected duration) is paused, if it can be, and returned with a ``RUN_STALLED`` error.
        """
        start = time.monotonic()
        last_key: tuple[Any, ...] | None = None
        last_change = start
        while True:
            status = self.status(run_id)
            key = (status.state, status.command_index, status.completed_steps, status.current_step)
            now = time.monotonic()
            if key != last_key:
                last_key, last_change = key, now
                if on_progress is not None:
                    on_progress(progress_of(status))
            if status.terminal:
                return status
            if status.error is not None:
                # a command failed and the run did not end (e.g. a robot waiting for error
                # recovery): pause it, so nothing more happens until someone looks
                if status.state is not RunState.PAUSED and self.capabilities.pause:
                    paused = self.pause(run_id)
                    status = paused.model_copy(update={"error": paused.error or status.error})
                if on_progress is not None:
                    on_progress(progress_of(status))
                return status
            if until_paused and status.state is RunState.PAUSED:
                return status
            if (
                stall_timeout_s is not None
                and status.state is RunState.RUNNING
                and now - last_change > stall_timeout_s + self.stall_allowance_s(status)
            ):
                return self._stalled(status, now - last_change)
            if timeout_s is not None and now - start > timeout_s:
                return status
            time.sleep(poll_s)

    def _stalled(self, status: RunStatus, idle_s: float) -> RunStatus:
        where = f"step {status.current_step}" if status.current_step is not None else "its current step"
        cmd = f" (robot command {status.command_index})" if status.command_index is not None else ""
        error = RunError(
            code="RUN_STALLED",
            message=f"the run made no progress for {idle_s:.1f} s at {where}{cmd}; it was paused",
            step=status.current_step,
            command_index=status.command_index,
        )
        if self.capabilities.pause:
            try:
                status = self.pause(status.run_id)
            except Exception as exc:  # noqa: BLE001 - report the stall even if pausing fails
                error.message = f"{error.message.removesuffix('; it was paused')}; pausing failed: {exc}"
        return status.model_copy(update={"error": error})
