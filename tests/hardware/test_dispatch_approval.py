"""Findings that need a person's approval (requires_approval, e.g. osmium tetroxide under the
default policy) certify the protocol, but dispatch refuses it until someone is named as having
approved it; the approval is signed into the certificate and recorded in the ledger."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from dispatch_support import EXAMPLES, FAST_POLICY, certify, resign
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger
from labwright.hardware.models import RunState
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols.errors import DispatchRefusedError
from labwright.verifiers.certificate import check_certificate

OSMIUM = EXAMPLES / "faulty" / "policy_approval_required_osmium.yaml"


def _dispatcher(tmp_path: Path) -> Dispatcher:
    return Dispatcher(TwinBackend(), Ledger(tmp_path / "ledger.sqlite"), FAST_POLICY)


def test_certificate_lists_what_needs_approval_and_signs_it() -> None:
    protocol, cert = certify(OSMIUM)
    assert len(cert.approvals_required) == 1
    assert cert.approvals_required[0].startswith("POLICY_APPROVAL_REQUIRED: 'osmium tetroxide'")
    stripped = cert.model_copy(update={"approvals_required": ()})
    assert "signature does not match" in (check_certificate(stripped, cert.protocol_sha256) or "")
    _, plain = certify()  # nothing to approve: the payload has no approvals field at all
    assert plain.approvals_required == () and b"approvals_required" not in plain.payload()


@pytest.mark.parametrize("who", [None, "", "   "])
def test_dispatch_without_an_approver_is_refused_and_sends_nothing(tmp_path: Path, who: str | None) -> None:
    protocol, cert = certify(OSMIUM)
    d = _dispatcher(tmp_path)
    with pytest.raises(DispatchRefusedError, match="a person must approve this protocol first"):
        d.dispatch(protocol, cert, idempotency_key="k", approved_by=who)
    assert d.ledger.list() == [] and d.backend._runs == {}


def test_approved_dispatch_runs_and_the_ledger_names_the_approver(tmp_path: Path) -> None:
    protocol, cert = certify(OSMIUM)
    d = _dispatcher(tmp_path)
    record = d.dispatch(protocol, cert, idempotency_key="k", approved_by="Dr. A. Safety")
    assert record.state is RunState.SUCCEEDED
    approved = [e for e in d.ledger.events(record.run_id) if e.kind == "approved"]
    assert len(approved) == 1
    assert approved[0].data["by"] == "Dr. A. Safety"
    assert approved[0].data["items"] == list(cert.approvals_required)
    # a repeated key returns the same run without a second approval event
    again = d.dispatch(protocol, cert, idempotency_key="k", approved_by="someone else")
    assert again.run_id == record.run_id
    assert len([e for e in d.ledger.events(record.run_id) if e.kind == "approved"]) == 1


def test_a_resigned_certificate_without_the_approvals_still_needs_the_real_key(tmp_path: Path) -> None:
    # only the holder of this home's key can issue a certificate without approvals; one made
    # that way is, by construction, a certificate the verifier would issue for a lenient policy
    protocol, cert = certify(OSMIUM)
    lenient = resign(cert, approvals_required=())
    record = _dispatcher(tmp_path).dispatch(protocol, lenient, idempotency_key="k")
    assert record.state is RunState.SUCCEEDED


def test_cli_refuses_then_runs_with_approved_by(tmp_path: Path) -> None:
    store = tmp_path / "ledger.sqlite"
    exe = str(Path(sys.executable).with_name("labwright"))  # the installed console script
    base = [exe, "run", str(OSMIUM), "--store", str(store), "--json"]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 1, refused.stderr
    doc = json.loads(refused.stdout)
    assert doc["refused"] is True and "--approved-by" in doc["hint"] and "osmium" in doc["error"]
    assert not store.exists() or Ledger(store).list() == []
    ok = subprocess.run(
        [*base, "--approved-by", "J. Doe"], capture_output=True, text=True, timeout=120, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["run"]["state"] == "succeeded"
