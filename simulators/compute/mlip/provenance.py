"""Provenance stored with every MLIP result: files by SHA-256, seed, package versions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from labwright.protocols.provenance import package_versions
from pydantic import BaseModel, Field

#: the packages an MLIP result depends on
PACKAGES = ("labwright", "mace-torch", "torch", "e3nn", "ase", "numpy", "tblite")


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mlip_versions() -> dict[str, str]:
    """Installed versions of the packages an MLIP result depends on ("missing" when absent)."""
    return package_versions(*PACKAGES, missing="missing")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Provenance(BaseModel):
    """Where a result came from."""

    calculator: str = Field(description="e.g. 'mace' or 'mace-committee[3]', or 'emt'")
    model_files: dict[str, str] = Field(default_factory=dict, description="model file name -> SHA-256")
    reference: str | None = Field(None, description="reference calculator the model learned")
    seed: int | None = None
    versions: dict[str, str] = Field(default_factory=mlip_versions)
    created: str = Field(default_factory=utc_now)


def model_provenance(
    model_paths: Sequence[str | Path], reference: str | None = None, seed: int | None = None
) -> Provenance:
    paths = [Path(p) for p in model_paths]
    calculator = "mace" if len(paths) == 1 else f"mace-committee[{len(paths)}]"
    return Provenance(
        calculator=calculator,
        model_files={p.name: sha256_file(p) for p in paths},
        reference=reference,
        seed=seed,
    )
