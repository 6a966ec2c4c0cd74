"""The design methods: graph GA, SELFIES GA, and random sampling of the seed pool (baseline)."""

from __future__ import annotations

import time
from functools import partial

import numpy as np
from labwright.simulators.compute.design import graph_ops, selfies_ops
from labwright.simulators.compute.design.evolve import Selection, evolve
from labwright.simulators.compute.design.oracle import Oracle
from labwright.simulators.compute.design.seeds import substituent_counts


def initial_sample(pool: list[str], size: int, rng: np.random.Generator) -> list[str]:
    """``size`` distinct molecules of the pool, drawn at random."""
    size = min(size, len(pool))
    return [pool[int(i)] for i in rng.choice(len(pool), size=size, replace=False)]


def graph_breed(
    a: str,
    b: str,
    rng: np.random.Generator,
    *,
    limits: graph_ops.Limits,
    mutation_rate: float,
    substituents: graph_ops.Substituents | None = None,
) -> str | None:
    """GB-GA child: crossover of the parents, then a mutation with ``mutation_rate``."""
    child = graph_ops.crossover(a, b, rng, limits)
    if child is None:
        return graph_ops.mutate(a, rng, limits, substituents=substituents)
    if rng.random() < mutation_rate:
        return graph_ops.mutate(child, rng, limits, substituents=substituents) or child
    return child


def run_graph_ga(
    oracle: Oracle,
    pool: list[str],
    rng: np.random.Generator,
    *,
    population_size: int,
    offspring_size: int,
    mutation_rate: float,
    limits: graph_ops.Limits,
    pareto: bool,
    deadline: float | None,
    patience: int | None,
    selection: Selection = "rank",
    side_chains: bool = True,
) -> tuple[str, int]:
    """Graph GA: GB-GA crossover and mutations (plus side-chain swaps with ``side_chains``)."""
    subs = None
    if side_chains:
        subs = graph_ops.Substituents.from_counts(substituent_counts())
    breed = partial(graph_breed, limits=limits, mutation_rate=mutation_rate, substituents=subs)
    return evolve(
        oracle,
        initial_sample(pool, population_size, rng),
        breed,
        population_size=population_size,
        offspring_size=offspring_size,
        pareto=pareto,
        rng=rng,
        selection=selection,
        deadline=deadline,
        restart=lambda: initial_sample(pool, population_size, rng),
        patience=patience,
    )


def run_selfies_ga(
    oracle: Oracle,
    pool: list[str],
    rng: np.random.Generator,
    *,
    population_size: int,
    offspring_size: int,
    mutation_rate: float,
    limits: graph_ops.Limits,
    pareto: bool,
    deadline: float | None,
    patience: int | None,
    selection: Selection = "rank",
) -> tuple[str, int]:
    """SELFIES GA: one-point crossover and token edits on SELFIES strings."""
    initial = initial_sample(pool, population_size, rng)
    codec = selfies_ops.SelfiesCodec.from_smiles(initial)
    breed = partial(selfies_ops.breed, codec=codec, limits=limits, mutation_rate=mutation_rate)
    return evolve(
        oracle,
        initial,
        breed,
        population_size=population_size,
        offspring_size=offspring_size,
        pareto=pareto,
        rng=rng,
        selection=selection,
        deadline=deadline,
        restart=lambda: initial_sample(pool, population_size, rng),
        patience=patience,
    )


def run_random(
    oracle: Oracle,
    pool: list[str],
    rng: np.random.Generator,
    *,
    batch_size: int,
    deadline: float | None,
) -> tuple[str, int]:
    """Screen the seed pool in a random order: the baseline every method must beat."""
    order = rng.permutation(len(pool))
    pos = 0
    while not oracle.exhausted:
        if deadline is not None and time.monotonic() >= deadline:
            return "time", 0
        if pos >= len(order):
            return "exhausted", 0
        take = order[pos : pos + min(batch_size, oracle.remaining)]
        pos += len(take)
        oracle.score([pool[int(i)] for i in take])
    return "budget", 0
