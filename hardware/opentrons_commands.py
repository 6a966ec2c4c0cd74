"""Opentrons protocol-engine commands as labwright command records, run logs and errors."""

from __future__ import annotations

from typing import Any

from labwright.hardware.models import CommandRecord, RunError
from labwright.hardware.step_map import step_of_error_text
from labwright.simulators.opentrons_interop.rejections import describe_error


def command_records(commands: list[dict[str, Any]], steps: list[int | None]) -> list[CommandRecord]:
    out = []
    for i, c in enumerate(commands):
        out.append(
            CommandRecord(
                index=i,
                step=steps[i] if i < len(steps) else None,
                command_type=str(c.get("commandType")),
                status=str(c.get("status") or ""),
                params=dict(c.get("params") or {}),
                error=c.get("error"),
                started_at=c.get("startedAt"),
                completed_at=c.get("completedAt"),
            )
        )
    return out


def run_log(records: list[CommandRecord]) -> list[str]:
    lines = []
    for r in records:
        where = "setup" if r.step is None else f"step {r.step}"
        params = r.params
        what = ", ".join(
            f"{k}={params[k]}" for k in ("volume", "wellName", "seconds", "celsius", "message") if k in params
        )
        line = f"#{r.index} {where}: {r.command_type}" + (f" ({what})" if what else "") + f" {r.status}"
        if r.error:
            line += f": {describe_error(r.error)}"
        lines.append(line)
    return lines


def first_failure(records: list[CommandRecord], errors: list[dict[str, Any]], source: str = "") -> RunError:
    """The first failed command (its step, type and the robot's words), else the protocol's error.

    Without a failed command (a Python exception in the protocol), the step comes from the
    error's ``[line N]`` in ``source``, the exported file.
    """
    failed = next((r for r in records if r.status == "failed"), None)
    error = (failed.error if failed and failed.error else None) or (errors[0] if errors else {})
    message = describe_error(error) if error else "the simulation failed"
    step = failed.step if failed else (step_of_error_text(source, message) if source else None)
    return RunError(
        code="ROBOT_COMMAND_FAILED" if failed else "ROBOT_PROTOCOL_ERROR",
        message=message,
        step=step,
        command_index=failed.index if failed else None,
        command_type=failed.command_type if failed else None,
        robot_error_type=error.get("errorType"),
        robot_error_code=error.get("errorCode"),
    )
