"""Structure search front end: basin hopping or AIRSS, one run or many independent runs on Dask.

Every run and every AIRSS trial draws from its own ``numpy.random.Generator`` seeded from
``SeedSequence(seed, spawn_key=...)``: results depend on the seed only, never on how the work is
split across workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from labwright.protocols.errors import ConfigurationError
from labwright.simulators.compute.structure.basin_hopping import BasinHoppingSettings, basin_hopping
from labwright.simulators.compute.structure.calculators import CalculatorSpec
from labwright.simulators.compute.structure.composition import is_lennard_jones, parse_composition
from labwright.simulators.compute.structure.minima import MinimaArchive
from labwright.simulators.compute.structure.population import PopulationSettings
from labwright.simulators.compute.structure.threads import single_threaded_blas
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

Method = Literal["basin-hopping", "population", "airss"]
_BH_KEY = 1
_AIRSS_KEY = 2


class SearchSettings(BaseModel):
    """What to search for and how."""

    model_config = ConfigDict(frozen=True)

    composition: str = Field(..., description="e.g. LJ38, Cu13, Ag4, Cu3Au")
    calculator: CalculatorSpec = CalculatorSpec()
    method: Method = "basin-hopping"
    periodic: bool = False
    pressure_gpa: float = Field(0.0, description="external pressure for periodic cells (GPa)")
    seed: int = 0
    steps: int = Field(1000, ge=0, description="basin-hopping steps per run")
    runs: int = Field(1, ge=1, description="independent basin-hopping runs")
    trials: int = Field(50, ge=1, description="AIRSS random structures to relax")
    fmax: float = Field(0.01, gt=0.0, description="force tolerance (eV/A) for ASE calculators")
    max_relax_steps: int = Field(1000, ge=1)
    volume_per_atom: float | None = Field(None, gt=0.0, description="AIRSS target (A^3/atom)")
    min_separation_factor: float | None = Field(None, gt=0.0, le=1.5)
    basin_hopping: BasinHoppingSettings = BasinHoppingSettings()
    population: PopulationSettings = Field(
        PopulationSettings(), description="method population: steps = local searches per run"
    )
    stop_energy: float | None = Field(None, description="stop a run once this energy is reached")
    archive_size: int = Field(20, ge=1, description="distinct minima kept")
    time_budget_s: float | None = Field(None, gt=0.0)

    def symbols(self) -> list[str]:
        return parse_composition(self.composition)

    def check(self) -> None:
        """Raise ConfigurationError for settings that cannot run."""
        symbols = self.symbols()
        if is_lennard_jones(self.composition) != (self.calculator.name == "lj"):
            raise ConfigurationError(
                f"composition {self.composition!r} does not fit calculator {self.calculator.name!r}",
                hint="use LJ<n> with --calculator lj, and element symbols with emt or mace",
            )
        self.calculator.check(symbols, self.periodic)
        if self.method in ("basin-hopping", "population") and self.periodic:
            raise ConfigurationError(
                "basin hopping here searches clusters; periodic cells use AIRSS",
                hint="use --method airss with --periodic",
            )
        if self.method == "population" and self.calculator.name != "lj":
            raise ConfigurationError(
                "population basin hopping is tuned in Lennard-Jones reduced units (its compression "
                "and step are in epsilon and sigma)",
                hint="use --method basin-hopping with EMT or MACE, or an LJ<n> composition",
            )
        if self.periodic and len(symbols) > 64:
            raise ConfigurationError("at most 64 atoms per periodic cell", hint="use fewer atoms")


@dataclass
class TaskResult:
    """What one independent task (a basin-hopping run or a batch of AIRSS trials) returns."""

    archive: MinimaArchive
    steps: int = 0
    relaxations: int = 0
    evaluations: int = 0
    stop_reason: str = "completed"
    runs: list[dict[str, Any]] = field(default_factory=list)


class MinimumRecord(BaseModel):
    rank: int
    energy: float
    enthalpy: float
    energy_per_atom: float
    volume_per_atom: float | None = None
    hits: int
    found_by: str
    found_at_step: int = Field(description="basin-hopping step (or AIRSS trial) of first find")


class RunRecord(BaseModel):
    run: int
    best_energy: float
    steps: int
    relaxations: int
    first_hit_step: int | None = None
    stop_reason: str


class SearchResult(BaseModel):
    """The outcome of a search; ``minima`` are distinct, lowest enthalpy first."""

    composition: str
    method: Method
    calculator: str
    energy_unit: str
    periodic: bool
    pressure_gpa: float
    seed: int
    n_atoms: int
    best_energy: float
    best_enthalpy: float
    steps: int
    relaxations: int
    evaluations: int
    minima: list[MinimumRecord]
    runs: list[RunRecord]
    stop_reason: str
    stopped_early: bool
    elapsed_s: float


@dataclass
class SearchOutcome:
    result: SearchResult
    archive: MinimaArchive

    @property
    def best_atoms(self) -> Any:
        best = self.archive.best
        return None if best is None else best.atoms


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(key)))


def _monotonic_deadline(wall_deadline: float | None) -> float | None:
    if wall_deadline is None:
        return None
    return time.monotonic() + (wall_deadline - time.time())


def run_basin_hopping_task(
    settings: SearchSettings,
    run: int,
    wall_deadline: float | None = None,
    on_step: Callable[[int], Any] | None = None,
) -> TaskResult:
    """One independent basin-hopping run (run index ``run`` of the search)."""
    from labwright.simulators.compute.structure.landscape import calculator_landscape, lj_landscape

    symbols = settings.symbols()
    if settings.method == "population":
        return _population_task(settings, run, wall_deadline, on_step)
    with single_threaded_blas():
        if settings.calculator.name == "lj":
            landscape = lj_landscape(len(symbols), symbols[0])
        else:
            landscape = calculator_landscape(symbols, settings.calculator.build(), settings.fmax)
        bh = settings.basin_hopping.model_copy(
            update={
                "steps": settings.steps,
                "stop_energy": settings.stop_energy,
                "archive_size": settings.archive_size,
            }
        )
        out = basin_hopping(
            landscape,
            _rng(settings.seed, _BH_KEY, run),
            bh,
            reduced_units=settings.calculator.name == "lj",
            deadline=_monotonic_deadline(wall_deadline),
            on_step=on_step,
        )
    for m in out.archive.minima:
        m.source = f"basin-hopping run {run}"
    record = {
        "run": run,
        "best_energy": out.best_energy,
        "steps": out.steps,
        "relaxations": out.relaxations,
        "first_hit_step": out.first_hit_step,
        "stop_reason": out.stop_reason,
    }
    return TaskResult(out.archive, out.steps, out.relaxations, out.evaluations, out.stop_reason, [record])


def _population_task(
    settings: SearchSettings,
    run: int,
    wall_deadline: float | None,
    on_step: Callable[[int], Any] | None,
) -> TaskResult:
    """One population basin-hopping run (LJ): its best minimum goes into the archive."""
    from ase import Atoms
    from labwright.simulators.compute.structure.landscape import lj_landscape
    from labwright.simulators.compute.structure.population import population_basin_hopping

    symbols = settings.symbols()
    with single_threaded_blas():
        landscape = lj_landscape(len(symbols), symbols[0])
        pbh = settings.population.model_copy(
            update={"local_searches": max(settings.steps, 1), "stop_energy": settings.stop_energy}
        )
        out = population_basin_hopping(
            landscape,
            _rng(settings.seed, _BH_KEY, run),
            pbh,
            deadline=_monotonic_deadline(wall_deadline),
            on_step=on_step,
        )
    archive = MinimaArchive(capacity=settings.archive_size)
    archive.add(
        Atoms(symbols, positions=out.best_positions, pbc=False),
        out.best_energy,
        step=out.first_hit or out.local_searches,
        source=f"population run {run}",
    )
    record = {
        "run": run,
        "best_energy": out.best_energy,
        "steps": out.local_searches,
        "relaxations": out.local_searches,
        "first_hit_step": out.first_hit,
        "stop_reason": out.stop_reason,
    }
    return TaskResult(
        archive, out.local_searches, out.local_searches, out.evaluations, out.stop_reason, [record]
    )


def run_airss_task(
    settings: SearchSettings,
    trials: Sequence[int],
    wall_deadline: float | None = None,
    on_step: Callable[[int], Any] | None = None,
) -> TaskResult:
    """Generate and relax the AIRSS trials with the given indices."""
    from labwright.simulators.compute.structure.random_structures import random_cluster, random_periodic
    from labwright.simulators.compute.structure.relax import relax

    symbols = settings.symbols()
    archive = MinimaArchive(capacity=settings.archive_size)
    deadline = _monotonic_deadline(wall_deadline)
    result = TaskResult(archive)
    with single_threaded_blas():
        calc = settings.calculator.build()
        for done, trial in enumerate(trials, start=1):
            if done > 1 and deadline is not None and time.monotonic() > deadline:
                result.stop_reason = "time budget"
                break
            rng = _rng(settings.seed, _AIRSS_KEY, trial)
            sep = settings.min_separation_factor
            if settings.periodic:
                atoms = random_periodic(
                    symbols,
                    rng,
                    volume_per_atom=settings.volume_per_atom,
                    min_separation_factor=sep or 0.7,
                )
            else:
                atoms = random_cluster(
                    symbols,
                    rng,
                    volume_per_atom=settings.volume_per_atom,
                    min_separation_factor=sep or 0.8,
                )
            relaxed = relax(
                atoms,
                calc,
                pressure_gpa=settings.pressure_gpa,
                fmax=settings.fmax if settings.calculator.name != "lj" else 1e-4,
                max_steps=settings.max_relax_steps,
            )
            result.steps += 1
            result.relaxations += 1
            result.evaluations += relaxed.evaluations
            if not np.isfinite(relaxed.enthalpy):
                continue
            archive.add(
                relaxed.atoms,
                relaxed.energy,
                relaxed.enthalpy,
                step=trial,
                source=f"airss trial {trial}",
            )
            if on_step is not None:
                on_step(done)
    return result


def _tasks(settings: SearchSettings, batches: int) -> list[tuple[str, Any]]:
    if settings.method in ("basin-hopping", "population"):
        return [("bh", run) for run in range(settings.runs)]
    n = max(1, min(batches, settings.trials))
    chunks = np.array_split(np.arange(settings.trials), n)
    return [("airss", [int(t) for t in chunk]) for chunk in chunks if len(chunk)]


@dataclass(frozen=True)
class _TaskRunner:
    """Picklable callable for Dask: runs one task of a search."""

    settings: SearchSettings
    wall_deadline: float | None

    def __call__(self, task: tuple[str, Any]) -> TaskResult:
        kind, arg = task
        if kind == "bh":
            return run_basin_hopping_task(self.settings, arg, self.wall_deadline)
        return run_airss_task(self.settings, arg, self.wall_deadline)


def search(
    settings: SearchSettings,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_progress: Callable[[int, int], Any] | None = None,
) -> SearchOutcome:
    """Run a structure search; ``on_progress(done, total)`` reports steps/trials (or tasks)."""
    from labwright.simulators.compute.cluster import run_tasks

    settings.check()
    started = time.monotonic()
    wall_deadline = None if settings.time_budget_s is None else time.time() + settings.time_budget_s
    in_process = workers == 1 and scheduler is None
    tasks = _tasks(settings, batches=1 if in_process else 4 * workers)
    results: list[TaskResult] = []
    if in_process:
        total = settings.steps * settings.runs if settings.method != "airss" else settings.trials
        finished = 0
        for task in tasks:
            kind, arg = task

            def tick(k: int, base: int = finished) -> None:
                if on_progress is not None:
                    on_progress(base + k, total)

            if kind == "bh":
                res = run_basin_hopping_task(settings, arg, wall_deadline, tick)
            else:
                res = run_airss_task(settings, arg, wall_deadline, tick)
            finished += settings.steps if kind == "bh" else len(arg)
            results.append(res)
    else:
        count = [0]

        def done(_: int) -> None:
            count[0] += 1
            if on_progress is not None:
                on_progress(count[0], len(tasks))

        results = run_tasks(
            _TaskRunner(settings, wall_deadline),
            tasks,
            workers=workers,
            scheduler=scheduler,
            on_done=done,
        )
    return _combine(settings, results, time.monotonic() - started)


def _combine(settings: SearchSettings, results: list[TaskResult], elapsed: float) -> SearchOutcome:
    archive = MinimaArchive(capacity=settings.archive_size)
    for res in results:
        archive.merge(res.archive)
    best = archive.best
    if best is None:
        raise ConfigurationError(
            "the search found no minimum (time budget too small?)",
            hint="raise the time budget or the number of steps/trials",
        )
    n = len(best.atoms)
    minima = []
    for rank, m in enumerate(archive.minima, start=1):
        vol = m.atoms.get_volume() / n if m.periodic else None
        minima.append(
            MinimumRecord(
                rank=rank,
                energy=m.energy,
                enthalpy=m.enthalpy,
                energy_per_atom=m.energy / n,
                volume_per_atom=vol,
                hits=m.hits,
                found_by=m.source,
                found_at_step=m.found_at_step,
            )
        )
    runs = [RunRecord(**r) for res in results for r in res.runs]
    reasons = {res.stop_reason for res in results}
    stop = (
        "time budget"
        if "time budget" in reasons
        else ("target reached" if reasons == {"target reached"} else "completed")
    )
    result = SearchResult(
        composition=settings.composition,
        method=settings.method,
        calculator=settings.calculator.name,
        energy_unit=settings.calculator.energy_unit(),
        periodic=settings.periodic,
        pressure_gpa=settings.pressure_gpa,
        seed=settings.seed,
        n_atoms=n,
        best_energy=best.energy,
        best_enthalpy=best.enthalpy,
        steps=sum(r.steps for r in results),
        relaxations=sum(r.relaxations for r in results),
        evaluations=sum(r.evaluations for r in results),
        minima=minima,
        runs=runs,
        stop_reason=stop,
        stopped_early=stop == "time budget",
        elapsed_s=elapsed,
    )
    return SearchOutcome(result, archive)
