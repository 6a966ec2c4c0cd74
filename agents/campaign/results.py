"""A campaign's state as one JSON object (``campaign run/resume/show --json``) and its summaries.

``experiments``: every experiment in order with ``parameters``, ``status``,
``protocol_sha256``, ``certificate`` (from the ledger: the certificate the dispatched bytes
carried), ``measurement`` and ``objectives``. ``best``: for one objective the best measured
experiment; for several, the Pareto front and its hypervolume. ``target_reached_at``: the
1-based experiment count at which every objective with a target first met it (null if never).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from labwright.agents.campaign.optimizers import oriented
from labwright.agents.campaign.pareto import hypervolume, pareto_mask
from labwright.agents.campaign.spec import CampaignSpec, Objective
from labwright.agents.campaign.store import ExperimentRecord
from pydantic import BaseModel, Field


class ExperimentView(BaseModel):
    index: int
    round: int
    parameters: dict[str, Any]
    status: str
    well: str
    protocol_sha256: str | None = None
    idempotency_key: str | None = None
    ledger_run_id: str | None = None
    certificate: dict[str, Any] | None = None
    measurement: dict[str, Any] | None = None
    objectives: dict[str, float] | None = None
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class CampaignResult(BaseModel):
    run_id: str
    name: str
    state: str = Field(description="running, finished or failed")
    stop_reason: str | None = None
    seed: int
    budget: int
    batch: int
    optimizer: str
    backend: str
    twin: str
    objectives: list[dict[str, Any]]
    parameters: list[dict[str, Any]]
    experiments: list[ExperimentView]
    best: dict[str, Any] | None = None
    target_reached_at: int | None = None
    hypervolume: float | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    ledger: str
    dispatched_now: int = Field(default=0, description="runs this process dispatched (0 for show)")


def objectives_met(objectives: list[Objective], values: dict[str, float] | None) -> bool:
    targeted = [o for o in objectives if o.target is not None]
    return bool(values) and bool(targeted) and all(o.met(values[o.name]) for o in targeted)  # type: ignore[index]


def target_reached_at(objectives: list[Objective], experiments: list[ExperimentRecord]) -> int | None:
    for e in experiments:
        if e.status == "measured" and objectives_met(objectives, e.objectives):
            return e.index
    return None


def _best(
    objectives: list[Objective], measured: list[ExperimentRecord]
) -> tuple[dict[str, Any] | None, float | None]:
    if not measured:
        return None, None
    if len(objectives) == 1:
        o = objectives[0]
        top = max(measured, key=lambda e: (oriented(o, e.objectives[o.name]), -e.index))  # type: ignore[index]
        return {"index": top.index, "parameters": top.parameters, "objectives": top.objectives}, None
    y = np.array([[oriented(o, e.objectives[o.name]) for o in objectives] for e in measured])  # type: ignore[index]
    mask = pareto_mask(y)
    front = [
        {"index": e.index, "parameters": e.parameters, "objectives": e.objectives}
        for e, keep in zip(measured, mask, strict=True)
        if keep
    ]
    hv = None
    if all(o.reference is not None for o in objectives):
        ref = np.array([oriented(o, o.reference) for o in objectives])  # type: ignore[arg-type]
        hv = hypervolume(y, ref)
    return {"pareto_front": sorted(front, key=lambda f: f["index"]), "hypervolume": hv}, hv


def hypervolume_trace(objectives: list[Objective], experiments: list[ExperimentRecord]) -> list[float | None]:
    """Hypervolume after each experiment (None until something was measured)."""
    if not all(o.reference is not None for o in objectives):
        return [None] * len(experiments)
    ref = np.array([oriented(o, o.reference) for o in objectives])  # type: ignore[arg-type]
    out: list[float | None] = []
    rows: list[list[float]] = []
    for e in experiments:
        if e.status == "measured" and e.objectives:
            rows.append([oriented(o, e.objectives[o.name]) for o in objectives])
        out.append(hypervolume(np.array(rows), ref) if rows else None)
    return out


def best_so_far(objective: Objective, experiments: list[ExperimentRecord]) -> list[float | None]:
    """The best value of one objective after each experiment (None until one was measured)."""
    out: list[float | None] = []
    best: float | None = None
    for e in experiments:
        if e.status == "measured" and e.objectives and objective.name in e.objectives:
            v = e.objectives[objective.name]
            if best is None or oriented(objective, v) > oriented(objective, best):
                best = v
        out.append(best)
    return out


def build_result(
    spec: CampaignSpec,
    run_id: str,
    state: str,
    stop_reason: str | None,
    experiments: list[ExperimentRecord],
    certificates: dict[str, dict[str, Any]],
    ledger_path: str,
    dispatched_now: int = 0,
) -> CampaignResult:
    from labwright.agents.campaign.template import experiment_well

    objectives = list(spec.objectives)
    measured = [e for e in experiments if e.status == "measured" and e.objectives]
    best, hv = _best(objectives, measured)
    counts = {
        s: sum(e.status == s for e in experiments) for s in ("proposed", "measured", "infeasible", "failed")
    }
    return CampaignResult(
        run_id=run_id,
        name=spec.name,
        state=state,
        stop_reason=stop_reason,
        seed=spec.seed,
        budget=spec.budget,
        batch=spec.batch,
        optimizer=spec.optimizer,
        backend=spec.backend,
        twin=spec.twin.kind,
        objectives=[o.model_dump() for o in objectives],
        parameters=[p.model_dump(exclude_none=True) for p in spec.parameters],
        experiments=[
            ExperimentView(
                **e.model_dump(),
                well=experiment_well(e.index),
                certificate=certificates.get(e.ledger_run_id or ""),
            )
            for e in experiments
        ],
        best=best,
        target_reached_at=target_reached_at(objectives, experiments),
        hypervolume=hv,
        counts=counts,
        ledger=ledger_path,
        dispatched_now=dispatched_now,
    )
