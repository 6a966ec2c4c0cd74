"""The oracle: scores molecules, counts unique calls against a budget, remembers every result.

A call is one molecule scored for the first time, identified by its canonical SMILES: asking
again for a molecule already scored (in any spelling) is free and returns the stored result.
Batches of new molecules are evaluated in-process or as Dask tasks through
``labwright.simulators.compute.cluster.run_tasks``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from labwright.simulators.compute.cluster import run_tasks
from labwright.simulators.compute.design.models import ScoredMolecule
from labwright.simulators.compute.design.objectives import Objective, cached_objectives
from labwright.simulators.compute.design.scoring import geometric_mean
from labwright.simulators.compute.design.seeds import canonical_smiles
from labwright.simulators.compute.design.xtb import CostlyCache

log = logging.getLogger(__name__)

Raw = dict[str, float | None]


def evaluate_chunk(
    specs: tuple[str, ...],
    weights: tuple[float, ...],
    pareto: bool,
    items: list[tuple[str, Raw]],
) -> list[Raw]:
    """Raw objective values for each (canonical SMILES, already-known raw values).

    Runs in a Dask worker or in-process. Cheap objectives are computed first; costly ones are
    skipped (``None``) when the molecule is already out: a failed constraint, or (without
    ``pareto``) any cheap objective scoring 0, which makes the geometric mean 0 anyway.
    """
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    objectives = cached_objectives(specs, weights)
    out: list[Raw] = []
    for smiles, known in items:
        mol = Chem.MolFromSmiles(smiles)
        raw: Raw = {}
        dead = False
        for obj in sorted(objectives, key=lambda o: o.costly):
            if obj.name in known:
                raw[obj.name] = known[obj.name]
            elif obj.costly and dead:
                raw[obj.name] = None
            else:
                raw[obj.name] = obj.raw(mol)
            if obj.score(raw[obj.name]) <= 0.0 and (obj.kind == "constraint" or not pareto):
                dead = True
        out.append({o.name: raw[o.name] for o in objectives})
    return out


class Oracle:
    """Budgeted, de-duplicating scorer; ``records`` keeps every result in call order."""

    def __init__(
        self,
        objectives: list[Objective],
        budget: int,
        *,
        pareto: bool = False,
        workers: int = 1,
        scheduler: str | None = None,
        cache: CostlyCache | None = None,
        on_progress: Callable[[int, float], None] | None = None,
    ) -> None:
        self.objectives = objectives
        self.budget = budget
        self.pareto = pareto
        self.workers = workers
        self.scheduler = scheduler
        self.cache = cache
        self.on_progress = on_progress
        self.records: dict[str, ScoredMolecule] = {}
        self.best = 0.0
        self._specs = tuple(o.name for o in objectives)
        self._weights = tuple(o.weight for o in objectives)

    @property
    def calls(self) -> int:
        return len(self.records)

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.calls)

    @property
    def exhausted(self) -> bool:
        return self.remaining == 0

    def known(self, canonical: str) -> bool:
        return canonical in self.records

    def score_value(self, raw: Raw) -> tuple[float, dict[str, float]]:
        per = {o.name: o.score(raw.get(o.name)) for o in self.objectives}
        total = geometric_mean([per[o.name] for o in self.objectives], self._weights)
        return total, per

    def score(self, smiles: list[str]) -> list[ScoredMolecule]:
        """Score a batch; returns one record per valid input that is (now) scored, in order.

        New molecules beyond the remaining budget are dropped (not scored, not returned).
        """
        canon: list[str] = []
        for s in smiles:
            c = canonical_smiles(s) if s else None
            if c is not None:
                canon.append(c)
        new: list[str] = []
        seen: set[str] = set()
        for c in canon:
            if c not in self.records and c not in seen:
                seen.add(c)
                new.append(c)
        new = new[: self.remaining]
        if new:
            self._evaluate(new)
        return [self.records[c] for c in canon if c in self.records]

    def _known_costly(self, new: list[str]) -> dict[str, Raw]:
        known: dict[str, Raw] = {c: {} for c in new}
        if self.cache is None:
            return known
        for obj in self.objectives:
            if obj.costly:
                key = obj.params.get("cache_key", obj.name)
                for smiles, value in self.cache.get_many(key, new).items():
                    known[smiles][obj.name] = value
        return known

    def _evaluate(self, new: list[str]) -> None:
        known = self._known_costly(new)
        items = [(c, known[c]) for c in new]
        fn = partial(evaluate_chunk, self._specs, self._weights, self.pareto)
        if self.workers == 1 and self.scheduler is None:
            raws = fn(items)
        else:
            n_chunks = min(len(items), max(1, 4 * self.workers))
            chunks = [items[i::n_chunks] for i in range(n_chunks)]
            results = run_tasks(fn, chunks, workers=self.workers, scheduler=self.scheduler)
            by_smiles: dict[str, Raw] = {}
            for chunk, raw_list in zip(chunks, results, strict=True):
                for (smiles, _), raw in zip(chunk, raw_list, strict=True):
                    by_smiles[smiles] = raw
            raws = [by_smiles[c] for c in new]
        self._store_costly(new, known, raws)
        for smiles, raw in zip(new, raws, strict=True):
            total, per = self.score_value(raw)
            self.records[smiles] = ScoredMolecule(
                smiles=smiles, score=total, objectives=per, raw=raw, call=self.calls + 1
            )
            self.best = max(self.best, total)
        if self.on_progress:
            self.on_progress(self.calls, self.best)

    def _store_costly(self, new: list[str], known: dict[str, Raw], raws: list[Raw]) -> None:
        if self.cache is None:
            return
        for obj in self.objectives:
            if not obj.costly:
                continue
            fresh = {
                s: r[obj.name]
                for s, r in zip(new, raws, strict=True)
                if obj.name not in known[s] and r[obj.name] is not None
            }
            if fresh:
                self.cache.put_many(obj.params.get("cache_key", obj.name), fresh)
