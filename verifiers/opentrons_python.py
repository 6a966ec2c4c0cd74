"""Verify an Opentrons protocol file (Python, or Protocol Designer JSON): import it through the
Opentrons simulator, then verify.

The import (``labwright.simulators.opentrons_interop.importer``) runs the protocol in the pinned
Opentrons 9.0.0 simulator and converts its commands into a labwright protocol; this module
takes the import's findings, verifies the converted protocol with every pass, and
merges the two. A protocol the simulator rejects gets an ``OPENTRONS_REJECTED`` error (with
the category of the underlying fault) plus the findings of verifying what ran before the
failure; it is never certified. The certificate of a clean file names the converted protocol's
hash and the file itself (``SourceBinding``: the SHA-256 of the bytes analysed, the runtime
parameter values, the custom labware), so that exactly that file can be dispatched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labwright.protocols.findings import Finding, Severity, finding, has_errors
from labwright.verifiers.certificate import SourceBinding, labware_sha256
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


def _isolation_note(sandbox: dict[str, Any]) -> list[Finding]:
    """An info finding when the analysis could not use the operating system's isolation."""
    if not sandbox or sandbox.get("isolation") == "namespaces":
        return []
    return [
        finding(
            "OPENTRONS_ANALYSIS_NOT_ISOLATED",
            "policy",
            "info",
            "the protocol's analysis ran without Linux namespaces "
            f"({sandbox.get('reason') or 'unavailable'}): scrubbed environment, scratch directory and "
            "resource limits only; its code could read the files of the user running labwright",
            "validate untrusted protocols on Linux with user namespaces enabled "
            "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0)",
            isolation=sandbox.get("isolation"),
            reason=sandbox.get("reason", ""),
        )
    ]


def verify_opentrons_file(
    path: Path,
    options: VerifyOptions | None = None,
    *,
    limits: Any = None,
    parameters: dict[str, Any] | None = None,
) -> Report:
    """Import ``path`` (a Python protocol, or a Protocol Designer JSON file told by its content)
    with the Opentrons simulator and verify it; ``Report.source`` is the path.

    The analysis runs in the analyzer's sandbox, within ``limits`` (``AnalysisLimits``; None: the
    defaults), with the runtime ``parameters`` given (``--param``: text values typed by the
    protocol's definitions; the others keep their defaults); only its result (the command list)
    comes back, and the verdict and the certificate are computed here. Raises
    ``UnusableInputError`` when the file is not an Opentrons protocol at all, a parameter value
    is not allowed, or its analysis exited, crashed or hit a limit (never certified).
    """
    from labwright.simulators.opentrons_interop.importer import import_opentrons_python, unique_labware

    options = options or VerifyOptions()
    labware = unique_labware(options.extra_labware)
    result = import_opentrons_python(Path(path), labware, limits=limits, parameters=parameters)
    imported = [*result.issues, *_isolation_note(result.sandbox)]
    if options.strict:
        imported = [
            f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in imported
        ]
    binding = SourceBinding(
        kind=result.kind,  # type: ignore[arg-type]
        sha256=result.source_sha256,
        runtime_parameters=result.parameter_values,
        custom_labware_sha256=tuple(sorted(labware_sha256(d) for d in labware)),
    )
    options = options.model_copy(update={"source": binding})
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


# the name from before Protocol Designer files were read too
verify_opentrons_python = verify_opentrons_file
