"""Provenance stored with every search result: what ran, with which seed and versions."""

from __future__ import annotations

from typing import Any

from labwright.protocols.provenance import package_versions, python_version

#: the packages a search result depends on (those installed are recorded)
PACKAGES = ("labwright", "ase", "numpy", "scipy", "dask", "distributed", "mace-torch", "torch")


def provenance(settings: Any) -> dict[str, Any]:
    """Calculator (and model hash), seed, settings and package versions of a search."""
    return {
        **settings.calculator.provenance(),
        "seed": settings.seed,
        "settings": settings.model_dump(mode="json"),
        "python": python_version(),
        "versions": package_versions(*PACKAGES),
    }
