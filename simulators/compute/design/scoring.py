"""Pure functions: combine objective scores, rank a Pareto front, the PMO top-k AUC."""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence


def geometric_mean(scores: Sequence[float], weights: Sequence[float]) -> float:
    """Weighted geometric mean of scores in [0, 1]; 0 if any score is 0."""
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("weights must sum to a positive number")
    if len(scores) == 1:  # exactly the score (exp(log(s)) can differ in the last bit)
        return max(0.0, min(1.0, float(scores[0])))
    acc = 0.0
    for s, w in zip(scores, weights, strict=True):
        if s <= 0.0:
            return 0.0
        acc += w * math.log(min(1.0, s))
    return math.exp(acc / total)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """a is at least as good as b everywhere and better somewhere (maximisation)."""
    return all(x >= y for x, y in zip(a, b, strict=True)) and any(
        x > y for x, y in zip(a, b, strict=True)
    )


def pareto_ranks(points: Sequence[Sequence[float]], feasible: Sequence[bool]) -> list[int]:
    """Non-dominated sorting (Deb et al. 2002): rank 0 is the Pareto front.

    Infeasible points (a constraint is violated) rank after every feasible one, all together.
    """
    n = len(points)
    ranks = [-1] * n
    idx = [i for i in range(n) if feasible[i]]
    dominated_by = {i: 0 for i in idx}
    dominating: dict[int, list[int]] = {i: [] for i in idx}
    for a_pos, i in enumerate(idx):
        for j in idx[a_pos + 1 :]:
            if dominates(points[i], points[j]):
                dominating[i].append(j)
                dominated_by[j] += 1
            elif dominates(points[j], points[i]):
                dominating[j].append(i)
                dominated_by[i] += 1
    front = [i for i in idx if dominated_by[i] == 0]
    rank = 0
    while front:
        nxt = []
        for i in front:
            ranks[i] = rank
            for j in dominating[i]:
                dominated_by[j] -= 1
                if dominated_by[j] == 0:
                    nxt.append(j)
        front = nxt
        rank += 1
    for i in range(n):
        if ranks[i] < 0:
            ranks[i] = rank
    return ranks


def peel_fronts(
    points: Sequence[Sequence[float]], feasible: Sequence[bool], at_least: int
) -> dict[int, int]:
    """Pareto rank of the first fronts only, peeled until ``at_least`` points are ranked.

    Same ranks as ``pareto_ranks`` for the points it returns, in O(n * front size) per front
    instead of O(n^2): a point can only be dominated by one with a strictly larger coordinate
    sum, so scanning by descending sum, a point is on the front iff no front member so far
    dominates it. Infeasible points come after every feasible one, as one last rank.
    """
    remaining = sorted(
        (i for i in range(len(points)) if feasible[i]), key=lambda i: -sum(points[i])
    )
    ranks: dict[int, int] = {}
    rank = 0
    while remaining and len(ranks) < at_least:
        front: list[int] = []
        rest: list[int] = []
        for i in remaining:
            if any(dominates(points[j], points[i]) for j in front):
                rest.append(i)
            else:
                front.append(i)
        for i in front:
            ranks[i] = rank
        remaining, rank = rest, rank + 1
    if len(ranks) < at_least:
        for i in range(len(points)):
            if not feasible[i]:
                ranks[i] = rank
    return ranks


def crowding_distances(points: Sequence[Sequence[float]]) -> list[float]:
    """NSGA-II crowding distance within one front (boundary points get infinity)."""
    n = len(points)
    if n == 0:
        return []
    dist = [0.0] * n
    for k in range(len(points[0])):
        order = sorted(range(n), key=lambda i: points[i][k])
        lo, hi = points[order[0]][k], points[order[-1]][k]
        dist[order[0]] = dist[order[-1]] = math.inf
        if hi - lo <= 0:
            continue
        for pos in range(1, n - 1):
            dist[order[pos]] += (points[order[pos + 1]][k] - points[order[pos - 1]][k]) / (hi - lo)
    return dist


def top_k_mean_curve(scores: Sequence[float], checkpoints: Sequence[int], k: int) -> list[float]:
    """Mean of the k best scores among the first c calls, for each checkpoint c (ascending)."""
    heap: list[float] = []
    out: list[float] = []
    pos = 0
    for c in checkpoints:
        while pos < c and pos < len(scores):
            s = scores[pos]
            if len(heap) < k:
                heapq.heappush(heap, s)
            elif s > heap[0]:
                heapq.heapreplace(heap, s)
            pos += 1
        out.append(sum(heap) / len(heap) if heap else 0.0)
    return out


def auc_top_k(scores: Sequence[float], budget: int, k: int = 10, every: int = 100) -> float:
    """Area under the mean-top-k curve against oracle calls, divided by the budget.

    The convention of the PMO benchmark (Gao et al., NeurIPS 2022): the mean of the top k scores
    is sampled every ``every`` calls, integrated with the trapezoid rule from 0 calls (value 0),
    and, when a run stops before its budget, held at its final value up to the budget. A run that
    finds the optimum at once scores close to 1.
    """
    n = min(len(scores), budget)
    if budget <= 0 or n == 0:
        return 0.0
    checkpoints = list(range(every, n, every)) + [n]
    values = top_k_mean_curve(scores, checkpoints, k)
    area, prev_calls, prev_value = 0.0, 0, 0.0
    for calls, value in zip(checkpoints, values, strict=True):
        area += (calls - prev_calls) * (value + prev_value) / 2.0
        prev_calls, prev_value = calls, value
    area += (budget - n) * prev_value
    return area / budget
