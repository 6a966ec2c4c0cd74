"""Dispatch overhead: from a certified protocol to the first robot command, and the ledger's cost.

    .venv/bin/python bench/dispatch_overhead.py [--repeats 20] [--protocol FILE] [--json]

Measures, for one certified protocol (default: the serial dilution example):

* the certificate check (HMAC, hash of the canonical JSON) alone;
* twin: wall time from ``Dispatcher.dispatch`` being called to the twin applying its first
  primitive action, and to the run's end;
* fake robot (real HTTP on 127.0.0.1, ``hardware/fake_robot.py``): wall time from
  ``dispatch`` being called to the server executing the run's first command (server-side
  timestamp), and to the run's end. The fake robot runs the real Opentrons analyzer on the
  first upload and caches it per protocol code afterwards; a real robot analyses every upload
  (seconds), so the first figure is reported apart from the cached ones;
* ledger: cost of one durable progress write (one SQLite transaction, WAL, synchronous=FULL,
  fsync per commit) as written once per protocol step, and of recording a new dispatch.

Prints medians and 90th percentiles of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": _pct(values, 0.9),
        "min": min(values),
        "max": max(values),
    }


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def main() -> None:  # noqa: C901 - one linear benchmark
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--protocol", type=Path, default=ROOT / "examples" / "protocols" / "serial_dilution.yaml")
    ap.add_argument("--ledger-writes", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    home = tempfile.mkdtemp(prefix="labwright-bench-")
    os.environ["LABWRIGHT_HOME"] = home
    from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy, check_dispatchable
    from labwright.hardware.fake_robot import FakeRobot
    from labwright.hardware.ledger import Ledger
    from labwright.hardware.opentrons_http import OpentronsHttpBackend
    from labwright.hardware.robot_client import RetryPolicy
    from labwright.hardware.twin_backend import TwinBackend
    from labwright.protocols import read_document
    from labwright.protocols.io import canonical_json
    from labwright.verifiers.verifier import verify_document

    report = verify_document(read_document(args.protocol), source=str(args.protocol))
    if not report.ok or report.certificate is None or report.protocol is None:
        sys.exit(f"{args.protocol} is not certified; the benchmark needs a certified protocol")
    protocol, cert = report.protocol, report.certificate
    steps = len(protocol.steps)
    policy = DispatchPolicy(poll_s=0.005, stall_timeout_s=None)
    out: dict[str, object] = {
        "protocol": str(args.protocol.relative_to(ROOT)),
        "steps": steps,
        "repeats": args.repeats,
    }

    # certificate check alone
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        check_dispatchable(protocol, cert)
        times.append(time.perf_counter() - t0)
    out["certificate_check_s"] = _summary(times)

    tmp = Path(tempfile.mkdtemp(prefix="labwright-bench-ledger-"))

    # twin
    first, total = [], []
    with Ledger(tmp / "twin.sqlite") as ledger:
        dispatcher = Dispatcher(TwinBackend(), ledger, policy)
        for i in range(args.repeats):
            t0 = time.time()
            record = dispatcher.dispatch(protocol, cert, idempotency_key=f"twin-{i}")
            t1 = time.time()
            assert record.state.value == "succeeded", record.error
            first.append(_ts(record.first_command_at) - t0)
            total.append(t1 - t0)
    out["twin_first_command_s"] = _summary(first)
    out["twin_dispatch_total_s"] = _summary(total)

    # fake robot over HTTP
    first, total = [], []
    with FakeRobot(command_seconds=0.0) as robot, Ledger(tmp / "http.sqlite") as ledger:
        backend = OpentronsHttpBackend(robot.url, poll_s=0.005, retry=RetryPolicy(backoff_s=0.01))
        dispatcher = Dispatcher(backend, ledger, policy)
        for i in range(args.repeats + 1):
            before = len(robot.executed)
            t0 = time.time()
            record = dispatcher.dispatch(protocol, cert, idempotency_key=f"http-{i}")
            t1 = time.time()
            assert record.state.value == "succeeded", record.error
            t_first = robot.executed_at[before] - t0
            if i == 0:
                out["http_first_dispatch_with_real_analysis"] = {
                    "first_command_s": t_first,
                    "total_s": t1 - t0,
                    "commands": len(robot.executed) - before,
                }
            else:
                first.append(t_first)
                total.append(t1 - t0)
        out["http_requests_per_dispatch"] = len(robot.requests) / (args.repeats + 1)
    out["http_first_command_s"] = _summary(first)
    out["http_dispatch_total_s"] = _summary(total)

    # ledger costs
    with Ledger(tmp / "cost.sqlite") as ledger:
        claim = []
        for i in range(50):
            t0 = time.perf_counter()
            ledger.claim(
                run_id=f"run-{i}",
                idempotency_key=f"k-{i}",
                backend="twin",
                target="",
                protocol_sha256=cert.protocol_sha256,
                protocol_name=protocol.metadata.name,
                protocol_json=canonical_json(protocol),
                certificate_json=cert.model_dump_json(),
                total_steps=steps,
            )
            claim.append(time.perf_counter() - t0)
        writes = []
        for i in range(args.ledger_writes):
            t0 = time.perf_counter()
            ledger.update(
                "run-0",
                state="running",
                completed_steps=i % (steps + 1),
                current_step=i % steps,
                event=("progress", {"completed_steps": i % (steps + 1), "current_step": i % steps}),
            )
            writes.append(time.perf_counter() - t0)
    out["ledger_claim_s"] = _summary(claim)
    out["ledger_progress_write_s"] = _summary(writes)
    out["ledger_filesystem_dir"] = str(tmp)

    if args.json:
        print(json.dumps(out, indent=2))
        return
    ms = 1000.0
    print(f"protocol {out['protocol']} ({steps} steps), {args.repeats} repeats; medians (p90)")
    rows = [
        ("certificate check", out["certificate_check_s"]),
        ("twin: dispatch -> first action", out["twin_first_command_s"]),
        ("twin: dispatch -> run ended", out["twin_dispatch_total_s"]),
        ("fake robot: dispatch -> first command", out["http_first_command_s"]),
        ("fake robot: dispatch -> run ended", out["http_dispatch_total_s"]),
        ("ledger: record a new dispatch", out["ledger_claim_s"]),
        ("ledger: one durable progress write (per step)", out["ledger_progress_write_s"]),
    ]
    for name, s in rows:
        assert isinstance(s, dict)
        print(f"  {name:<48} {s['median'] * ms:9.3f} ms  ({s['p90'] * ms:.3f} ms)")
    fd = out["http_first_dispatch_with_real_analysis"]
    assert isinstance(fd, dict)
    print(
        f"  first fake-robot dispatch, real Opentrons analysis: first command after "
        f"{fd['first_command_s']:.2f} s, ended after {fd['total_s']:.2f} s ({fd['commands']} commands)"
    )
    print(f"  HTTP requests per dispatch (incl. polling): {out['http_requests_per_dispatch']:.0f}")


if __name__ == "__main__":
    main()
