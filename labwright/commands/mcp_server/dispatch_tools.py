"""``dispatch``: only with ``labwright mcp --allow-dispatch``, and then only what is certified.

The protocol is verified again under the server's policy by ``labwright run``'s own first step
(``validate_for_run``: a labwright protocol as it is; an Opentrons Python or Protocol Designer
file through its sandboxed analysis, with the runtime parameter values and custom labware
given, its exact bytes kept for dispatch). The certificate the client sends must be this
server's (signed with its key), for exactly these bytes (the SHA-256 of the protocol's canonical
JSON, and for an Opentrons file the file's own bytes, parameter values and labware), with every
required pass, under the server's lab policy, and not expired (``--max-certificate-age``): the
dispatcher's ``check_dispatchable`` refuses anything else. A certificate that lists findings
needing a person's approval is refused unless the server was started with ``--approver NAME``;
the name goes to the ledger. The dispatch goes through the same ``Dispatcher`` and ``Ledger`` as
``labwright run`` (written before anything is sent, under an idempotency key: the same key never
dispatches twice), and its ``origin`` event records that it came from MCP, over which transport,
from which client.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field

from labwright.commands.mcp_server.documents import (
    LabwareArgs,
    ParameterArgs,
    ProtocolArgs,
    analysis_errors,
    analysis_limits_for,
    protocol_file,
)
from labwright.commands.mcp_server.guard import ToolFailure
from labwright.commands.mcp_server.spec import UNTRUSTED, CallContext, ToolSpec, at_most
from labwright.verifiers.certificate import Certificate

#: seconds a dispatch keeps for recording the end of a run within its budget
_RECORD_MARGIN_S = 5.0


@dataclass
class DispatchState:
    """The server's dispatch machinery: one backend, one ledger, one dispatch at a time."""

    backend: Any
    ledger: Any
    lock: threading.Lock = field(default_factory=threading.Lock)


class DispatchArgs(ProtocolArgs, ParameterArgs, LabwareArgs):
    certificate: Certificate = Field(description="the certificate validate returned for this protocol")
    idempotency_key: Annotated[str, at_most(100, "an idempotency key")] | None = Field(
        None,
        description="the same key never dispatches twice: a retry with it returns the run it made "
        "(1-100 letters, digits, '.', '_', ':', '-'); none: a new key",
    )


class DispatchResult(BaseModel):
    ok: bool = Field(description="the run succeeded")
    created: bool = Field(description="a new dispatch; false: the run this idempotency key already made")
    run_id: str
    idempotency_key: str
    state: str
    backend: str
    target: str
    protocol_name: str
    protocol_sha256: str
    completed_steps: int
    total_steps: int
    approved_by: str | None = Field(description="who approved the findings that needed approval")
    origin: dict[str, Any] = Field(description="where the dispatch came from, as the ledger records it")
    error: dict[str, Any] | None
    results: dict[str, Any] | None = Field(description="what the backend measured and reported")


def _verified(args: DispatchArgs, ctx: CallContext) -> tuple[Any, Any]:
    """(the server's own report, the Opentrons file to send or None): ``labwright run``'s first
    step on the protocol text, refused unless it is certified under the certificate's policy."""
    from labwright.commands.run import validate_for_run
    from labwright.verifiers.render import findings_for_llm
    from labwright.verifiers.verifier import VerifyOptions

    config = ctx.config
    with protocol_file(args, config) as doc:
        params = [f"{name}={value}" for name, value in args.parameters.items()]
        with analysis_errors(config):
            limits = analysis_limits_for(doc, args.protocol, ctx)
            options = VerifyOptions(policy_path=config.policy)
            report, source = validate_for_run(doc.path, options, params, doc.labware_paths, limits)
        shown = doc.shown
    if not report.ok or report.protocol is None or report.certificate is None:
        raise ToolFailure(
            "refused",
            f"{shown}: the protocol has errors; nothing was sent\n"
            + findings_for_llm(report.findings, limit=10),
            "fix every error, validate again, and dispatch with the new certificate",
        )
    if args.certificate.policy_sha256 != report.certificate.policy_sha256:
        raise ToolFailure(
            "refused",
            "the certificate was issued under another lab policy than this server's; nothing was sent",
            "validate the protocol with this server and dispatch with the certificate it returns",
        )
    return report, source


def run_dispatch(args: DispatchArgs, ctx: CallContext) -> DispatchResult:
    from labwright.hardware.dispatcher import Dispatcher, DispatchPolicy

    config = ctx.config
    state: DispatchState = ctx.state
    report, source = _verified(args, ctx)
    origin = {"via": "mcp", "transport": config.transport, "client": ctx.client}
    created: list[bool] = []

    def on_recorded(record: Any, is_new: bool) -> None:
        created.append(is_new)
        if not any(e.kind == "origin" for e in state.ledger.events(record.run_id)):
            state.ledger.add_event(record.run_id, "origin", origin)

    if not state.lock.acquire(timeout=max(1.0, config.time_budget_s / 2)):
        raise ToolFailure("busy", "another dispatch is in progress", "try again in a moment")
    try:
        dispatcher = Dispatcher(
            state.backend, state.ledger, DispatchPolicy(max_certificate_age_s=config.max_certificate_age_s)
        )
        dispatcher.reconcile()
        record = dispatcher.dispatch(
            report.protocol,
            args.certificate,  # the client's certificate: checked against these bytes
            idempotency_key=args.idempotency_key,
            approved_by=config.approver,
            on_recorded=on_recorded,
            timeout_s=max(1.0, ctx.left_s() - _RECORD_MARGIN_S),
            source=source,  # an Opentrons file: sent as the very bytes certified
        )
    finally:
        state.lock.release()
    events = state.ledger.events(record.run_id)
    approved = next((e.data.get("by") for e in events if e.kind == "approved"), None)
    recorded_origin = next((e.data for e in events if e.kind == "origin"), {})
    data = record.model_dump(mode="json")
    return DispatchResult(
        ok=record.state.value == "succeeded",
        created=bool(created and created[0]),
        run_id=record.run_id,
        idempotency_key=record.idempotency_key,
        state=record.state.value,
        backend=record.backend,
        target=record.target,
        protocol_name=record.protocol_name,
        protocol_sha256=record.protocol_sha256,
        completed_steps=record.completed_steps,
        total_steps=record.total_steps,
        approved_by=approved,
        origin=recorded_origin,
        error=data.get("error"),
        results=data.get("results"),
    )


def _summary(r: DispatchResult) -> str:
    how = "dispatched" if r.created else "already dispatched under this key"
    return (
        f"{how}: run {r.run_id} on {r.backend} {r.target}".rstrip()
        + f", {r.state} ({r.completed_steps}/{r.total_steps} steps), idempotency key {r.idempotency_key}"
    )


SPEC = ToolSpec(
    name="dispatch",
    title="Dispatch a certified protocol",
    description=(
        "Send a protocol (labwright YAML/JSON, Opentrons Python or Protocol Designer JSON, as text) to "
        "this server's backend ({backend}) and record the run in the run ledger. Only a protocol "
        "certified by validate on this server, for exactly these bytes (and runtime parameter values "
        "and custom labware), is sent: pass the same text and the certificate validate returned. "
        "Findings that need "
        "a person's approval are refused unless the server was started with an approver. Reuse an "
        "idempotency key to retry without dispatching twice." + UNTRUSTED
    ),
    input_model=DispatchArgs,
    output_model=DispatchResult,
    run=run_dispatch,
    summary=_summary,
    read_only=False,
)
