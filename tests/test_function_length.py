"""No function longer than 80 lines in the verifier, the deck twin and Opentrons interop.

Length is counted as /work/fnlen.py does: from the ``def`` line to the function's last line
(docstring and comments included, decorators not).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("verifiers", "simulators/deck", "simulators/opentrons_interop")
LIMIT = 80


def long_functions(folders: tuple[str, ...] = FOLDERS, limit: int = LIMIT) -> list[str]:
    """'path:line name N lines' for every function or method longer than ``limit`` lines."""
    found = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > limit:
                        where = path.relative_to(ROOT)
                        found.append(f"{where}:{node.lineno} {node.name} {lines} lines")
    return found


def test_the_counter_finds_a_long_function() -> None:
    assert long_functions(("tests",), limit=10_000) == []
    assert any("long_functions" in f for f in long_functions(("tests",), limit=10))


def test_no_function_is_longer_than_80_lines() -> None:
    offenders = long_functions()
    assert offenders == [], "functions over 80 lines:\n" + "\n".join(offenders)
