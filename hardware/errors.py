"""Errors raised by dispatch backends (all ``LabwrightError``s: message plus a hint)."""

from __future__ import annotations

from typing import Any

from labwright.protocols.errors import DispatchRefusedError, LabwrightError

__all__ = [
    "BackendError",
    "BackendUnavailableError",
    "DispatchRefusedError",
    "RobotBusyError",
    "RobotHttpError",
    "UnknownRunError",
]


class BackendError(LabwrightError):
    """A backend could not do what was asked (the robot said no, or answered nonsense)."""


class BackendUnavailableError(BackendError):
    """The backend cannot be reached (robot off, wrong host, network down) after retries."""


class RobotBusyError(BackendError):
    """The robot is running someone else's run."""


class UnknownRunError(BackendError):
    """The backend has no run under this run id."""


class RobotHttpError(BackendError):
    """The robot answered with an HTTP error; ``errors`` holds its JSON:API error objects."""

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status_code: int = 0,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status_code = status_code
        self.errors = errors or []
