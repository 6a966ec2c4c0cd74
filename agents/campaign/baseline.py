"""Campaigns simulated on the twin without dispatching: the random baseline of reports, and benches.

``simulate_campaign`` runs the same loop as ``runner`` (propose -> compile -> verify -> measure
-> update) with the experiments evaluated by ``offline.evaluate_offline``: the verifier decides
feasibility and the chemistry twin reads the verifier's own deck-twin replay. Nothing reaches a
ledger. Its records have the shape of a real campaign's, so the same summaries apply.
"""

from __future__ import annotations

from labwright.agents.campaign.offline import evaluate_offline
from labwright.agents.campaign.optimizers import Observation, Optimizer, make_optimizer
from labwright.agents.campaign.results import objectives_met
from labwright.agents.campaign.space import Space
from labwright.agents.campaign.spec import CampaignSpec
from labwright.agents.campaign.store import ExperimentRecord
from labwright.agents.campaign.twins import build_twin


def simulate_campaign(
    spec: CampaignSpec, *, stop_on_target: bool | None = None, optimizer: Optimizer | None = None
) -> list[ExperimentRecord]:
    """The experiments a campaign would run on the twin (seeded like a real run of ``spec``);
    ``optimizer`` replaces the file's (benchmarks of other libraries)."""
    from labwright.agents.campaign.runner import objective_values, round_seed

    stop = spec.stop_on_target if stop_on_target is None else stop_on_target
    twin = build_twin(spec)
    if optimizer is None:
        optimizer = make_optimizer(
            spec.optimizer, Space.of(spec), list(spec.objectives), initial=spec.initial
        )
    records: list[ExperimentRecord] = []
    history: list[Observation] = []
    rnd = 0
    while len(records) < spec.budget:
        rnd += 1
        n = min(spec.batch, spec.budget - len(records))
        for params in optimizer.propose(history, n, round_seed(spec.seed, rnd)):
            index = len(records) + 1
            out = evaluate_offline(spec, params, index, twin, f"simulated:{spec.seed}:r{rnd}:e{index}")
            if out.feasible and out.measurement is not None:
                values = objective_values(spec, out.measurement)
                records.append(
                    ExperimentRecord(
                        index=index,
                        round=rnd,
                        parameters=params,
                        status="measured",
                        protocol_sha256=out.protocol_sha256,
                        measurement=out.measurement,
                        objectives=values,
                    )
                )
                history.append(Observation(params, values, True, out.measurement))
            else:
                records.append(
                    ExperimentRecord(
                        index=index,
                        round=rnd,
                        parameters=params,
                        status="infeasible",
                        protocol_sha256=out.protocol_sha256,
                        errors=out.errors,
                    )
                )
                history.append(Observation(params, None, False))
        if stop and any(objectives_met(list(spec.objectives), r.objectives) for r in records):
            break
    return records
