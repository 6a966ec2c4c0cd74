"""Writing found structures as extended XYZ without silently overwriting anything."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def default_output_path(composition: str, method: str, seed: int, directory: Path) -> Path:
    """``<composition>-<method>-seed<seed>.extxyz`` in ``directory``; a ``-1``, ``-2``... suffix
    is added when that file already exists."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{composition}-{method}-seed{seed}")
    candidate = directory / f"{stem}.extxyz"
    k = 1
    while candidate.exists():
        candidate = directory / f"{stem}-{k}.extxyz"
        k += 1
    return candidate


def write_structure(path: Path, atoms: Any, info: dict[str, Any]) -> Path:
    """Write one structure (with ``info`` in its comment line) as extended XYZ."""
    from ase.io import write

    out = atoms.copy()
    out.info.update({k: v for k, v in info.items() if v is not None})
    path.parent.mkdir(parents=True, exist_ok=True)
    write(str(path), out, format="extxyz")
    return path
