"""The faulty-protocol corpus (tests/data/faulty): files, expected results, repairs.

Shared by the corpus tests and bench/faulty_vs_opentrons.py. ``apply_patch`` implements the
subset of JSON Patch (RFC 6901 pointers, RFC 6902 add/remove/replace) the repairs use.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FAULTY = ROOT / "tests" / "data" / "faulty"
CLEAN = FAULTY / "clean"
EXPECTED_FILE = FAULTY / "expected.yaml"
CATEGORIES = ("schema", "reference", "deck", "pipette", "tip", "volume", "location", "temperature")
HEADER_RE = re.compile(
    r"^# expect: (?P<code>[A-Z_]+) / (?P<category>[a-z]+) / step (?P<step>\d+|null)$", re.M
)


def expected() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))


def faulty_files() -> list[Path]:
    return sorted(p for p in FAULTY.glob("*.yaml") if p.name != EXPECTED_FILE.name)


def header_expectation(path: Path) -> dict[str, Any] | None:
    """The ``# expect: CODE / category / step N`` line of a corpus file."""
    m = HEADER_RE.search(path.read_text(encoding="utf-8"))
    if m is None:
        return None
    return {
        "code": m["code"],
        "category": m["category"],
        "step": None if m["step"] == "null" else int(m["step"]),
    }


def _split(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def resolve(doc: Any, pointer: str) -> Any:
    """The value at ``pointer``; KeyError/IndexError when it does not resolve."""
    node = doc
    for part in _split(pointer):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            raise KeyError(part)
    return node


def apply_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    out = copy.deepcopy(doc)
    for op in ops:
        *parents, last = _split(op["path"])
        parent = resolve(
            out, "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parents) if parents else ""
        )
        kind = op["op"]
        if isinstance(parent, list):
            if kind == "add":
                idx = len(parent) if last == "-" else int(last)
                parent.insert(idx, copy.deepcopy(op["value"]))
            elif kind == "remove":
                del parent[int(last)]
            elif kind == "replace":
                parent[int(last)] = copy.deepcopy(op["value"])
            else:
                raise ValueError(f"unsupported patch op {kind!r}")
        else:
            if kind in ("add", "replace"):
                if kind == "replace" and last not in parent:
                    raise KeyError(f"replace: {op['path']} does not exist")
                parent[last] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[last]
            else:
                raise ValueError(f"unsupported patch op {kind!r}")
    return out
