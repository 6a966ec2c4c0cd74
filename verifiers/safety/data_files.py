"""Loading the shipped data files (YAML under ``data/``), once per process."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~5x faster


@cache
def load(name: str) -> Any:
    """Parsed content of ``data/<name>`` (cached; treat as read-only)."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LOADER)  # a safe loader (CSafeLoader/SafeLoader)


@cache
def load_json(name: str) -> Any:
    """Parsed content of ``data/<name>`` (JSON; used for the large generated database)."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)
