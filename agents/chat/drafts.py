"""Pure checks on drafts: what a repair really changed, and whether it changed the chemicals.

A planner says what it changed; :func:`document_changes` computes it (JSON paths whose values
differ), and that is what the user is shown beside the planner's words.

:func:`identity_changes` guards the repair loop against the one repair that would make a
certificate a lie: declaring a liquid as something else (``sodium hypochlorite`` -> ``water``)
or dropping its declaration. The verifier checks a protocol against what it *declares*; the
reservoir still holds what the user asked for. A repair may move, split, add or re-time steps
and add liquids; it may not change what an already declared liquid is.
"""

from __future__ import annotations

from typing import Any

from labwright.protocols.findings import Category, Finding, Severity

IDENTITY_FIELDS = ("name", "smiles", "cas", "concentration")
#: categories whose errors end the run with a refusal instead of a repair
REFUSING_CATEGORIES = frozenset({Category.SAFETY, Category.POLICY})
MAX_CHANGES_SHOWN = 40


def _liquids(document: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    liquids = (document or {}).get("liquids")
    if not isinstance(liquids, list):
        return {}
    return {str(x.get("id")): x for x in liquids if isinstance(x, dict) and "id" in x}


def identity_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """What ``after`` changed about the liquids ``before`` declared (empty when nothing)."""
    old, new = _liquids(before), _liquids(after)
    out: list[str] = []
    for liquid_id, was in old.items():
        now = new.get(liquid_id)
        if now is None:
            out.append(f"liquid {liquid_id!r} ({was.get('name')!r}) is no longer declared")
            continue
        for key in IDENTITY_FIELDS:
            if key in was and was.get(key) != now.get(key):
                out.append(f"liquid {liquid_id!r}: {key} {was.get(key)!r} -> {now.get(key)!r}")
    return out


def _walk(a: Any, b: Any, path: str, out: list[str]) -> None:
    if len(out) > MAX_CHANGES_SHOWN:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            here = f"{path}/{key}"
            if key not in a:
                out.append(f"added {here}")
            elif key not in b:
                out.append(f"removed {here}")
            else:
                _walk(a[key], b[key], here, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}/{i}", out)
    elif a != b:
        if isinstance(a, list) and isinstance(b, list):
            out.append(f"changed {path or '/'} ({len(a)} -> {len(b)} items)")
        else:
            out.append(f"changed {path or '/'}: {_short(a)} -> {_short(b)}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def document_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The JSON paths at which ``after`` differs from ``before``, with old and new values."""
    out: list[str] = []
    _walk(before or {}, after or {}, "", out)
    if len(out) > MAX_CHANGES_SHOWN:
        out = out[:MAX_CHANGES_SHOWN] + ["…"]
    return out


def refusing_errors(findings: list[Finding]) -> list[Finding]:
    """Errors that no repair may take away: chemical safety and lab policy."""
    return [f for f in findings if f.severity is Severity.ERROR and f.category in REFUSING_CATEGORIES]


def refusal_text(findings: list[Finding], limit: int = 3) -> str:
    """One sentence naming the reasons (the findings' own messages)."""
    parts = [f"{f.code}: {f.message}" for f in findings[:limit]]
    more = f" (and {len(findings) - limit} more)" if len(findings) > limit else ""
    return "; ".join(parts) + more
