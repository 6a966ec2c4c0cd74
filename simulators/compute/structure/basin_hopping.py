"""Basin hopping for clusters (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)).

Each step perturbs the current minimum, relaxes it and accepts the new minimum by the Metropolis
rule at a fixed temperature. On top of the plain loop (all optional, all on by default):

- a spherical *container*: atoms that drift away are put back and the structure re-relaxed;
- *step caps*: the displacement adapts towards a target acceptance ratio but stays within
  [min_step_size, max_step_size]; the run stops after ``steps`` steps, a time budget, or when a
  target energy is reached;
- *surface (angular) moves*: with a small probability the least-bound atom is moved to a random
  point on the cluster's surface sphere instead of shaking everything (the "angular" moves of
  Wales & Doye's GMIN); optionally (``surface_move="best-site"``, Lennard-Jones only) to the
  lowest-energy of 200 trial surface sites instead, a directed move in the spirit of Takeuchi's
  surface operators (J. Chem. Inf. Model. 46, 2066 (2006));
- *occasional jumping* (Iwamatsu & Okabe, Chem. Phys. Lett. 399, 396 (2004)): when the walker has
  not found a lower minimum for ``jump_after`` steps, the next ``jump_length`` moves are accepted
  whatever their energy, which lets it leave a funnel (LJ38's icosahedral one, for example);
- an optional two-phase *compressed* local search (see ``landscape``).

Lengths and energies of the settings are in reduced units: sigma and epsilon for Lennard-Jones;
for other calculators the scales are estimated from the first relaxed structure (nearest-neighbour
distance / 2^(1/6) and binding energy per nearest-neighbour bond).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from labwright.simulators.compute.structure.landscape import ClusterLandscape, LocalMinimum
from labwright.simulators.compute.structure.minima import MinimaArchive
from labwright.simulators.compute.structure.random_structures import random_cluster
from labwright.simulators.compute.structure.threads import single_threaded_blas
from pydantic import BaseModel, ConfigDict, Field

StopReason = Literal["completed", "target reached", "time budget"]
_SITE_TRIALS = 200


class BasinHoppingSettings(BaseModel):
    """Settings of one basin-hopping run (reduced units, see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    steps: int = Field(1000, ge=0, description="basin-hopping steps (one relaxation each)")
    temperature: float = Field(0.8, gt=0.0, description="Metropolis kT in units of epsilon")
    step_size: float = Field(0.4, gt=0.0, description="initial max displacement per coordinate")
    min_step_size: float = Field(0.1, gt=0.0)
    max_step_size: float = Field(1.0, gt=0.0)
    target_acceptance: float = Field(0.5, gt=0.0, lt=1.0)
    adjust_every: int = Field(50, ge=1, description="steps between step-size updates")
    surface_move_probability: float = Field(0.1, ge=0.0, le=1.0)
    surface_move: Literal["random", "best-site"] = Field(
        "random", description="random surface point, or the best of many trial sites (LJ only)"
    )
    jump_after: int | None = Field(300, ge=1, description="None: no occasional jumping")
    jump_length: int = Field(5, ge=1)
    compression: float = Field(0.0, ge=0.0, description="mu of the compressed first phase")
    container_margin: float = Field(1.5, gt=0.0, description="container radius beyond the sphere")
    stop_energy: float | None = Field(None, description="stop once a minimum this low is found")
    energy_tolerance: float = Field(1e-4, gt=0.0, description="slack for stop_energy")
    archive_size: int = Field(50, ge=1)


@dataclass
class BasinHoppingResult:
    archive: MinimaArchive
    steps: int
    relaxations: int
    evaluations: int
    accepted: int
    stop_reason: StopReason
    best_energy: float
    first_hit_step: int | None  # step at which stop_energy was reached (None if not)
    best_history: list[tuple[int, float]] = field(default_factory=list)
    energy_scale: float = 1.0
    length_scale: float = 1.0


def _container_radius(n_atoms: int, length_scale: float, margin: float) -> float:
    # sphere holding n close-packed spheres of diameter 2^(1/6) sigma (volume ~ sigma^3 per atom)
    return (3.0 * n_atoms / (4.0 * math.pi)) ** (1.0 / 3.0) * length_scale + margin * length_scale


def _least_bound_atom(landscape: ClusterLandscape, x: np.ndarray, length_scale: float) -> int:
    if landscape.atom_energies is not None:
        return int(np.argmax(landscape.atom_energies(x)))
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    coordination = (d < 1.35 * length_scale).sum(axis=1) - 1
    radial = np.linalg.norm(x - x.mean(axis=0), axis=1)
    return int(np.lexsort((-radial, coordination))[0])


def _surface_move(
    landscape: ClusterLandscape,
    x: np.ndarray,
    rng: np.random.Generator,
    length_scale: float,
    best_site: bool = False,
) -> np.ndarray:
    y = x.copy()
    centre = x.mean(axis=0)
    i = _least_bound_atom(landscape, x, length_scale)
    others = np.delete(x, i, axis=0)
    if best_site and landscape.site_energies is not None and len(others):
        # directed move: the least-bound atom goes to the best of many trial surface sites
        # (in the spirit of Takeuchi, J. Chem. Inf. Model. 46, 2066 (2006))
        bond = 2.0 ** (1.0 / 6.0) * length_scale
        anchors = others[rng.integers(0, len(others), size=_SITE_TRIALS)]
        u = rng.normal(size=(_SITE_TRIALS, 3))
        u /= np.linalg.norm(u, axis=1)[:, None]
        sites = anchors + bond * u
        dmin = np.min(np.linalg.norm(sites[:, None, :] - others[None, :, :], axis=-1), axis=1)
        away = np.linalg.norm(sites - x[i], axis=1) > 0.5 * bond
        ok = (dmin > 0.85 * bond) & away
        if ok.any():
            energies = landscape.site_energies(others, sites[ok])
            y[i] = sites[ok][int(np.argmin(energies))]
            return y
    radius = float(np.max(np.linalg.norm(others - centre, axis=1))) if len(others) else 0.0
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    y[i] = centre + direction * radius
    return y


def estimate_scales(landscape: ClusterLandscape, x: np.ndarray, energy: float) -> tuple[float, float]:
    """(energy scale, length scale) of a relaxed cluster: binding energy per nearest-neighbour
    bond and nearest-neighbour distance / 2^(1/6) (both 1-ish for Lennard-Jones)."""
    n = len(x)
    if n < 2:
        return 1.0, 1.0
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    nn = float(np.mean(d.min(axis=1)))
    bonds = int(np.sum(np.triu(d < 1.2 * nn, 1)))
    isolated = landscape.isolated_energy()
    binding = isolated - energy
    energy_scale = binding / bonds if bonds and binding > 0 else 1.0
    return float(energy_scale), nn / 2.0 ** (1.0 / 6.0)


def basin_hopping(
    landscape: ClusterLandscape,
    rng: np.random.Generator,
    settings: BasinHoppingSettings,
    *,
    start: np.ndarray | None = None,
    reduced_units: bool = True,
    deadline: float | None = None,
    on_step: Callable[[int], Any] | None = None,
) -> BasinHoppingResult:
    """Run basin hopping on ``landscape`` from ``start`` (or an AIRSS random cluster).

    ``reduced_units`` says the landscape is already in epsilon/sigma (Lennard-Jones); otherwise
    the scales are estimated from the first relaxed structure. ``deadline`` is a time.monotonic()
    value after which the run stops cleanly.
    """
    with single_threaded_blas():
        return _basin_hopping(
            landscape,
            rng,
            settings,
            start=start,
            reduced_units=reduced_units,
            deadline=deadline,
            on_step=on_step,
        )


def _basin_hopping(
    landscape: ClusterLandscape,
    rng: np.random.Generator,
    settings: BasinHoppingSettings,
    *,
    start: np.ndarray | None = None,
    reduced_units: bool = True,
    deadline: float | None = None,
    on_step: Callable[[int], Any] | None = None,
) -> BasinHoppingResult:
    """The basin-hopping loop (see ``basin_hopping``)."""
    from ase import Atoms

    symbols = landscape.symbols
    n = len(symbols)
    if start is None:
        start = random_cluster(symbols, rng).positions
        start = start - start.mean(axis=0)
    first = landscape.minimise(start, settings.compression)
    if reduced_units:
        e_scale, l_scale = 1.0, 1.0
    else:
        e_scale, l_scale = estimate_scales(landscape, first.positions, first.energy)
    kt = settings.temperature * e_scale
    step = settings.step_size * l_scale
    lo, hi = settings.min_step_size * l_scale, settings.max_step_size * l_scale
    r_container = _container_radius(n, l_scale, settings.container_margin)
    archive = MinimaArchive(capacity=settings.archive_size, energy_tol=1e-4 * e_scale)
    target = None
    if settings.stop_energy is not None:
        target = settings.stop_energy + settings.energy_tolerance * e_scale

    def record(m: LocalMinimum, k: int) -> None:
        if archive.would_keep(m.energy):
            atoms = Atoms(symbols, positions=m.positions - m.positions.mean(axis=0), pbc=False)
            archive.add(atoms, m.energy, step=k, source="basin-hopping")

    current = first
    record(current, 0)
    best = current.energy
    history = [(0, best)]
    walker_best = current.energy
    since_improvement = 0
    jumps_left = 0
    accepted = 0
    window_accepted = 0
    first_hit = 0 if target is not None and best <= target else None
    stop: StopReason = "target reached" if first_hit is not None else "completed"
    done = 0
    for k in range(1, settings.steps + 1):
        if first_hit is not None:
            break
        if deadline is not None and time.monotonic() > deadline:
            stop = "time budget"
            break
        x = current.positions
        if settings.surface_move_probability and rng.random() < settings.surface_move_probability:
            trial = _surface_move(landscape, x, rng, l_scale, settings.surface_move == "best-site")
        else:
            trial = x + rng.uniform(-step, step, size=x.shape)
        new = landscape.minimise(trial, settings.compression)
        centre = new.positions.mean(axis=0)
        radial = np.linalg.norm(new.positions - centre, axis=1)
        outside = radial > r_container
        if outside.any():  # container: pull escaped atoms back in and relax again
            y = new.positions.copy()
            y[outside] = centre + (y[outside] - centre) * (0.8 * r_container / radial[outside])[:, None]
            new = landscape.minimise(y, settings.compression)
        record(new, k)
        de = new.energy - current.energy
        if jumps_left > 0 or de <= 0.0 or rng.random() < math.exp(-de / kt):
            current = new
            accepted += 1
            window_accepted += 1
            jumps_left = max(jumps_left - 1, 0)
        if current.energy < walker_best - 1e-9 * e_scale:
            walker_best = current.energy
            since_improvement = 0
        else:
            since_improvement += 1
        if settings.jump_after is not None and since_improvement >= settings.jump_after:
            jumps_left = settings.jump_length
            since_improvement = 0
            walker_best = math.inf  # the next lower minimum counts as progress again
        if new.energy < best:
            best = new.energy
            history.append((k, best))
        if k % settings.adjust_every == 0:
            ratio = window_accepted / settings.adjust_every
            step = float(np.clip(step * (1.1 if ratio > settings.target_acceptance else 0.9), lo, hi))
            window_accepted = 0
        done = k
        if on_step is not None:
            on_step(k)
        if target is not None and best <= target:
            first_hit = k
            stop = "target reached"
    return BasinHoppingResult(
        archive=archive,
        steps=done,
        relaxations=landscape.relaxations,
        evaluations=landscape.evaluations,
        accepted=accepted,
        stop_reason=stop,
        best_energy=best,
        first_hit_step=first_hit,
        best_history=history,
        energy_scale=e_scale,
        length_scale=l_scale,
    )
