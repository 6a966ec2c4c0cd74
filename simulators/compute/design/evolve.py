"""The generational loop shared by the graph GA and the SELFIES GA.

Each generation picks parents from the population, breeds children that the oracle has not seen,
scores them as one batch, and keeps the best ``population_size`` of parents and children
(elitist; NSGA-II survival with ``pareto``). Parents are picked by rank (weight
``1 / (0.1 * population_size + rank)``, the default), by score-proportional roulette (GB-GA's
choice), or with ``pareto`` by a binary tournament on Pareto rank and crowding distance.
Rank weights keep the pressure on the best molecules when scores are close (0.70 vs 0.72
similarity), where roulette is almost uniform.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

import numpy as np
from labwright.simulators.compute.design.models import ScoredMolecule
from labwright.simulators.compute.design.oracle import Oracle
from labwright.simulators.compute.design.scoring import crowding_distances, pareto_ranks

Selection = Literal["rank", "roulette"]
RANK_K = 0.1  # rank weights 1 / (RANK_K * population_size + rank): the top ~10% get half the picks
Breed = Callable[[str, str, np.random.Generator], str | None]


class Ranker:
    """Orders scored molecules: by score, or by (Pareto rank, crowding) with ``pareto``."""

    def __init__(self, oracle: Oracle, pareto: bool) -> None:
        self.pareto = pareto
        self.axes = [o.name for o in oracle.objectives if o.kind == "score"]
        self.constraints = [o.name for o in oracle.objectives if o.kind == "constraint"]

    def point(self, m: ScoredMolecule) -> list[float]:
        return [m.objectives[a] for a in self.axes]

    def feasible(self, m: ScoredMolecule) -> bool:
        return all(m.objectives[c] > 0.0 for c in self.constraints)

    def order(self, mols: list[ScoredMolecule]) -> tuple[list[ScoredMolecule], list[tuple]]:
        """Best first, with a sort key per molecule (smaller is better)."""
        if not self.pareto or not self.axes:
            keys = [(0, -m.score, m.call) for m in mols]
        else:
            ranks = pareto_ranks([self.point(m) for m in mols], [self.feasible(m) for m in mols])
            crowd = [0.0] * len(mols)
            for r in set(ranks):
                members = [i for i, x in enumerate(ranks) if x == r]
                dists = crowding_distances([self.point(mols[i]) for i in members])
                for i, d in zip(members, dists, strict=True):
                    crowd[i] = d
            keys = [(ranks[i], -crowd[i], -m.score, m.call) for i, m in enumerate(mols)]
        order = sorted(range(len(mols)), key=lambda i: keys[i])
        return [mols[i] for i in order], [keys[i] for i in order]


def _mating_indices(
    population: list[ScoredMolecule],
    selection: Selection,
    pareto: bool,
    n: int,
    rng: np.random.Generator,
    population_size: int,
) -> np.ndarray:
    """Parent indices into ``population`` (sorted best first)."""
    size = len(population)
    if pareto:
        a, b = rng.integers(size, size=n), rng.integers(size, size=n)
        return np.minimum(a, b)  # binary tournament: the better-ranked (smaller index) wins
    if selection == "rank":
        w = 1.0 / (RANK_K * population_size + np.arange(size))
        return rng.choice(size, size=n, p=w / w.sum())
    scores = np.array([m.score for m in population], dtype=float)
    if scores.sum() <= 0:
        return rng.integers(size, size=n)
    p = (scores + 1e-6) / (scores + 1e-6).sum()
    return rng.choice(size, size=n, p=p)


def evolve(
    oracle: Oracle,
    initial: list[str],
    breed: Breed,
    *,
    population_size: int,
    offspring_size: int,
    pareto: bool,
    rng: np.random.Generator,
    selection: Selection = "rank",
    deadline: float | None = None,
    max_idle_generations: int = 5,
    restart: Callable[[], list[str]] | None = None,
    patience: int | None = None,
) -> tuple[str, int]:
    """Run until the budget is spent, the deadline passes, or nothing new can be bred.

    With ``restart`` and ``patience``: when the best score has not improved for ``patience``
    oracle calls, the population is replaced by a fresh sample (``restart()``), so a run that
    converged on a local optimum spends the rest of its budget elsewhere. Everything scored so
    far stays in the oracle's records. Returns why it stopped ("budget", "time" or
    "exhausted") and the number of restarts.
    """
    ranker = Ranker(oracle, pareto)
    population, keys = ranker.order(oracle.score(initial))
    population, keys = population[:population_size], keys[:population_size]
    idle = 0
    restarts = 0
    best, best_at = oracle.best, oracle.calls
    while True:
        if oracle.best > best:
            best, best_at = oracle.best, oracle.calls
        elif restart and patience and oracle.calls - best_at >= patience and not oracle.exhausted:
            restarts += 1
            best_at = oracle.calls
            population, keys = ranker.order(oracle.score(restart()))
            population, keys = population[:population_size], keys[:population_size]
        if oracle.exhausted:
            return "budget", restarts
        if deadline is not None and time.monotonic() >= deadline:
            return "time", restarts
        if not population:
            return "exhausted", restarts
        children: list[str] = []
        batch: set[str] = set()
        want = min(offspring_size, oracle.remaining)
        attempts = 0
        while len(children) < want and attempts < 20 * want:
            attempts += 1
            i, j = _mating_indices(population, selection, pareto, 2, rng, population_size)
            child = breed(population[int(i)].smiles, population[int(j)].smiles, rng)
            if child is None or child in batch or oracle.known(child):
                continue
            batch.add(child)
            children.append(child)
        scored = oracle.score(children) if children else []
        fresh = [m for m in scored if m.smiles in batch]
        if not fresh:
            idle += 1
            if idle >= max_idle_generations:
                return "exhausted", restarts
            continue
        idle = 0
        merged = {m.smiles: m for m in population}
        for m in fresh:
            merged.setdefault(m.smiles, m)
        population, keys = ranker.order(list(merged.values()))
        population, keys = population[:population_size], keys[:population_size]
