"""Population basin hopping with a dissimilarity rule (Grosso, Locatelli & Schoen, Math. Program.
110, 373 (2007)) and the two-phase compressed local search (Locatelli & Schoen, Comput. Optim.
Appl. 26, 173 (2003)).

Why: plain basin hopping follows one walker down one funnel; on the hard LJ clusters (LJ75-77's
Marks decahedra, LJ98's Leary tetrahedron, LJ102-104) the icosahedral funnel holds it. A
population of K monotonic basin-hopping walkers that *compete only with similar members* keeps
several funnels alive at once: each generation every member makes one child (a perturbation and a
local search); the child is compared with the member most similar to it, if that one lies within
``dissimilarity_threshold``, else with its own parent, and replaces it when lower in energy. The
compressed first phase of the local search favours compact, spherical clusters, which the
non-icosahedral global minima are.

*Restarts*: a member whose last ``restart_after`` children all failed is replaced by a new local
search from a random cluster (the best member is never restarted), the MaxNoImprove restart of
monotonic basin hopping (Leary, J. Global Optim. 18, 367 (2000); Locatelli & Schoen 2003).
Measured here: without restarts a 20-member population on LJ75 froze by 20,000 local searches
(five lowest members unchanged from there to 50,000, best -396.282249, the icosahedral funnel).

Nothing here knows any motif, lattice or the target: starts are AIRSS random clusters, moves are
random displacements of every atom (radius ``step``) or, with probability
``surface_move_probability``, the angular move of the least-bound atom (Doye & Wales's GMIN); the
dissimilarity is the mean absolute difference of the sorted atom-centroid distances (the
"centroid distance" measure of Grosso et al.).

One *local search* (a count towards the budget) is one perturbation's minimisation: with
compression it has two phases (compressed, then true energy) and costs more than a plain quench.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labwright.simulators.compute.structure.basin_hopping import _surface_move
from labwright.simulators.compute.structure.landscape import ClusterLandscape, LocalMinimum
from labwright.simulators.compute.structure.random_structures import random_cluster
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)


class PopulationSettings(BaseModel):
    """Settings of one population basin-hopping run (reduced LJ units)."""

    model_config = ConfigDict(frozen=True)

    population: int = Field(20, ge=1, description="K walkers (1 = monotonic basin hopping)")
    local_searches: int = Field(100_000, ge=1, description="budget of local searches")
    step: float = Field(0.4, gt=0.0, description="max displacement per coordinate (sigma)")
    compression: float = Field(1.0, ge=0.0, description="mu of the compressed first phase")
    surface_move_probability: float = Field(0.1, ge=0.0, le=1.0)
    dissimilarity_threshold: float = Field(0.02, ge=0.0, description="sigma; 0: parent only")
    restart_after: int | None = Field(
        500, ge=1, description="children in a row without replacing a member: restart it (None: never)"
    )
    stop_energy: float | None = Field(None, description="stop once a minimum this low is found")
    energy_tolerance: float = Field(1e-4, gt=0.0)
    log_every: int = Field(0, ge=0, description="log progress every so many local searches (0: never)")


@dataclass
class PopulationResult:
    best_energy: float
    best_positions: np.ndarray
    local_searches: int
    evaluations: int
    first_hit: int | None  # local searches up to and including the first hit of stop_energy
    stop_reason: str
    population_energies: list[float] = field(default_factory=list)


def centroid_signature(x: np.ndarray) -> np.ndarray:
    """Sorted distances of the atoms from the centroid: invariant to rotation and permutation."""
    return np.sort(np.linalg.norm(x - x.mean(axis=0), axis=1))


def dissimilarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two centroid signatures (sigma)."""
    return float(np.mean(np.abs(a - b)))


def population_basin_hopping(
    landscape: ClusterLandscape,
    rng: np.random.Generator,
    settings: PopulationSettings,
    *,
    deadline: float | None = None,
    on_step: Callable[[int], Any] | None = None,
) -> PopulationResult:
    """Run population basin hopping from random clusters until the budget, ``stop_energy`` or
    ``deadline`` (time.monotonic()) is reached."""
    symbols = landscape.symbols
    target = None if settings.stop_energy is None else settings.stop_energy + settings.energy_tolerance
    mu = settings.compression
    used = 0
    first_hit: int | None = None
    members: list[LocalMinimum] = []
    best = LocalMinimum(np.zeros((len(symbols), 3)), np.inf, 0)

    def local_search(x: np.ndarray) -> LocalMinimum:
        nonlocal used, best, first_hit
        m = landscape.minimise(x, mu)
        used += 1
        if on_step is not None:
            on_step(used)
        if settings.log_every and used % settings.log_every == 0:
            log.info(
                "%d local searches: best %.6f, population %s",
                used,
                min(best.energy, m.energy),
                " ".join(f"{p.energy:.3f}" for p in sorted(members, key=lambda p: p.energy)[:5]),
            )
        if m.energy < best.energy:
            best = m
        if first_hit is None and target is not None and m.energy <= target:
            first_hit = used
        return m

    def stopped() -> str | None:
        if first_hit is not None:
            return "target reached"
        if used >= settings.local_searches:
            return "completed"
        if deadline is not None and time.monotonic() > deadline:
            return "time budget"
        return None

    while len(members) < settings.population and stopped() is None:
        start = random_cluster(symbols, rng).positions
        members.append(local_search(start - start.mean(axis=0)))
    signatures = [centroid_signature(m.positions) for m in members]
    failures = [0] * len(members)
    reason = stopped()
    while reason is None:
        for i in range(len(members)):
            reason = stopped()
            if reason is not None:
                break
            x = members[i].positions
            if settings.surface_move_probability and rng.random() < settings.surface_move_probability:
                trial = _surface_move(landscape, x, rng, 1.0)
            else:
                trial = x + rng.uniform(-settings.step, settings.step, size=x.shape)
            child = local_search(trial - trial.mean(axis=0))
            sig = centroid_signature(child.positions)
            j = i
            if settings.dissimilarity_threshold > 0.0:
                d = [dissimilarity(sig, s) for s in signatures]
                nearest = int(np.argmin(d))
                if d[nearest] <= settings.dissimilarity_threshold:
                    j = nearest
            if child.energy < members[j].energy:
                members[j] = child
                signatures[j] = sig
                failures[j] = 0
                if j != i:
                    failures[i] += 1
            else:
                failures[i] += 1
            lowest = min(range(len(members)), key=lambda k: members[k].energy)
            if settings.restart_after is not None and failures[i] >= settings.restart_after and i != lowest:
                if stopped() is not None:
                    break
                start = random_cluster(symbols, rng).positions
                members[i] = local_search(start - start.mean(axis=0))
                signatures[i] = centroid_signature(members[i].positions)
                failures[i] = 0
    return PopulationResult(
        best_energy=float(best.energy),
        best_positions=best.positions - best.positions.mean(axis=0),
        local_searches=used,
        evaluations=landscape.evaluations,
        first_hit=first_hit,
        stop_reason=reason,
        population_energies=sorted(float(m.energy) for m in members),
    )
