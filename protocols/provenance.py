"""Version provenance, defined once: which labwright, Python and packages produced a result.

Every result that records versions (MLIP model cards and predictions, structure searches,
molecular designs, campaigns, agent tools) and the verifier version written into certificates
read them here. The labwright version is the installed distribution's (``pyproject.toml`` is its
only source).
"""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata

DISTRIBUTION = "labwright"
UNKNOWN_VERSION = "0+unknown"


def package_versions(*names: str, missing: str | None = None) -> dict[str, str]:
    """Installed version of each distribution named, in the order given.

    A distribution that is not installed is left out, or recorded as ``missing`` when that is
    given (e.g. ``missing="missing"``: a model card then shows what was absent).
    """
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if missing is not None:
                out[name] = missing
    return out


@cache
def labwright_version() -> str:
    """The installed labwright version (``0+unknown`` when run from a tree that is not installed)."""
    return package_versions(DISTRIBUTION, missing=UNKNOWN_VERSION)[DISTRIBUTION]


def python_version() -> str:
    """The running Python's version, e.g. ``3.11.9``."""
    return platform.python_version()
