"""Verify an Opentrons Python protocol: import it through the Opentrons simulator, then verify.

The import (``labwright.simulators.opentrons_interop.importer``) runs the protocol in the pinned
Opentrons 9.0.0 simulator and converts its commands into a labwright protocol; this module
takes the import's findings, verifies the converted protocol with every pass, and
merges the two. A protocol the simulator rejects gets an ``OPENTRONS_REJECTED`` error (with
the category of the underlying fault) plus the findings of verifying what ran before the
failure; it is never certified.
"""

from __future__ import annotations

from pathlib import Path

from labwright.protocols.findings import Finding, Severity, has_errors
from labwright.verifiers.verifier import Report, VerifyOptions, verify, verify_document


def _with_line(f: Finding, step_lines: list[int | None], filename: str) -> Finding:
    """Name the Python source line a finding's step came from (``data.line`` and the message)."""
    if f.step is None or not 0 <= f.step < len(step_lines) or "line" in f.data:
        return f
    line = step_lines[f.step]
    if line is None:
        return f
    return f.model_copy(
        update={"message": f"{f.message} ({filename} line {line})", "data": {**f.data, "line": line}}
    )


def verify_opentrons_python(path: Path, options: VerifyOptions | None = None) -> Report:
    """Import ``path`` with the Opentrons simulator and verify it; ``Report.source`` is the path.

    Raises ``UnusableInputError`` when the file is not an Opentrons Python protocol at all.
    """
    from labwright.simulators.opentrons_interop.importer import import_opentrons_python

    options = options or VerifyOptions()
    result = import_opentrons_python(Path(path), options.extra_labware)
    imported = list(result.issues)
    if options.strict:
        imported = [
            f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in imported
        ]
    if result.protocol is not None:
        report = verify(result.protocol, options, source=str(path))
    else:
        report = verify_document(result.document or {}, options, source=str(path))
    located = [_with_line(f, result.step_lines, Path(path).name) for f in report.findings]
    findings = sorted([*imported, *located], key=Finding.sort_key)
    certificate = report.certificate if not has_errors(findings) else None
    passes = ["opentrons-simulator", *report.passes]
    return Report(
        protocol=report.protocol,
        protocol_sha256=report.protocol_sha256,
        findings=findings,
        passes=passes,
        certificate=certificate,
        twin=report.twin,
        source=str(path),
    )
