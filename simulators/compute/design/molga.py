"""Graph GA with the ``mol-ga`` library's operators, plus an optional surrogate filter.

``mol-ga`` (Tripp and Hernandez-Lobato 2023, "Genetic algorithms are strong baselines for
molecule generation", PyPI ``mol-ga``) packages Jensen's (2019) graph-GA crossover and mutation
and a parent sampler that draws uniformly from log-spaced top quantiles of everything scored so
far. This module keeps only the loop that the PMO protocol needs around them: every oracle call
goes through the budgeted, de-duplicating ``Oracle``, and offspring the oracle has already seen
are discarded before they cost anything.

With ``oversample`` > 1 the GA breeds ``oversample`` times more distinct new candidates than it
will score, and a ``TanimotoKnn`` trained on this run's oracle results picks which of them to
score: most by predicted score, a fraction ``explore`` at random so the model keeps seeing the
parts of chemical space it predicts badly.
"""

from __future__ import annotations

import random
import time

import numpy as np
from labwright.simulators.compute.design import graph_ops
from labwright.simulators.compute.design.oracle import Oracle
from labwright.simulators.compute.design.surrogate import TanimotoKnn

MIN_TRAINING = 100  # scored molecules before the surrogate is trusted to pick
MIN_BREED = 20  # candidates bred even when only a few calls remain (one child is often a repeat)


def _new_candidates(
    oracle: Oracle,
    population: list[tuple[float, str]],
    n: int,
    py_rng: random.Random,
    limits: graph_ops.Limits,
) -> list[str]:
    """Up to ``n`` distinct children the oracle has not scored, from mol-ga's operators."""
    from mol_ga.graph_ga.gen_candidates import graph_ga_blended_generation
    from mol_ga.sample_population import uniform_quantile_sampling
    from rdkit import Chem

    parents = uniform_quantile_sampling(population, 2 * n, py_rng)
    children = graph_ga_blended_generation(parents, n, py_rng)
    out: list[str] = []
    seen: set[str] = set()
    for smiles in sorted(children):  # set order is not reproducible across processes
        mol = Chem.MolFromSmiles(smiles)
        canon = None if mol is None else graph_ops.finish(mol, limits)
        if canon is None or canon in seen or oracle.known(canon):
            continue
        seen.add(canon)
        out.append(canon)
    return out


def _choose(
    candidates: list[str],
    want: int,
    model: TanimotoKnn | None,
    explore: float,
    rng: np.random.Generator,
) -> list[str]:
    """``want`` candidates: the surrogate's best, and a random ``explore`` share."""
    if len(candidates) <= want:
        return candidates
    if model is None or len(model) < MIN_TRAINING:
        return [candidates[int(i)] for i in rng.choice(len(candidates), want, replace=False)]
    n_random = int(round(explore * want))
    order = np.argsort(-model.predict(candidates), kind="stable")
    picked = [candidates[int(i)] for i in order[: want - n_random]]
    rest = [candidates[int(i)] for i in order[want - n_random :]]
    if n_random:
        picked += [rest[int(i)] for i in rng.choice(len(rest), n_random, replace=False)]
    return picked


def run_mol_ga(
    oracle: Oracle,
    initial: list[str],
    rng: np.random.Generator,
    *,
    population_size: int,
    offspring_size: int,
    limits: graph_ops.Limits,
    deadline: float | None,
    oversample: float = 1.0,
    explore: float = 0.2,
    max_idle_generations: int = 5,
) -> tuple[str, int]:
    """Run until the budget is spent, the deadline passes, or no new child can be bred.

    Returns why it stopped ("budget", "time" or "exhausted") and 0 restarts (it has none: the
    quantile sampler keeps drawing some parents from the whole scored set).
    """
    py_rng = random.Random(int(rng.integers(2**63)))
    model = TanimotoKnn() if oversample > 1.0 else None
    first = oracle.score(initial)
    if model is not None:
        model.add([m.smiles for m in first], [m.score for m in first])
    idle = 0
    while True:
        if oracle.exhausted:
            return "budget", 0
        if deadline is not None and time.monotonic() >= deadline:
            return "time", 0
        scored = sorted(oracle.records.values(), key=lambda m: (-m.score, m.call))
        population = [(m.score, m.smiles) for m in scored[:population_size]]
        if not population:
            return "exhausted", 0
        want = min(offspring_size, oracle.remaining)
        n_breed = int(np.ceil(max(want, MIN_BREED) * oversample))
        candidates = _new_candidates(oracle, population, n_breed, py_rng, limits)
        batch = _choose(candidates, want, model, explore, rng)
        fresh = oracle.score(batch) if batch else []
        if model is not None and fresh:
            model.add([m.smiles for m in fresh], [m.score for m in fresh])
        idle = 0 if fresh else idle + 1
        if idle >= max_idle_generations:
            return "exhausted", 0
