"""Verify an Opentrons Python protocol: import it through the Opentrons simulator, then verify."""

from __future__ import annotations

from pathlib import Path

from labwright.protocols.errors import UnusableInputError


def verify_opentrons_python(path: Path, options: object):  # noqa: ANN201
    raise UnusableInputError(
        f"{path}: importing Opentrons Python protocols is not available yet",
        hint="validate the labwright YAML version of the protocol",
    )
