"""Provenance stored with every search result: what ran, with which seed and versions."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

_PACKAGES = ("labwright", "ase", "numpy", "scipy", "dask", "distributed", "mace-torch", "torch")


def package_versions(names: tuple[str, ...] = _PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def provenance(settings: Any) -> dict[str, Any]:
    """Calculator (and model hash), seed, settings and package versions of a search."""
    return {
        **settings.calculator.provenance(),
        "seed": settings.seed,
        "settings": settings.model_dump(mode="json"),
        "python": platform.python_version(),
        "versions": package_versions(),
    }
