"""The unattended loop: propose -> compile -> verify -> dispatch -> measure -> update, until done.

Durability (a campaign killed at any point and resumed loses no measurement and repeats no
dispatched experiment):

* a round's proposals are written to the campaign store *before* any is compiled or sent, so a
  resumed campaign runs exactly those parameters (it never asks the optimiser again for a round
  it already has);
* each experiment is dispatched under the idempotency key ``<run id>:r<round>:e<experiment>``
  (``agents.closed_loop``): the dispatcher writes the ledger row before anything is sent and a
  key that already finished is read back, never run again; an in-process twin run that died
  with its process produced no measurement and is run again under ``...:a2`` (the ledger keeps
  the interrupted row);
* the measurement comes from the ledger's record of that run, so an experiment measured just
  before a crash is recorded on resume without dispatching it again.

Every experiment is a generated protocol that passed the verifier (formal, safety and policy
passes): one that fails is ``infeasible``, with its findings, and the optimiser learns from it;
one whose certificate needs a person's approval is infeasible too (nobody approves while the
campaign runs unattended). Campaign rows live beside the ledger (``store``).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labwright.agents.campaign.offline import findings_text, predicted_measurement
from labwright.agents.campaign.optimizers import Observation, make_optimizer
from labwright.agents.campaign.results import CampaignResult, build_result, objectives_met
from labwright.agents.campaign.space import Space
from labwright.agents.campaign.spec import CampaignSpec
from labwright.agents.campaign.store import CampaignStore, ExperimentRecord
from labwright.agents.campaign.template import InfeasibleProposal, compile_experiment, experiment_well
from labwright.agents.campaign.twins import build_twin
from labwright.agents.closed_loop import dispatch_with_attempts
from labwright.hardware.dispatcher import Dispatcher
from labwright.hardware.ledger import Ledger, RunRecord, owner_alive, this_owner
from labwright.protocols.errors import ConfigurationError, UnusableInputError
from labwright.simulators.chemistry.base import ChemistryTwin
from labwright.verifiers.verifier import VerifyOptions, verify
from pydantic import ValidationError

log = logging.getLogger(__name__)

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
Callback = Callable[[ExperimentRecord, list[ExperimentRecord]], None]


def new_campaign_run_id(name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{name[:40]}-{stamp}-{secrets.token_hex(2)}"


def round_seed(seed: int, rnd: int) -> int:
    """The optimiser's seed for one round: a pure function of the campaign seed and the round."""
    return seed * 100_003 + rnd


def check_run_id(run_id: str) -> str:
    if not RUN_ID_RE.match(run_id):
        raise UnusableInputError(
            f"run id {run_id!r} is not usable",
            hint="use 1-64 characters: letters, digits, '.', '_', '-' (it names ledger keys)",
        )
    return run_id


def lookup(measurement: dict[str, Any], path: str) -> float:
    """A measured value by dotted path ('yield_pct', 'concentrations_M.ortho product')."""
    value: Any = measurement
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"the measurement has no {path!r} (it has {', '.join(sorted(measurement))})")
        value = value[part]
    return float(value)


def objective_values(spec: CampaignSpec, measurement: dict[str, Any]) -> dict[str, float]:
    """Each objective's value from a measurement (a colour difference is computed here)."""
    from labwright.simulators.chemistry.cie import delta_e2000

    out: dict[str, float] = {}
    for o in spec.objectives:
        cd = o.colour_difference
        if cd is None:
            out[o.name] = lookup(measurement, o.key)
        else:
            lab = tuple(lookup(measurement, k) for k in cd.measured)
            out[o.name] = delta_e2000(lab, cd.lab())  # type: ignore[arg-type]
    return out


@dataclass
class _Context:
    spec: CampaignSpec
    run_id: str
    ledger: Ledger
    store: CampaignStore
    twin: ChemistryTwin
    dispatcher: Dispatcher | None = None
    dispatched: int = 0


# ------------------------------------------------------------------------------- backend


def _dispatcher(ctx: _Context, key: str) -> Dispatcher:
    """The twin backend measures with the chemistry twin keyed to this experiment; the other
    backends are one instance for the whole campaign."""
    from labwright.hardware.registry import make_backend

    options = dict(ctx.spec.backend_options)
    if ctx.spec.backend == "twin":
        hook = ctx.twin.for_experiment(key)
        backend = make_backend("twin", measurement_hook=hook, hook_name=hook.__name__, **options)
        return Dispatcher(backend, ctx.ledger)
    if ctx.dispatcher is None:
        backend = make_backend(ctx.spec.backend, robot=ctx.spec.robot, **options)
        ctx.dispatcher = Dispatcher(backend, ctx.ledger)
    return ctx.dispatcher


def _reconcile(ctx: _Context) -> None:
    from labwright.hardware.registry import make_backend

    try:
        backend = make_backend(ctx.spec.backend, robot=ctx.spec.robot, **ctx.spec.backend_options)
    except TypeError as exc:
        raise UnusableInputError(
            f"backend_options: the {ctx.spec.backend} backend does not take them ({exc})",
            hint="e.g. {action_delay_s: 0.05} for the twin",
        ) from None
    Dispatcher(backend, ctx.ledger).reconcile()  # orphaned twin runs become 'interrupted'


# ---------------------------------------------------------------------------- experiment


def _measurement(
    ctx: _Context, record: RunRecord, protocol: Any, key: str, well: str
) -> dict[str, Any] | None:
    results = record.results
    if results is not None and results.measurements:
        m = results.measurements[-1]
        values = m.values.get(well)
        return None if values is None else {**values, "source": m.source or record.backend}
    # a backend without an instrument (the Opentrons simulator, a robot without a reader): the
    # chemistry twin predicts the reading from the deck twin's replay of the same bytes
    values = predicted_measurement(protocol, ctx.twin.for_experiment(key), well)
    return (
        None if values is None else {**values, "source": f"{ctx.twin.__name__} prediction ({record.backend})"}
    )


def run_experiment(ctx: _Context, e: ExperimentRecord) -> None:
    """Compile, verify, dispatch and measure one proposed experiment; record what happened."""
    spec, store, rid = ctx.spec, ctx.store, ctx.run_id
    try:
        protocol = compile_experiment(spec, e.parameters, e.index)
    except InfeasibleProposal as exc:  # no protocol can do this: learnt from like a refused one
        store.update_experiment(rid, e.index, status="infeasible", errors=[f"TEMPLATE_INFEASIBLE: {exc}"])
        return
    report = verify(protocol, VerifyOptions(strict=spec.strict))
    warnings, errors = findings_text(report, "warning"), findings_text(report, "error")
    fields: dict[str, Any] = {"protocol_sha256": report.protocol_sha256, "warnings": warnings}
    if not report.ok or report.certificate is None:
        store.update_experiment(
            rid, e.index, status="infeasible", errors=errors or ["no certificate"], **fields
        )
        return
    if report.certificate.approvals_required:
        need = "; ".join(report.certificate.approvals_required)
        store.update_experiment(
            rid,
            e.index,
            status="infeasible",
            errors=[f"needs a person's approval (unattended): {need}"],
            **fields,
        )
        return
    key = f"{rid}:r{e.round}:e{e.index}"
    outcome = dispatch_with_attempts(_dispatcher(ctx, key), ctx.ledger, protocol, report.certificate, key)
    ctx.dispatched += int(outcome.record is not None and not outcome.reused)
    fields |= {"idempotency_key": outcome.key}
    if outcome.record is not None:
        fields["ledger_run_id"] = outcome.record.run_id
    if outcome.status != "succeeded" or outcome.record is None:
        store.update_experiment(
            rid, e.index, status="failed", errors=outcome.errors or [outcome.status], **fields
        )
        return
    well = experiment_well(e.index)
    measurement = _measurement(ctx, outcome.record, protocol, key, well)
    try:
        if measurement is None:
            raise KeyError(f"the run measured nothing in well {well}")
        objectives = objective_values(spec, measurement)
    except (KeyError, TypeError, ValueError) as exc:
        store.update_experiment(
            rid, e.index, status="failed", errors=[str(exc)], measurement=measurement, **fields
        )
        return
    store.update_experiment(
        rid, e.index, status="measured", measurement=measurement, objectives=objectives, **fields
    )


# ---------------------------------------------------------------------------------- loop


def _observations(experiments: list[ExperimentRecord]) -> list[Observation]:
    out = []
    for e in experiments:
        if e.status == "measured":
            out.append(Observation(e.parameters, e.objectives, True, e.measurement))
        elif e.status == "infeasible":
            out.append(Observation(e.parameters, None, False))
        # failed runs (a robot error, a lost measurement) say nothing about the chemistry
    return out


def _stop_reason(spec: CampaignSpec, experiments: list[ExperimentRecord]) -> str | None:
    if spec.stop_on_target and any(
        e.status == "measured" and objectives_met(list(spec.objectives), e.objectives) for e in experiments
    ):
        return "target reached"
    if len(experiments) >= spec.budget:
        return "budget spent"
    return None


def _loop(ctx: _Context, on_experiment: Callback | None) -> str:
    spec = ctx.spec
    optimizer = make_optimizer(spec.optimizer, Space.of(spec), list(spec.objectives), initial=spec.initial)
    while True:
        experiments = ctx.store.experiments(ctx.run_id)
        for e in experiments:
            if e.status == "proposed":
                run_experiment(ctx, e)
                experiments = ctx.store.experiments(ctx.run_id)
                if on_experiment is not None:
                    on_experiment(next(x for x in experiments if x.index == e.index), experiments)
        reason = _stop_reason(spec, experiments)
        if reason is not None:
            return reason
        rnd = max((e.round for e in experiments), default=0) + 1
        n = min(spec.batch, spec.budget - len(experiments))
        proposals = optimizer.propose(_observations(experiments), n, round_seed(spec.seed, rnd))
        ctx.store.add_proposals(ctx.run_id, rnd, len(experiments) + 1, proposals)


def _result(ctx: _Context) -> CampaignResult:
    record = ctx.store.get(ctx.run_id)
    state = record.state
    if state == "running" and owner_alive(record.owner) is False:
        state = "interrupted"  # its process died: `campaign resume` continues it
    experiments = ctx.store.experiments(ctx.run_id)
    certificates: dict[str, dict[str, Any]] = {}
    for e in experiments:
        if e.ledger_run_id:
            certificates[e.ledger_run_id] = ctx.ledger.get(e.ledger_run_id).certificate
    return build_result(
        ctx.spec,
        ctx.run_id,
        state,
        record.stop_reason,
        experiments,
        certificates,
        str(ctx.ledger.path),
        ctx.dispatched,
    )


def _drive(ctx: _Context, on_experiment: Callback | None) -> CampaignResult:
    owner = this_owner()
    if not ctx.store.claim(ctx.run_id, owner, owner_alive):
        raise ConfigurationError(
            f"campaign {ctx.run_id} is being run by another live process",
            hint="wait for it, or watch it with `labwright campaign show RUN_ID`",
        )
    try:
        _reconcile(ctx)
        reason = _loop(ctx, on_experiment)
        ctx.store.set_state(ctx.run_id, "finished", reason)
    except Exception as exc:
        ctx.store.set_state(ctx.run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        ctx.store.release(ctx.run_id, owner)
    return _result(ctx)


def _context(spec: CampaignSpec, run_id: str, store: str | Path | None) -> _Context:
    ledger = Ledger(store)
    return _Context(spec, run_id, ledger, CampaignStore(ledger), build_twin(spec))


# ------------------------------------------------------------------------------ public API


def run_campaign(
    spec: CampaignSpec,
    *,
    store: str | Path | None = None,
    run_id: str | None = None,
    on_experiment: Callback | None = None,
) -> CampaignResult:
    """Start a new campaign run and drive it until its target or budget (see the module docstring)."""
    run_id = check_run_id(run_id) if run_id else new_campaign_run_id(spec.name)
    ctx = _context(spec, run_id, store)
    ctx.store.create(run_id, spec.name, spec.model_dump(mode="json"), this_owner())
    return _drive(ctx, on_experiment)


def create_campaign(
    spec: CampaignSpec,
    *,
    store: str | Path | None = None,
    run_id: str | None = None,
    approved_by: str | None = None,
) -> str:
    """Record a campaign run without running it (state ``created``); `resume` starts it."""
    run_id = check_run_id(run_id) if run_id else new_campaign_run_id(spec.name)
    build_twin(spec)  # an unusable twin configuration fails here, not in the background
    ledger = Ledger(store)
    CampaignStore(ledger).create(
        run_id, spec.name, spec.model_dump(mode="json"), None, approved_by=approved_by
    )
    return run_id


def _stored_spec(store: CampaignStore, run_id: str) -> CampaignSpec:
    record = store.get(run_id)
    try:
        return CampaignSpec.model_validate(record.spec)
    except ValidationError as exc:
        raise ConfigurationError(
            f"campaign {run_id}'s stored file no longer validates: {exc.errors()[0].get('msg')}",
            hint="it was written by another labwright version; start a new run",
        ) from None


def resume_campaign(
    run_id: str, *, store: str | Path | None = None, on_experiment: Callback | None = None
) -> CampaignResult:
    """Continue a campaign run (after a crash, or to finish it): nothing measured is lost or repeated."""
    ledger = Ledger(store)
    cstore = CampaignStore(ledger)
    spec = _stored_spec(cstore, run_id)
    ctx = _Context(spec, run_id, ledger, cstore, build_twin(spec))
    return _drive(ctx, on_experiment)


def campaign_status(run_id: str, *, store: str | Path | None = None) -> CampaignResult:
    """A campaign as it stands (running or not), read from the store and the ledger."""
    ledger = Ledger(store)
    cstore = CampaignStore(ledger)
    spec = _stored_spec(cstore, run_id)
    return _result(_Context(spec, run_id, ledger, cstore, build_twin(spec)))
