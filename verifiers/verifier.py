"""The verifier: passes in order, findings, and a certificate when there are no errors.

    schema -> references -> hardware limits -> state replay -> safety -> lab policy

A later pass runs only on what the earlier passes left well-formed: a malformed document stops
after the schema pass; steps with broken references are not replayed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labwright.protocols.io import protocol_sha256
from labwright.protocols.models import Protocol
from labwright.simulators.deck_twin import DeckTwin
from labwright.verifiers.certificate import Certificate, issue_certificate
from labwright.verifiers.findings import Finding, Severity, has_errors
from labwright.verifiers.passes.hardware import hardware_pass
from labwright.verifiers.passes.references import ReferenceResult, references_pass
from labwright.verifiers.passes.replay import replay_pass
from labwright.verifiers.passes.schema import document_pointer, schema_pass
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class VerifyOptions(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    strict: bool = Field(default=False, description="warnings count as errors")
    safety: bool = Field(default=True, description="run the chemical safety pass when available")
    policy_path: Path | None = None
    extra_labware: list[dict[str, Any]] = Field(default_factory=list)
    certify: bool = True
    key: bytes | None = None


@dataclass
class Report:
    protocol: Protocol | None
    protocol_sha256: str | None
    findings: list[Finding]
    passes: list[str]
    certificate: Certificate | None = None
    twin: DeckTwin | None = field(default=None, repr=False)
    source: str = ""

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "ok": self.ok,
            "protocol_sha256": self.protocol_sha256,
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "counts": {s.value: sum(1 for f in self.findings if f.severity is s) for s in Severity},
            "passes": self.passes,
            "certificate": self.certificate.model_dump(mode="json") if self.certificate else None,
        }


# The safety and policy passes live in labwright.verifiers.safety; they take the replayed twin.
SafetyPass = Callable[[Protocol, DeckTwin, "VerifyOptions"], tuple[list[Finding], str]]


def _safety_hook() -> SafetyPass | None:
    try:
        from labwright.verifiers.safety.safety_pass import safety_pass  # noqa: F401
    except ImportError:  # the safety checker is not built yet
        return None
    from labwright.verifiers.passes.safety import run_safety

    return run_safety


def verify_document(doc: dict[str, Any], options: VerifyOptions | None = None, source: str = "") -> Report:
    options = options or VerifyOptions()
    protocol, findings = schema_pass(doc)
    if protocol is None:
        return Report(None, None, _sorted(findings, options), ["schema"], source=source)
    report = verify(protocol, options, source=source)
    # later passes point at canonical fields; point at the keys the user wrote instead
    report.findings = [
        f if (p := document_pointer(f.pointer, doc)) == f.pointer else f.model_copy(update={"pointer": p})
        for f in report.findings
    ]
    return report


def verify(protocol: Protocol, options: VerifyOptions | None = None, source: str = "") -> Report:
    options = options or VerifyOptions()
    passes = ["schema", "references"]
    refs: ReferenceResult = references_pass(protocol, options.extra_labware)
    findings = list(refs.findings)
    passes.append("hardware")
    findings += hardware_pass(protocol, refs.deck, refs.bad_steps)
    passes.append("replay")
    twin, replay_findings = replay_pass(protocol, refs)
    findings += replay_findings
    policy_sha = hashlib.sha256(b"no-policy").hexdigest()
    hook = _safety_hook() if options.safety else None
    if hook is not None:
        passes += ["safety", "policy"]
        safety_findings, policy_sha = hook(protocol, twin, options)
        findings += safety_findings
    findings = _sorted(findings, options)
    sha = protocol_sha256(protocol)
    cert = None
    if options.certify and not has_errors(findings):
        approvals = tuple(f"{f.code}: {f.message}" for f in findings if f.requires_approval)
        cert = issue_certificate(sha, policy_sha, passes, options.key, approvals)
    return Report(protocol, sha, findings, passes, cert, twin, source)


def _sorted(findings: list[Finding], options: VerifyOptions) -> list[Finding]:
    if options.strict:
        findings = [
            f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in findings
        ]
    return sorted(findings, key=Finding.sort_key)
