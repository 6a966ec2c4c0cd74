"""What every closed-loop campaign shares: round keys, plate wells, certified dispatch with retries.

A campaign dispatches each round (or each experiment) under an idempotency key derived from its
campaign id, ``<campaign>:r<round>`` (plus ``:e<experiment>`` when a round holds several
protocols). The dispatcher and the ledger make that key safe to replay: a finished dispatch is
read back instead of run again. An in-process (twin) run that died with its process is marked
``interrupted`` by the dispatcher; it produced no measurement, so it is run again under
``<key>:a<attempt>`` (at most ``MAX_ATTEMPTS``), and the ledger keeps both rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger, RunRecord
from labwright.hardware.models import RunState
from labwright.protocols.errors import DispatchRefusedError
from labwright.protocols.models import Protocol
from labwright.verifiers.certificate import Certificate

ROWS = "ABCDEFGH"
MAX_ATTEMPTS = 3
RUN_STATES = ("succeeded", "refused", "failed", "interrupted", "stopped")


def attempt_key(base: str, attempt: int = 1) -> str:
    """The idempotency key of one attempt: the base key, then ``<base>:a2``, ``<base>:a3``."""
    return base if attempt == 1 else f"{base}:a{attempt}"


def round_key(campaign_id: str, rnd: int, attempt: int = 1) -> str:
    return attempt_key(f"{campaign_id}:r{rnd}", attempt)


def well_name(index: int) -> str:
    """Column-major well names of a 96-well plate: A1, B1, ..., H1, A2, ..."""
    return f"{ROWS[index % 8]}{index // 8 + 1}"


@dataclass
class DispatchOutcome:
    """What dispatching one certified protocol under a base key came to."""

    key: str
    status: str  # one of RUN_STATES
    record: RunRecord | None = None
    reused: bool = False  # read back from the ledger, not dispatched by this call
    errors: list[str] = field(default_factory=list)


def dispatch_with_attempts(
    dispatcher: Dispatcher,
    ledger: Ledger,
    protocol: Protocol,
    certificate: Certificate,
    base_key: str,
    *,
    approved_by: str | None = None,
) -> DispatchOutcome:
    """Dispatch under ``base_key``; a run interrupted by a dead process moves to the next attempt.

    A refusal by the dispatcher (another protocol under the key, a missing approval) is an
    outcome with ``status='refused'`` and no record, never an exception.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        key = attempt_key(base_key, attempt)
        existing = ledger.get_by_key(key)
        if existing is not None and existing.state is RunState.INTERRUPTED:
            continue  # that process died mid-run: a new attempt under a new key
        try:
            record = dispatcher.dispatch(protocol, certificate, idempotency_key=key, approved_by=approved_by)
        except DispatchRefusedError as exc:
            return DispatchOutcome(key, "refused", errors=[f"dispatch refused: {exc.message}"])
        if record.state is RunState.INTERRUPTED:
            continue  # found orphaned just now (its process is dead): the next attempt
        status = record.state.value if record.state.value in RUN_STATES else "failed"
        out = DispatchOutcome(key, status, record, reused=existing is not None)
        if record.error is not None:
            out.errors.append(f"{record.error.code}: {record.error.message}")
        return out
    last = attempt_key(base_key, MAX_ATTEMPTS)
    return DispatchOutcome(last, "interrupted", errors=[f"{MAX_ATTEMPTS} attempts were interrupted"])
