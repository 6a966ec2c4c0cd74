"""Pure scoring functions: geometric mean, Pareto ranks, PMO top-k AUC."""

from __future__ import annotations

import pytest
from labwright.simulators.compute.design.scoring import (
    auc_top_k,
    crowding_distances,
    geometric_mean,
    pareto_ranks,
)


def test_weighted_geometric_mean() -> None:
    assert geometric_mean([0.5, 0.5], [1, 1]) == pytest.approx(0.5)
    assert geometric_mean([0.9, 0.4], [1, 1]) == pytest.approx(0.6)
    assert geometric_mean([0.9, 0.4], [3, 1]) == pytest.approx(0.9**0.75 * 0.4**0.25)
    assert geometric_mean([0.9, 0.0], [1, 1]) == 0.0


def test_pareto_ranks_and_infeasible_last() -> None:
    points = [(1.0, 0.0), (0.0, 1.0), (0.5, 0.5), (0.4, 0.4), (0.9, 0.9), (0.1, 0.1)]
    feasible = [True, True, True, True, True, False]
    ranks = pareto_ranks(points, feasible)
    assert ranks[4] == 0 and ranks[0] == 0 and ranks[1] == 0
    assert ranks[2] == 1 and ranks[3] == 2
    assert ranks[5] == max(ranks)


def test_crowding_distance_boundaries_are_infinite() -> None:
    d = crowding_distances([(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)])
    assert d[0] == d[2] == float("inf") and 0 < d[1] < float("inf")


def test_auc_top10_follows_the_pmo_convention() -> None:
    # perfect from the first call: trapezoid 0 -> 1 over the first 100 calls, then 1
    assert auc_top_k([1.0] * 1000, 1000) == pytest.approx((1000 - 50) / 1000)
    # a run that stops early holds its last value until the budget
    assert auc_top_k([1.0] * 100, 1000) == pytest.approx((1000 - 50) / 1000)
    # hand computation: 200 calls, scores 0.5 then 1.0 from call 101 on, top-10 mean
    scores = [0.5] * 100 + [1.0] * 100
    expected = (100 * (0.5 + 0) / 2 + 100 * (1.0 + 0.5) / 2) / 200
    assert auc_top_k(scores, 200) == pytest.approx(expected)
    assert auc_top_k([], 100) == 0.0


def test_peeled_fronts_agree_with_full_non_dominated_sorting() -> None:
    import numpy as np
    from labwright.simulators.compute.design.scoring import peel_fronts

    rng = np.random.default_rng(0)
    points = [tuple(p) for p in rng.random((300, 3)).round(2)]
    feasible = [bool(f) for f in rng.random(300) > 0.1]
    full = pareto_ranks(points, feasible)
    peeled = peel_fronts(points, feasible, at_least=40)
    assert len(peeled) >= 40
    assert all(full[i] == r for i, r in peeled.items())
    assert set(peeled) >= {i for i, r in enumerate(full) if r == 0}
