"""The process the crash tests kill: verify a protocol, dispatch it to a robot, wait for the end.

    python dispatch_crash_driver.py --robot URL --store LEDGER --key KEY [--protocol FILE]

Prints ``DISPATCHING`` once the protocol is certified and the dispatch begins, and a JSON line
with the final record when it ends. Run again with the same key after a kill, it continues the
same dispatch.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy
from labwright.hardware.ledger import Ledger
from labwright.hardware.opentrons_http import OpentronsHttpBackend
from labwright.hardware.robot_client import RetryPolicy
from labwright.protocols import read_document
from labwright.verifiers.verifier import verify_document

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "protocols" / "serial_dilution.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--robot", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--protocol", default=str(EXAMPLE))
    args = ap.parse_args()
    report = verify_document(read_document(args.protocol), source=args.protocol)
    assert report.ok and report.certificate is not None and report.protocol is not None
    backend = OpentronsHttpBackend(
        args.robot,
        retry=RetryPolicy(attempts=8, backoff_s=0.02, backoff_max_s=0.2, deadline_s=30),
        timeout_s=2.0,
        poll_s=0.01,
    )
    dispatcher = Dispatcher(backend, Ledger(args.store), DispatchPolicy(poll_s=0.01, stall_timeout_s=30))
    print("DISPATCHING", flush=True)
    record = dispatcher.dispatch(report.protocol, report.certificate, idempotency_key=args.key)
    print(json.dumps({"run_id": record.run_id, "state": record.state.value}), flush=True)


if __name__ == "__main__":
    main()
