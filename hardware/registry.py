"""Backends by name: ``make_backend("twin" | "opentrons-sim" | "opentrons-http", robot=...)``."""

from __future__ import annotations

from typing import Any

from labwright.hardware.backend import Backend
from labwright.protocols.errors import ConfigurationError

BACKEND_NAMES = ("twin", "opentrons-sim", "opentrons-http")


def make_backend(name: str, *, robot: str | None = None, **options: Any) -> Backend:
    if name == "twin":
        from labwright.hardware.twin_backend import TwinBackend

        return TwinBackend(**options)
    if name == "opentrons-sim":
        from labwright.hardware.opentrons_sim_backend import OpentronsSimBackend

        return OpentronsSimBackend(**options)
    if name == "opentrons-http":
        if not robot:
            raise ConfigurationError(
                "the opentrons-http backend needs the robot's address",
                hint="pass --robot HOST (or HOST:PORT; the robot server listens on 31950)",
            )
        from labwright.hardware.opentrons_http import OpentronsHttpBackend

        return OpentronsHttpBackend(robot, **options)
    raise ConfigurationError(f"no backend named {name!r}", hint=f"choose one of {', '.join(BACKEND_NAMES)}")
