"""Findings as text: a compact form an LLM can repair against (no colour, no tables)."""

from __future__ import annotations

from labwright.protocols.findings import Finding


def findings_for_llm(findings: list[Finding], *, limit: int = 40) -> str:
    """One line per finding: severity, code, where, what, how to fix."""
    if not findings:
        return "No findings: the protocol verified clean."
    lines = []
    for f in findings[:limit]:
        where = f"step {f.step}" if f.step is not None else "protocol"
        lines.append(
            f"- {f.severity.value.upper()} {f.code} at {where} ({f.pointer or '/'}): "
            f"{f.message}. Fix: {f.hint}"
        )
    if len(findings) > limit:
        lines.append(f"- ... and {len(findings) - limit} more")
    return "\n".join(lines)
