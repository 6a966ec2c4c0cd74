"""BayBE or BoTorch directly? The measurement behind the campaigns' choice of optimiser.

Runs campaigns of the example files simulated on the chemistry twins (``simulate_campaign``:
each proposal compiled, verified and measured from the deck-twin replay, as in a real run, but
without the ledger) with three optimisers behind the same interface:

* ``bo``: labwright's BoTorch optimiser (``agents.campaign.optimizers``);
* ``bo-direct``: the same, but a colour-difference objective modelled directly (no composite
  model of L*, a*, b*), to separate the library from the modelling choice;
* ``baybe``: BayBE 0.15 (``Campaign`` with a ``BotorchRecommender``; its own initial random
  phase replaced by the same space-filling design, infeasible proposals imputed the same way,
  a colour difference modelled directly: BayBE has no composite objectives).

It prints, per twin and optimiser: experiments until the target (colour, catalyst case) or the
hypervolume after the budget (SnAr), and the median seconds per proposal round. BayBE is not a
labwright dependency: install it into the environment to run this script
(``pip install --constraint constraints.txt baybe``).

    python bench/optimizer_compare.py --seeds 3 --twins colour,mit,snar
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "colour": ROOT / "examples" / "campaigns" / "colour_match.yaml",
    "mit": ROOT / "examples" / "campaigns" / "catalyst_selection.yaml",
    "snar": ROOT / "examples" / "campaigns" / "snar_pareto.yaml",
}


def baybe_optimizer_class() -> Any:
    from labwright.agents.campaign.optimizers import Optimizer, oriented

    class BaybeOptimizer(Optimizer):
        name = "baybe"

        def propose(self, history: list[Any], n: int, seed: int) -> list[dict[str, Any]]:
            import pandas as pd
            import torch
            from baybe import Campaign
            from baybe.constraints import ContinuousLinearConstraint
            from baybe.objectives import ParetoObjective, SingleTargetObjective
            from baybe.parameters import CategoricalParameter, NumericalContinuousParameter
            from baybe.recommenders import BotorchRecommender
            from baybe.searchspace import SearchSpace
            from baybe.targets import NumericalTarget
            from baybe.utils.random import set_random_seed

            torch.set_num_threads(1)
            rng = np.random.default_rng(seed)
            measured = [h for h in history if h.feasible and h.objectives is not None]
            if len(history) < self.initial or len(measured) < 2:
                return self.space.space_filling(n, rng, [h.params for h in history])
            params = [
                CategoricalParameter(p.name, tuple(p.values), encoding="OHE")
                if p.type == "categorical"
                else NumericalContinuousParameter(p.name, (p.low, p.high))
                for p in self.space.parameters
            ]
            constraints = [
                ContinuousLinearConstraint(c.parameters, "=", [1.0] * len(c.parameters), c.value)
                for c in self.space.sums
            ]
            space = SearchSpace.from_product(params, constraints=constraints)
            targets = [NumericalTarget(o.name, minimize=o.direction == "minimise") for o in self.objectives]
            objective = SingleTargetObjective(targets[0]) if len(targets) == 1 else ParetoObjective(targets)
            campaign = Campaign(space, objective, recommender=BotorchRecommender())
            rows = []
            worst = {
                o.name: min((oriented(o, h.objectives[o.name]) for h in measured), default=0.0)
                for o in self.objectives
            }
            for h in history:
                row = dict(h.params)
                for o in self.objectives:
                    value = h.objectives[o.name] if h.objectives else oriented(o, worst[o.name])
                    row[o.name] = value
                rows.append(row)
            campaign.add_measurements(pd.DataFrame(rows))
            set_random_seed(seed)
            rec = campaign.recommend(n)
            return [
                self.space._repair_sums({p.name: rec.iloc[i][p.name] for p in self.space.parameters})
                for i in range(n)
            ]

    return BaybeOptimizer


def run(twin: str, optimizer: str, seed: int) -> dict[str, Any]:
    from labwright.agents.campaign import baseline
    from labwright.agents.campaign.optimizers import make_optimizer
    from labwright.agents.campaign.results import hypervolume_trace, target_reached_at
    from labwright.agents.campaign.space import Space
    from labwright.agents.campaign.spec import load_campaign, with_overrides

    spec = load_campaign(FILES[twin])
    if optimizer == "bo-direct" and spec.objectives[0].colour_difference is not None:
        doc = spec.model_dump(mode="json")
        doc["objectives"][0]["colour_difference"] = None
        doc["objectives"][0]["measurement"] = "delta_e"
        doc["twin"]["options"] = {"target_lab": list(spec.objectives[0].colour_difference.lab())}
        from labwright.agents.campaign.spec import CampaignSpec

        spec = CampaignSpec.model_validate(doc)
    spec = with_overrides(spec, seed=seed, optimizer="bo")
    space = Space.of(spec)
    if optimizer == "baybe":
        opt = baybe_optimizer_class()(space, list(spec.objectives), initial=spec.initial)
    else:
        opt = make_optimizer("bo", space, list(spec.objectives), initial=spec.initial)
    rounds: list[float] = []
    inner = opt.propose

    def propose(history: Any, n: int, seed: int) -> Any:
        start = time.perf_counter()
        out = inner(history, n, seed)
        if len(history) >= opt.initial:
            rounds.append(time.perf_counter() - start)
        return out

    opt.propose = propose  # type: ignore[method-assign]
    records = baseline.simulate_campaign(spec, optimizer=opt)
    out: dict[str, Any] = {"n": len(records), "round_s": statistics.median(rounds) if rounds else None}
    objectives = list(spec.objectives)
    if len(objectives) == 1:
        out["hit"] = target_reached_at(objectives, records)
    else:
        out["hv"] = hypervolume_trace(objectives, records)[-1]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--twins", default="colour,mit,snar")
    parser.add_argument("--optimizers", default="bo,bo-direct,baybe")
    args = parser.parse_args(argv)
    try:
        import baybe  # noqa: F401
    except ImportError:
        print("BayBE is not installed: pip install --constraint constraints.txt baybe", file=sys.stderr)
        return 2
    for twin in args.twins.split(","):
        for optimizer in args.optimizers.split(","):
            if optimizer == "bo-direct" and twin != "colour":
                continue
            results = [run(twin, optimizer, seed) for seed in range(args.seeds)]
            per_round = [r["round_s"] for r in results if r["round_s"] is not None]
            if "hit" in results[0]:
                hits = [r["hit"] for r in results]
                shown = ", ".join(str(h) if h else f">{r['n']}" for h, r in zip(hits, results, strict=True))
                figure = f"experiments to target per seed: {shown}"
            else:
                figure = "hypervolume after budget per seed: " + ", ".join(f"{r['hv']:.0f}" for r in results)
            secs = f"{statistics.median(per_round):.1f}" if per_round else "-"
            print(f"{twin:7s} {optimizer:10s} {figure}; median s per model-based round: {secs}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
