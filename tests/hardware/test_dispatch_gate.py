"""The dispatcher's gate and ledger: refusals, idempotency keys, ownership, reconciliation."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dispatch_support import FAST_POLICY, certify, resign
from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy, check_dispatchable
from labwright.hardware.ledger import Ledger, owner_alive, this_owner
from labwright.hardware.models import RunState
from labwright.hardware.twin_backend import TwinBackend
from labwright.protocols import parse_protocol
from labwright.protocols.errors import DispatchRefusedError
from labwright.protocols.io import canonical_json
from labwright.verifiers.certificate import issue_certificate, key_id


def _dispatcher(
    tmp_path: Path, policy: DispatchPolicy = FAST_POLICY
) -> tuple[Dispatcher, TwinBackend, Ledger]:
    backend = TwinBackend()
    ledger = Ledger(tmp_path / "ledger.sqlite")
    return Dispatcher(backend, ledger, policy), backend, ledger


def _refused(dispatcher: Dispatcher, protocol, cert, match: str) -> None:  # noqa: ANN001
    with pytest.raises(DispatchRefusedError, match=match):
        dispatcher.dispatch(protocol, cert, idempotency_key="k")
    assert dispatcher.ledger.list() == [], "a refused protocol leaves no trace in the ledger"
    assert dispatcher.backend._runs == {}, "and nothing reached the backend"


def test_refuses_uncertified_tampered_and_foreign_certificates(tmp_path: Path) -> None:
    protocol, cert = certify()
    d, _, _ = _dispatcher(tmp_path)
    _refused(d, protocol, None, "not certified")
    doc = json.loads(canonical_json(protocol))
    doc["steps"][0]["volume_ul"] = 90
    _refused(d, parse_protocol(doc), cert, "changed after it was certified")
    _refused(d, protocol, cert.model_copy(update={"signature": "0" * 64}), "signature does not match")
    _refused(d, protocol, cert.model_copy(update={"passes": ["schema"]}), "signature does not match")
    other = issue_certificate(cert.protocol_sha256, cert.policy_sha256, cert.passes, key=b"k" * 64)
    assert other.key_id == key_id(b"k" * 64)
    _refused(d, protocol, other, "signature does not match")
    _refused(d, protocol, resign(cert, verifier_version="labwright-verifier/0.0.1"), "issued by")
    _refused(
        d, protocol, resign(cert, passes=["schema", "references"]), "does not cover the hardware, replay"
    )


def test_certificate_age_policy(tmp_path: Path) -> None:
    protocol, cert = certify()
    old = resign(cert, issued_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds"))
    d, _, _ = _dispatcher(tmp_path, DispatchPolicy(max_certificate_age_s=3600, poll_s=0.02))
    _refused(d, protocol, old, "expired")
    future = resign(cert, issued_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="seconds"))
    _refused(d, protocol, future, "in the future")
    # without an age limit the old certificate is still good; a young one passes the limit
    assert check_dispatchable(protocol, old) == cert.protocol_sha256
    assert d.dispatch(protocol, cert, idempotency_key="fresh").state is RunState.SUCCEEDED


def test_safety_and_policy_passes_are_always_required(tmp_path: Path) -> None:
    protocol, cert = certify()
    assert {"safety", "policy"} <= set(cert.passes)
    formal_only = resign(cert, passes=["schema", "references", "hardware", "replay"])
    no_policy = resign(cert, passes=["schema", "references", "hardware", "replay", "safety"])
    # the default policy refuses both, and a policy that asks for fewer passes cannot waive them
    d, _, _ = _dispatcher(tmp_path)
    _refused(d, protocol, formal_only, "safety, policy")
    _refused(d, protocol, no_policy, "policy")
    (tmp_path / "lax").mkdir()
    lax, _, _ = _dispatcher(tmp_path / "lax", DispatchPolicy(required_passes=("schema",), poll_s=0.02))
    _refused(lax, protocol, formal_only, "safety, policy")
    with pytest.raises(ValueError, match="safety, policy"):
        issue_certificate(cert.protocol_sha256, cert.policy_sha256, formal_only.passes)
    assert d.dispatch(protocol, cert, idempotency_key="with-safety").state is RunState.SUCCEEDED


def test_repeated_key_never_dispatches_twice(tmp_path: Path) -> None:
    protocol, cert = certify()
    d, backend, ledger = _dispatcher(tmp_path)
    first = d.dispatch(protocol, cert, idempotency_key="same")
    again = d.dispatch(protocol, cert, idempotency_key="same")
    assert again.run_id == first.run_id and again.state is RunState.SUCCEEDED
    assert len(backend._runs) == 1
    # a new process (new backend, new ledger connection) with the same key: still one dispatch
    d2 = Dispatcher(TwinBackend(), Ledger(ledger.path), FAST_POLICY)
    third = d2.dispatch(protocol, cert, idempotency_key="same")
    assert third.run_id == first.run_id and d2.backend._runs == {}
    assert len(ledger.list()) == 1
    kinds = [e.kind for e in ledger.events(first.run_id)]
    assert kinds.count("recorded") == 1 and kinds.count("started") == 1
    # the same key for another protocol is refused
    doc = json.loads(canonical_json(protocol))
    doc["metadata"]["name"] = "another protocol"
    other = parse_protocol(doc)
    report_cert = issue_certificate(check_dispatchable_sha(other), cert.policy_sha256, cert.passes)
    with pytest.raises(DispatchRefusedError, match="already names run"):
        d.dispatch(other, report_cert, idempotency_key="same")


def check_dispatchable_sha(protocol) -> str:  # noqa: ANN001
    from labwright.protocols import protocol_sha256

    return protocol_sha256(protocol)


def test_unusable_keys_are_refused(tmp_path: Path) -> None:
    protocol, cert = certify()
    d, _, _ = _dispatcher(tmp_path)
    for key in ["", "has space", "x" * 101, "semi;colon"]:
        with pytest.raises(DispatchRefusedError, match="idempotency key"):
            d.dispatch(protocol, cert, idempotency_key=key)


def test_ledger_is_durable_sqlite(tmp_path: Path) -> None:
    protocol, cert = certify()
    d, _, ledger = _dispatcher(tmp_path)
    record = d.dispatch(protocol, cert, idempotency_key="durable")
    assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    ledger.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as raw:  # any SQLite client can read it
        row = raw.execute(
            "SELECT state, protocol_sha256, results_json FROM dispatches WHERE run_id=?", (record.run_id,)
        ).fetchone()
    assert row[0] == "succeeded" and row[1] == cert.protocol_sha256
    assert json.loads(row[2])["measurements"][0]["labware"] == "plate"
    again = Ledger(tmp_path / "ledger.sqlite").get(record.run_id)
    assert again.results is not None and again.certificate["signature"] == cert.signature


def test_claim_race_between_processes(tmp_path: Path) -> None:
    """Four processes claim one key at once: exactly one creates the dispatch."""
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    code = (
        "import sys\n"
        "from labwright.hardware.ledger import Ledger\n"
        "led = Ledger(sys.argv[1])\n"
        "rec, created = led.claim(run_id='run-'+sys.argv[2], idempotency_key='race', backend='twin',"
        " target='', protocol_sha256='x', protocol_name='p', protocol_json='{}', certificate_json='{}',"
        " total_steps=1)\n"
        "print(created, rec.run_id)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), str(i)], stdout=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    outs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert sorted(o[0] for o in outs) == ["False", "False", "False", "True"]
    assert len({o[1] for o in outs}) == 1
    assert len(Ledger(path).list()) == 1


def test_ownership_and_dead_owners(tmp_path: Path) -> None:
    protocol, cert = certify()
    ledger = Ledger(tmp_path / "ledger.sqlite")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert owner_alive(this_owner()) is True
    dead_owner = f"{this_owner().split(':')[0]}:{dead.pid}:1"
    assert owner_alive(dead_owner) is False
    rec, _ = ledger.claim(
        run_id="run-x",
        idempotency_key="own",
        backend="twin",
        target="",
        protocol_sha256=cert.protocol_sha256,
        protocol_name="p",
        protocol_json=canonical_json(protocol),
        certificate_json=cert.model_dump_json(),
        total_steps=3,
        owner=this_owner(),
    )
    assert not ledger.take_ownership("run-x", "otherhost:1:1"), "a live owner keeps its dispatch"
    ledger.update("run-x", owner=dead_owner)
    assert ledger.take_ownership("run-x", this_owner()), "a dead owner's dispatch is taken over"
    assert ledger.get("run-x").owner == this_owner()


def test_reconcile_marks_lost_twin_runs_interrupted(tmp_path: Path) -> None:
    """A twin run whose process died: reconcile (and a repeated key) mark it interrupted, never rerun."""
    protocol, cert = certify()
    ledger = Ledger(tmp_path / "ledger.sqlite")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for key in ("lost-1", "lost-2"):
        ledger.claim(
            run_id=f"run-{key}",
            idempotency_key=key,
            backend="twin",
            target="",
            protocol_sha256=cert.protocol_sha256,
            protocol_name="p",
            protocol_json=canonical_json(protocol),
            certificate_json=cert.model_dump_json(),
            total_steps=3,
            owner=f"{this_owner().split(':')[0]}:{dead.pid}:1",
        )
        ledger.update(f"run-{key}", state=RunState.RUNNING, completed_steps=1, current_step=1)
    d = Dispatcher(TwinBackend(), ledger, FAST_POLICY)
    (rec,) = [r for r in d.reconcile() if r.run_id == "run-lost-1"]
    assert rec.state is RunState.INTERRUPTED and rec.error.code == "RUN_INTERRUPTED"
    assert ledger.get("run-lost-2").state is RunState.INTERRUPTED
    again = d.dispatch(protocol, cert, idempotency_key="lost-1")
    assert again.state is RunState.INTERRUPTED and d.backend._runs == {}


def test_reconcile_refuses_a_tampered_ledger_copy(tmp_path: Path) -> None:
    protocol, cert = certify()
    ledger = Ledger(tmp_path / "ledger.sqlite")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    doc = json.loads(canonical_json(protocol))
    doc["steps"][0]["volume_ul"] = 250
    ledger.claim(
        run_id="run-t",
        idempotency_key="t",
        backend="twin",
        target="",
        protocol_sha256=cert.protocol_sha256,
        protocol_name="p",
        protocol_json=json.dumps(doc),
        certificate_json=cert.model_dump_json(),
        total_steps=3,
        owner=f"{this_owner().split(':')[0]}:{dead.pid}:1",
    )
    (rec,) = Dispatcher(TwinBackend(), ledger, FAST_POLICY).reconcile(resume=True)
    assert rec.state is RunState.REFUSED and rec.error.code == "LEDGER_CERTIFICATE_INVALID"
