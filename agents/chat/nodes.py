"""The chat graph's nodes: small functions from the state to the keys they change.

    understand -> plan -> compile -> verify -> (repair -> compile -> verify)* -> approve
               -> dispatch -> observe -> respond

Only the planner nodes (understand, plan, repair) run a planner, and what they return is a
proposal (``draft``). ``compile`` and ``verify`` are labwright's own code; only they write
``protocol``, ``protocol_sha256``, ``findings`` and ``certificate``. ``approve`` reads the
settings and, in ``ask`` mode or when a finding needs a person, interrupts the graph for a
person's decision about exactly this protocol hash. ``dispatch`` is reached only from an
approval and sends through the certificate-gated dispatcher under the idempotency key
``<run id>:<protocol sha256>`` (the ledger never dispatches one key twice).

Routing (:func:`after_verify`): a certificate goes to approval; a safety or policy error is a
refusal (no repair may take a hazard away); other errors are repaired at most
``max_rounds`` times, then the run ends without dispatch and says why.

A campaign request (``labwright.agents.chat.campaigns``) is read by the offline campaign
grammar in ``understand``; ``plan`` checks the campaign and drafts its first experiment's
protocol, which is compiled, verified and approved like any other (never repaired); ``dispatch``
starts the campaign under the key ``<run id>.campaign``; ``observe`` reads it back.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labwright.agents.chat import deck
from labwright.agents.chat.drafts import (
    REFUSING_CATEGORIES,
    document_changes,
    identity_changes,
    refusal_text,
    refusing_errors,
)
from labwright.agents.chat.planners import Planner, PlannerFailedError, Understanding
from labwright.agents.chat.state import ChatSettings, ChatState
from labwright.protocols.findings import Finding, Severity

log = logging.getLogger(__name__)

HOLD_ENV = "LABWRIGHT_CHAT_HOLD_AT"


@dataclass
class Services:
    """What the nodes need besides the state: the planner, the store, the signing key."""

    planner: Planner
    store_path: Path
    certificate_key: bytes | None = None
    make_backend: Callable[[ChatSettings], Any] | None = None
    hold_points: frozenset[str] = field(default_factory=lambda: _hold_points())


def _hold_points() -> frozenset[str]:
    return frozenset(p.strip() for p in os.environ.get(HOLD_ENV, "").split(",") if p.strip())


def hold(services: Services, point: str) -> None:
    """Crash-test seam: at a listed point (``before:NODE`` / ``after:NODE``) say so and wait to be
    killed. Inert unless ``$LABWRIGHT_CHAT_HOLD_AT`` names the point."""
    if point in services.hold_points:
        sys.stderr.write(f"HOLD {point}\n")
        sys.stderr.flush()
        while True:
            time.sleep(3600)


#: where :func:`emit` sends progress while a graph runs (set by the runner around each stream)
PROGRESS: ContextVar[Callable[[str, str], None] | None] = ContextVar("labwright_chat_progress", default=None)


def emit(node: str, message: str) -> None:
    """A progress line, handed at once to the callback the runner set in :data:`PROGRESS`.

    Not LangGraph's ``custom`` stream mode: with it, LangGraph runs every node on a worker
    thread and waits for it beside a stream waiter (``PregelRunner.tick`` leaves its one-task
    fast path), which cost about 1 ms per step on this machine and more under load. A context
    variable reaches the node wherever it runs (LangGraph copies the context into its threads).
    """
    callback = PROGRESS.get()
    if callback is None:  # called outside a graph run
        log.debug("%s: %s", node, message)
        return
    callback(node, message)


def event(node: str, message: str) -> list[dict[str, Any]]:
    """One entry of the state's ``events`` (appended by the reducer)."""
    return [{"node": node, "message": message, "at": datetime.now(UTC).isoformat(timespec="seconds")}]


_event = event


def _settings(state: ChatState) -> ChatSettings:
    return ChatSettings.model_validate(state.get("settings") or {})


def _findings(state: ChatState) -> list[Finding]:
    return [Finding.model_validate(f) for f in state.get("findings") or []]


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


# ----------------------------------------------------------------------------- planning


def _understood_campaign(campaign: Any) -> dict[str, Any]:
    update: dict[str, Any] = {
        "understood": campaign.understood,
        "purpose": campaign.purpose,
        "plan": list(campaign.plan),
        "not_understood": list(campaign.not_understood),
        "draft": None,
        "events": _event("understand", campaign.understood or "campaign request not understood"),
    }
    if campaign.document is not None:
        update["campaign"] = {
            "document": campaign.document,
            "source": campaign.source,
            "backend": campaign.backend,
        }
    if campaign.refusal:
        update["refused"] = campaign.refusal
    return update


def understand(state: ChatState, services: Services) -> dict[str, Any]:
    """The request read by the planner; a campaign request by the campaign grammar, whichever
    planner is configured (a planner drafts protocols, not campaign files)."""
    from labwright.agents.planner import plan_campaign_offline

    campaign = plan_campaign_offline(state["request"])
    if campaign is not None:
        emit("understand", "reading a campaign request (the offline campaign grammar)")
        return _understood_campaign(campaign)
    emit("understand", f"reading the request ({services.planner.name} planner)")
    try:
        u = services.planner.understand(state["request"])
    except PlannerFailedError as exc:
        return {
            "refused": f"the planner could not read the request: {exc.message}",
            "events": _event("understand", exc.message),
        }
    update: dict[str, Any] = {
        "understood": u.understood,
        "purpose": u.purpose,
        "plan": u.plan,
        "not_understood": u.not_understood,
        "draft": u.document,
        "events": _event("understand", u.understood or "nothing understood"),
    }
    if u.refusal:
        update["refused"] = u.refusal
    return update


def _plan_campaign(state: ChatState) -> dict[str, Any]:
    """The campaign checked by labwright's own code; its first proposal's protocol is the draft."""
    from labwright.agents.chat.campaigns import CampaignRefused, prepare

    settings = _settings(state)
    emit("plan", "checking the campaign and compiling its first proposal")
    try:
        update = prepare(state.get("campaign") or {}, settings.backend, settings.robot)
    except CampaignRefused as exc:
        return {"refused": f"refused: {exc}", "events": _event("plan", str(exc))}
    first = ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in update["campaign"]["first_proposal"].items()
    )
    return {**update, "events": _event("plan", f"campaign checked; first proposal {first}")}


def plan(state: ChatState, services: Services) -> dict[str, Any]:
    if state.get("campaign") is not None and state.get("draft") is None:
        return _plan_campaign(state)
    if state.get("draft") is not None:
        return {"events": _event("plan", f"drafted by the {services.planner.name} planner")}
    emit("plan", "drafting the protocol")
    u = Understanding(
        understood=state.get("understood", ""),
        purpose=state.get("purpose", ""),
        plan=state.get("plan") or [],
        not_understood=state.get("not_understood") or [],
    )
    try:
        draft = services.planner.draft(state["request"], u)
    except PlannerFailedError as exc:
        return {"draft_note": exc.message, "events": _event("plan", exc.message)}
    note = draft.note or ("" if draft.document is not None else "the planner produced no protocol")
    return {"draft": draft.document, "draft_note": note, "events": _event("plan", note or "draft ready")}


def compile_draft(state: ChatState, services: Services) -> dict[str, Any]:
    """The draft into the protocol language: a Protocol, or schema findings. Voids any certificate."""
    from labwright.protocols.io import protocol_sha256, to_document
    from labwright.verifiers.passes.schema import schema_pass

    emit("compile", "compiling the draft into the protocol language")
    protocol, findings = schema_pass(state.get("draft") or {})
    cleared: dict[str, Any] = {"certificate": None, "end_state": None, "approval": None}
    if protocol is None:
        return {
            **cleared,
            "protocol": None,
            "protocol_sha256": None,
            "findings": [f.model_dump(mode="json") for f in findings],
            "events": _event("compile", f"{len(findings)} schema finding(s)"),
        }
    return {
        **cleared,
        "protocol": to_document(protocol, exclude_defaults=True),
        "protocol_sha256": protocol_sha256(protocol),
        "findings": [],
        "events": _event("compile", f"{len(protocol.steps)} steps"),
    }


def verify(state: ChatState, services: Services) -> dict[str, Any]:
    """Every verifier pass, safety and policy included; a certificate when there is no error."""
    from labwright.protocols.io import parse_protocol
    from labwright.verifiers.verifier import VerifyOptions
    from labwright.verifiers.verifier import verify as run_verifier

    if state.get("protocol") is None:
        return {"events": _event("verify", "nothing to verify: the draft is not a protocol")}
    settings = _settings(state)
    emit("verify", "verifying: schema, references, hardware, replay, safety, policy")
    protocol = parse_protocol(state["protocol"])
    options = VerifyOptions(
        strict=settings.strict,
        key=services.certificate_key,
        policy_path=Path(settings.policy_path) if settings.policy_path else None,
    )
    report = run_verifier(protocol, options)
    if report.protocol_sha256 != state.get("protocol_sha256"):
        raise RuntimeError("the verified protocol is not the compiled one")  # a labwright bug
    certificate = report.certificate.model_dump(mode="json") if report.certificate else None
    update: dict[str, Any] = {
        "findings": [f.model_dump(mode="json") for f in report.findings],
        "certificate": certificate,
        "events": _event(
            "verify", "certified" if certificate else f"{len(_errors(report.findings))} error(s)"
        ),
    }
    if certificate is not None:
        emit("verify", "simulating the end state on the deck twin")
        update["end_state"] = deck.end_state(protocol)
    return update


def repair(state: ChatState, services: Services) -> dict[str, Any]:
    round_ = int(state.get("repair_rounds") or 0) + 1
    before = state.get("draft") or {}
    emit("repair", f"repair round {round_}: {len(_errors(_findings(state)))} error(s) to fix")
    try:
        draft = services.planner.repair(state["request"], before, _findings(state), round_)
    except PlannerFailedError as exc:
        return {
            "repair_rounds": round_,
            "refused": f"the planner could not repair the draft: {exc.message}",
            "events": _event("repair", exc.message),
        }
    if draft.gave_up or draft.document is None:
        why = draft.note or "the planner gave up"
        return {
            "repair_rounds": round_,
            "refused": f"{why}; the protocol still has errors",
            "events": _event("repair", why),
        }
    changed_identity = identity_changes(before, draft.document)
    if changed_identity:
        return {
            "repair_rounds": round_,
            "refused": "a repair may not change what a declared liquid is: " + "; ".join(changed_identity),
            "events": _event("repair", "identity change refused"),
        }
    entry = {"round": round_, "planner_says": draft.changes, "diff": document_changes(before, draft.document)}
    return {
        "draft": draft.document,
        "repair_rounds": round_,
        "changes": [*(state.get("changes") or []), entry],
        "events": _event("repair", f"round {round_}: {len(entry['diff'])} change(s)"),
    }


def after_understand(state: ChatState) -> str:
    if state.get("refused"):
        return "respond"
    if state.get("draft") is None and not state.get("plan"):
        return "respond"  # nothing understood: say so instead of guessing
    return "plan"


def after_plan(state: ChatState) -> str:
    return "compile" if state.get("draft") is not None else "respond"


def after_verify(state: ChatState) -> str:
    if state.get("certificate") is not None:
        return "approve"
    if state.get("campaign") is not None:
        return "respond"  # the template makes every experiment: no repair of one draft helps
    findings = _findings(state)
    if refusing_errors(findings):
        return "respond"
    if int(state.get("repair_rounds") or 0) < _settings(state).max_rounds:
        return "repair"
    return "respond"


def after_repair(state: ChatState) -> str:
    return "respond" if state.get("refused") else "compile"


def verdict(state: ChatState) -> str | None:
    """Why nothing will be dispatched, from the findings (None when certified)."""
    if state.get("certificate") is not None:
        return None
    findings = _findings(state)
    if state.get("campaign") is not None and state.get("protocol_sha256") is not None:
        errors = _errors(findings)
        return (
            "refused: the campaign's template does not give a verified protocol for its first proposal "
            "(nothing was started): " + refusal_text(errors or findings)
        )
    hazards = refusing_errors(findings)
    if hazards:
        return "refused: " + refusal_text(hazards)
    errors = _errors(findings)
    if errors:
        rounds = int(state.get("repair_rounds") or 0)
        return (
            f"the protocol still has {len(errors)} error(s) after {rounds} repair round(s): "
            + refusal_text(errors)
        )
    return None


# ------------------------------------------------------------------------------ approval


def judgement_needed(finding: Finding) -> bool:
    """A warning only a person can weigh: a chemical-safety or lab-policy warning (an unknown
    chemical is certified with a warning, and unknown is never safe). ``--approve auto`` stops
    for a person on these, as on the certificate's ``approvals_required``."""
    return finding.severity is Severity.WARNING and finding.category in REFUSING_CATEGORIES


def _approval(approved: bool, by: str, mode: str, sha: str, reason: str = "") -> dict[str, Any]:
    return {
        "approved": approved,
        "by": by,
        "mode": mode,
        "protocol_sha256": sha,
        "reason": reason,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def approve(state: ChatState, services: Services) -> dict[str, Any]:
    """Approve per the mode; a person's decision (an interrupt) in ``ask`` mode or when needed."""
    from labwright.verifiers.certificate import Certificate, check_certificate
    from langgraph.types import interrupt

    settings = _settings(state)
    sha = state.get("protocol_sha256") or ""
    certificate = Certificate.model_validate(state["certificate"])
    invalid = check_certificate(certificate, sha, services.certificate_key)
    if invalid is not None:  # never expected: the certificate was issued by the verify node
        return {
            "approval": _approval(False, "labwright", settings.approve, sha, invalid),
            "events": _event("approve", invalid),
        }
    needs_person = list(certificate.approvals_required) + [
        f"{f.code}: {f.message}" for f in _findings(state) if judgement_needed(f)
    ]
    campaign = state.get("campaign")
    if campaign is not None and certificate.approvals_required:
        why = (
            "the campaign runs unattended and its protocols need a person's approval each ("
            + "; ".join(certificate.approvals_required)
            + "): every experiment would be recorded infeasible"
        )
        return {
            "approval": _approval(False, "labwright", settings.approve, sha, why),
            "events": _event("approve", why),
        }
    if settings.approve == "never":
        return {
            "approval": _approval(False, "dry run", "never", sha, "--approve never: a dry run"),
            "events": _event("approve", "dry run: not dispatched"),
        }
    if settings.approve == "auto" and not needs_person:
        return {
            "approval": _approval(True, "auto", "auto", sha),
            "events": _event("approve", "approved automatically (certified, nothing needs a person)"),
        }
    question: dict[str, Any] = {
        "kind": "approval",
        "run_id": state["run_id"],
        "protocol_sha256": sha,
        "approvals_required": needs_person,
    }
    if campaign is not None:  # what will run: the campaign, and its first protocol as the sample
        question |= {"kind": "campaign_approval", "campaign": campaign.get("summary")}
    decision = interrupt(question)
    return {
        "approval": _decision(decision, sha, needs_person, settings.approve),
        "events": _event("approve", "decision received"),
    }


def _decision(decision: Any, sha: str, needs_person: list[str], mode: str) -> dict[str, Any]:
    """A person's answer, checked: it must name this protocol's hash, and a name when needed."""
    if not isinstance(decision, dict) or not isinstance(decision.get("approved"), bool):
        return _approval(False, "", mode, sha, "no usable decision")
    by = str(decision.get("by") or "").strip()
    if decision.get("protocol_sha256") != sha:
        return _approval(False, by, mode, sha, "the decision was about another protocol")
    if decision["approved"] and needs_person and not by:
        return _approval(False, by, mode, sha, "findings need a named person's approval")
    return _approval(decision["approved"], by or "person", mode, sha, str(decision.get("reason") or ""))


def after_approve(state: ChatState) -> str:
    approval = state.get("approval") or {}
    return "dispatch" if approval.get("approved") is True else "respond"


# ------------------------------------------------------------------------------ dispatch


def _backend(settings: ChatSettings, services: Services) -> Any:
    if services.make_backend is not None:
        return services.make_backend(settings)
    from labwright.hardware.registry import make_backend

    return make_backend(settings.backend, robot=settings.robot)


def idempotency_key(run_id: str, sha: str) -> str:
    return f"{run_id}:{sha}"


def _dispatch_campaign(state: ChatState, services: Services) -> dict[str, Any]:
    """Start the approved campaign once (its run id is the key), in the foreground or not."""
    from labwright.agents.chat import campaigns
    from labwright.protocols.errors import LabwrightError

    settings = _settings(state)
    approval = state.get("approval") or {}
    run_id = campaigns.campaign_run_id(state["run_id"])
    where = "in the background" if settings.campaign_background else "here, until its target or budget"
    emit("dispatch", f"starting campaign {run_id} on the {settings.backend} backend {where}")

    budget = ((state.get("campaign") or {}).get("summary") or {}).get("budget")

    def progress(e: Any, experiments: list[Any]) -> None:
        values = ", ".join(f"{k} {v:.3g}" for k, v in (e.objectives or {}).items())
        emit("dispatch", f"experiment {e.index} of at most {budget}: {e.status} {values}".rstrip())

    try:
        started = campaigns.start(
            (state.get("campaign") or {})["document"],
            run_id=run_id,
            approved_by=str(approval.get("by") or ""),
            store=services.store_path,
            background=settings.campaign_background,
            on_experiment=progress,
        )
    except LabwrightError as exc:
        return {
            "dispatched": False,
            "refused": f"the campaign did not start: {exc.message}",
            "events": _event("dispatch", exc.message),
        }
    return {
        "dispatched": True,
        "campaign_run": {**started, "approved_by": approval.get("by")},
        "events": _event("dispatch", f"campaign {run_id} {'started' if started['started'] else 'continued'}"),
    }


def dispatch(state: ChatState, services: Services) -> dict[str, Any]:
    """Send the certified bytes through the dispatcher and its ledger (once per key)."""
    if state.get("campaign") is not None:
        return _dispatch_campaign(state, services)
    from labwright.hardware.dispatcher import Dispatcher
    from labwright.hardware.ledger import Ledger
    from labwright.protocols.errors import DispatchRefusedError
    from labwright.protocols.io import parse_protocol
    from labwright.verifiers.certificate import Certificate

    settings = _settings(state)
    sha = state["protocol_sha256"] or ""
    protocol = parse_protocol(state["protocol"])
    certificate = Certificate.model_validate(state["certificate"])
    approval = state.get("approval") or {}
    emit("dispatch", f"dispatching to the {settings.backend} backend")
    ledger = Ledger(services.store_path)
    try:
        dispatcher = Dispatcher(
            _backend(settings, services), ledger, certificate_key=services.certificate_key
        )
        record = dispatcher.dispatch(
            protocol,
            certificate,
            idempotency_key=idempotency_key(state["run_id"], sha),
            run_id=state["run_id"],
            approved_by=approval.get("by") or None,
            on_progress=lambda p: emit(
                "dispatch", f"{p.state.value}: {p.completed_steps}/{p.total_steps} steps"
            ),
        )
    except DispatchRefusedError as exc:
        return {
            "dispatched": False,
            "refused": f"the dispatcher refused: {exc.message}",
            "events": _event("dispatch", exc.message),
        }
    finally:
        ledger.close()
    return {
        "dispatched": True,
        "dispatch": {
            "run_id": record.run_id,
            "idempotency_key": record.idempotency_key,
            "state": record.state.value,
            "backend": record.backend,
        },
        "events": _event("dispatch", f"run {record.run_id}: {record.state.value}"),
    }


def observe(state: ChatState, services: Services) -> dict[str, Any]:
    """Read the run's outcome and measurements back from the ledger."""
    from labwright.hardware.ledger import Ledger

    emit("observe", "reading the results")
    if state.get("campaign") is not None:
        from labwright.agents.chat.campaigns import status

        run = state.get("campaign_run") or {}
        if not run.get("run_id"):
            return {"events": _event("observe", "no campaign was started")}
        now = status(run["run_id"], services.store_path)
        return {"campaign_run": {**run, **now}, "events": _event("observe", f"campaign {now['state']}")}
    dispatched = state.get("dispatch") or {}
    if not dispatched.get("run_id"):  # the dispatcher refused: there is no run to read
        return {"events": _event("observe", "nothing was dispatched")}
    with Ledger(services.store_path) as ledger:
        record = ledger.get(dispatched["run_id"])
    results = record.results
    return {
        "results": {
            "state": record.state.value,
            "completed_steps": record.completed_steps,
            "total_steps": record.total_steps,
            "error": record.error.model_dump(mode="json") if record.error else None,
            "measurements": [m.model_dump(mode="json") for m in results.measurements] if results else [],
            "log": list(results.log[-20:]) if results else [],
        },
        "events": _event("observe", record.state.value),
    }


def respond(state: ChatState, services: Services) -> dict[str, Any]:
    from labwright.agents.chat.respond import compose, why_not_dispatched

    refused = state.get("refused") or verdict(state) or why_not_dispatched(state)
    text = compose({**state, "refused": refused})
    return {"refused": refused, "response": text, "events": _event("respond", "done")}
