"""The verifier: passes in order, findings, and a certificate when there are no errors.

    schema -> references -> hardware limits -> state replay -> safety -> lab policy

The schema pass parses the document; the protocol is then resolved against its deck once
(``labwright.simulators.deck.resolve``) and every later pass reads that resolved form:
``(resolved, context) -> findings``. A later pass runs only on what the earlier passes left
well-formed: a malformed document stops after the schema pass; steps with broken references are
not replayed.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labwright.protocols.errors import LabwrightError
from labwright.protocols.findings import Finding, Severity, has_errors
from labwright.protocols.io import protocol_sha256
from labwright.protocols.models import Protocol
from labwright.simulators.deck.resolve import ResolvedProtocol, resolve
from labwright.simulators.deck.twin import DeckTwin
from labwright.verifiers.certificate import Certificate, SourceBinding, issue_certificate
from labwright.verifiers.passes.context import Pass, PassContext
from labwright.verifiers.passes.hardware import hardware_pass
from labwright.verifiers.passes.references import references_pass
from labwright.verifiers.passes.replay import replay_pass
from labwright.verifiers.passes.schema import document_pointer, schema_pass
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class VerifyOptions(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    strict: bool = Field(default=False, description="warnings count as errors")
    safety: bool = Field(
        default=True,
        description="run the safety and policy passes; without them nothing is certified",
    )
    policy_path: Path | None = None
    extra_labware: list[dict[str, Any]] = Field(default_factory=list)
    certify: bool = True
    key: bytes | None = None
    source: SourceBinding | None = Field(
        default=None,
        description="the Opentrons file the protocol was converted from (signed into the certificate)",
    )


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


class SafetyUnavailableError(LabwrightError):
    """The safety or policy pass could not run: the protocol is not verified (CLI exit 2)."""


# the formal passes after the schema pass, in order
FORMAL_PASSES: tuple[tuple[str, Pass], ...] = (
    ("references", references_pass),
    ("hardware", hardware_pass),
    ("replay", replay_pass),
)


def _safety_and_policy(resolved: ResolvedProtocol, context: PassContext) -> list[Finding]:
    """Run the safety and policy passes; raise ``SafetyUnavailableError`` if they cannot run.

    The import is here, not at the top, so that a broken safety package (a missing dependency, a
    corrupt data file) surfaces as a clear error for this protocol, never as a verifier that
    silently certifies without checking chemistry.
    """
    try:
        from labwright.verifiers.passes.safety import safety_and_policy_pass
    except Exception as exc:  # ImportError, or a data file that fails to load at import
        raise SafetyUnavailableError(
            f"the chemical safety checker could not be loaded ({type(exc).__name__}: {exc}); "
            "nothing was verified or certified",
            hint="reinstall labwright with its safety data (pip install -e '.[chem]') and try again",
        ) from exc
    try:
        return safety_and_policy_pass(resolved, context)
    except LabwrightError:
        raise  # an unusable policy file: the user's to fix, reported as such
    except Exception as exc:
        raise SafetyUnavailableError(
            f"the safety pass failed on this protocol ({type(exc).__name__}: {exc}); nothing was certified",
            hint="this is a labwright bug: please report it with the protocol file",
        ) from exc


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one verification (and restored after).

    A 100,000-step protocol builds millions of long-lived objects (models, resolved steps,
    actions, twin state); each time they grow by a quarter the collector walks all of them:
    1.4 of 12 CPU s, to find some 500 objects in reference cycles. Reference counting frees
    everything else as usual, and the collector picks up those few once it runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_collector_paused()
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


@_collector_paused()
def verify(protocol: Protocol, options: VerifyOptions | None = None, source: str = "") -> Report:
    options = options or VerifyOptions()
    context = PassContext(
        strict=options.strict, policy_path=options.policy_path, extra_labware=list(options.extra_labware)
    )
    resolved = resolve(protocol, options.extra_labware)
    passes = ["schema"]
    findings: list[Finding] = []
    for name, run in FORMAL_PASSES:
        passes.append(name)
        findings += run(resolved, context)
    if options.safety:
        findings += _safety_and_policy(resolved, context)
        passes += ["safety", "policy"]
    findings = _sorted(findings, options)
    sha = protocol_sha256(protocol)
    cert = None
    # a certificate always names the safety and policy passes: without them, none is issued
    if options.certify and context.policy_sha256 is not None and not has_errors(findings):
        approvals = tuple(f"{f.code}: {f.message}" for f in findings if f.requires_approval)
        cert = issue_certificate(sha, context.policy_sha256, passes, options.key, approvals, options.source)
    return Report(protocol, sha, findings, passes, cert, context.twin, source)


def _sorted(findings: list[Finding], options: VerifyOptions) -> list[Finding]:
    if options.strict:
        findings = [
            f.model_copy(update={"severity": Severity.ERROR}) if f.severity is Severity.WARNING else f
            for f in findings
        ]
    return sorted(findings, key=Finding.sort_key)
