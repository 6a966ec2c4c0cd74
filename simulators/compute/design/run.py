"""``run_design``: one design run from a ``DesignConfig`` to a ``DesignResult``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from labwright.protocols.errors import UnusableInputError
from labwright.simulators.compute.design import methods
from labwright.simulators.compute.design.evolve import Ranker
from labwright.simulators.compute.design.graph_ops import Limits
from labwright.simulators.compute.design.models import (
    DesignConfig,
    DesignResult,
    ScoredMolecule,
    SeedPoolInfo,
    TracePoint,
)
from labwright.simulators.compute.design.molga import run_mol_ga
from labwright.simulators.compute.design.objectives import SimilarityObjective, parse_objectives
from labwright.simulators.compute.design.oracle import Oracle
from labwright.simulators.compute.design.scoring import auc_top_k, peel_fronts, top_k_mean_curve
from labwright.simulators.compute.design.seeds import hold_out, load_seed_pool
from labwright.simulators.compute.design.xtb import CostlyCache

log = logging.getLogger(__name__)

Progress = Callable[[int, float], None]


@contextmanager
def dask_scheduler(workers: int, scheduler: str | None) -> Iterator[str | None]:
    """The scheduler address batches go to: the given one, a LocalCluster kept for the whole
    run (so each generation does not start a new cluster), or None (in-process)."""
    if scheduler is not None or workers == 1:
        yield scheduler
        return
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def seed_pool(
    config: DesignConfig, similarity_targets: list[str]
) -> tuple[list[str], SeedPoolInfo]:
    """The molecules a run starts from (and the random baseline screens)."""
    pool, files = load_seed_pool(config.min_heavy_atoms, config.max_heavy_atoms)
    kept = list(pool)
    if config.holdout_similarity is not None and similarity_targets:
        kept = hold_out(pool, similarity_targets, config.holdout_similarity)
    if not kept:
        raise UnusableInputError(
            "no seed molecules left after the size filter and the similarity hold-out",
            hint="widen --min-atoms/--max-atoms or raise --holdout",
        )
    info = SeedPoolInfo(files=list(files), molecules=len(kept), held_out=len(pool) - len(kept))
    return kept, info


def _trace(scores: list[float], budget: int) -> list[TracePoint]:
    n = len(scores)
    if n == 0:
        return []
    step = max(1, budget // 20)
    checkpoints = sorted({*range(step, n, step), n})
    tops = top_k_mean_curve(scores, checkpoints, 10)
    bests = top_k_mean_curve(scores, checkpoints, 1)
    return [
        TracePoint(calls=c, best=round(b, 6), top10_mean=round(t, 6))
        for c, b, t in zip(checkpoints, bests, tops, strict=True)
    ]


def restart_patience(config: DesignConfig) -> int | None:
    """Calls without improvement before a GA restarts (0 disables restarts)."""
    if config.restart_patience is not None:
        return config.restart_patience or None
    return max(1000, config.budget // 5)


def _with_rank(mols: list[ScoredMolecule], ranks: list[int]) -> list[ScoredMolecule]:
    return [m.model_copy(update={"pareto_rank": r}) for m, r in zip(mols, ranks, strict=True)]


def run_design(config: DesignConfig, on_progress: Progress | None = None) -> DesignResult:
    """Run one design campaign. Deterministic for a given config (the seed included)."""
    started = time.monotonic()
    deadline = started + config.time_budget_s if config.time_budget_s else None
    objectives = parse_objectives(config.objectives, config.weights)
    if config.min_heavy_atoms > config.max_heavy_atoms:
        raise UnusableInputError(
            f"min_heavy_atoms {config.min_heavy_atoms} exceeds max_heavy_atoms "
            f"{config.max_heavy_atoms}",
            hint="choose a minimum below the maximum",
        )
    targets = [o.params["target_smiles"] for o in objectives if isinstance(o, SimilarityObjective)]
    targets += [o.params["holdout"] for o in objectives if "holdout" in o.params]
    pool, pool_info = seed_pool(config, targets)
    rng = np.random.default_rng(config.seed)
    limits = Limits(config.min_heavy_atoms, config.max_heavy_atoms)
    cache = CostlyCache(config.cache_path) if config.cache_path else None
    try:
        with dask_scheduler(config.workers, config.scheduler) as address:
            oracle = Oracle(
                objectives,
                config.budget,
                pareto=config.pareto,
                workers=config.workers,
                scheduler=address,
                cache=cache,
                on_progress=on_progress,
            )
            if config.method == "random":
                stopped, restarts = methods.run_random(
                    oracle, pool, rng, batch_size=config.offspring_size, deadline=deadline
                )
            else:
                common = dict(
                    population_size=config.population_size,
                    offspring_size=config.offspring_size,
                    mutation_rate=config.mutation_rate,
                    limits=limits,
                    pareto=config.pareto,
                    deadline=deadline,
                    patience=restart_patience(config),
                    selection=config.selection,
                )
                if config.method == "mol-ga":
                    stopped, restarts = run_mol_ga(
                        oracle,
                        methods.initial_sample(pool, config.population_size, rng),
                        rng,
                        population_size=config.population_size,
                        offspring_size=config.offspring_size,
                        limits=limits,
                        deadline=deadline,
                        oversample=config.oversample,
                        explore=config.explore,
                    )
                elif config.method == "graph-ga":
                    stopped, restarts = methods.run_graph_ga(
                        oracle, pool, rng, side_chains=config.side_chains, **common
                    )
                else:
                    stopped, restarts = methods.run_selfies_ga(oracle, pool, rng, **common)
    finally:
        if cache is not None:
            cache.close()

    records = list(oracle.records.values())
    scores = [m.score for m in records]
    front: list[ScoredMolecule] = []
    if config.pareto and Ranker(oracle, True).axes:
        # best first = Pareto front first, then by the combined score within each front
        ranker = Ranker(oracle, True)
        ranks = peel_fronts(
            [ranker.point(m) for m in records],
            [ranker.feasible(m) for m in records],
            at_least=config.top_n,
        )
        ranked = _with_rank([records[i] for i in ranks], list(ranks.values()))
        ordered = sorted(ranked, key=lambda m: (m.pareto_rank, -m.score, m.call))
        front = [m for m in ordered if m.pareto_rank == 0]
    else:
        ordered = sorted(records, key=lambda m: (-m.score, m.call))
    top = ordered[: config.top_n]
    top10 = sorted(scores, reverse=True)[:10]
    return DesignResult(
        method=config.method,
        objectives=[o.name for o in objectives],
        weights=[o.weight for o in objectives],
        pareto=config.pareto,
        seed=config.seed,
        budget=config.budget,
        calls=oracle.calls,
        best_score=max(scores, default=0.0),
        top=top,
        pareto_front=front[:100],
        auc_top10=auc_top_k(scores, config.budget, k=10, every=100),
        top10_mean=sum(top10) / len(top10) if top10 else 0.0,
        trace=_trace(scores, config.budget),
        stopped_by=stopped,  # type: ignore[arg-type]
        restarts=restarts,
        elapsed_s=round(time.monotonic() - started, 3),
        seed_pool=pool_info,
    )
