"""Helpers for the dispatch tests: certified examples, fast client settings, re-signed certificates."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from labwright.hardware.dispatcher import DispatchPolicy
from labwright.hardware.fake_robot import FakeRobot
from labwright.hardware.opentrons_http import OpentronsHttpBackend
from labwright.hardware.robot_client import RetryPolicy
from labwright.protocols import read_document
from labwright.protocols.models import Protocol
from labwright.verifiers.certificate import Certificate, load_or_create_key
from labwright.verifiers.verifier import verify_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "protocols"
SERIAL_DILUTION = EXAMPLES / "serial_dilution.yaml"

# dispatch policy and client retry settings that keep tests fast (same logic, shorter waits)
FAST_POLICY = DispatchPolicy(poll_s=0.02, stall_timeout_s=30.0)  # the stall guard ends a hung test
FAST_RETRY = RetryPolicy(attempts=6, backoff_s=0.02, backoff_max_s=0.2, deadline_s=20.0)


def certify(path: Path = SERIAL_DILUTION) -> tuple[Protocol, Certificate]:
    """Verify an example with the real verifier (formal passes + safety); it must be certified."""
    report = verify_document(read_document(path), source=str(path))
    assert report.ok and report.certificate is not None and report.protocol is not None, [
        f.message for f in report.findings
    ]
    return report.protocol, report.certificate


def resign(cert: Certificate, **changes: Any) -> Certificate:
    """A certificate with changed fields, validly signed with this home's key (an old one, a
    certificate from another verifier version...)."""
    unsigned = cert.model_copy(update={**changes, "signature": ""})
    sig = hmac.new(load_or_create_key(), unsigned.payload(), hashlib.sha256).hexdigest()
    return unsigned.model_copy(update={"signature": sig})


def http_backend(robot: FakeRobot, **options: Any) -> OpentronsHttpBackend:
    options = {"retry": FAST_RETRY, "timeout_s": 2.0, "connect_timeout_s": 1.0, "poll_s": 0.02, **options}
    return OpentronsHttpBackend(robot.url, **options)
