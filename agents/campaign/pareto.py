"""Pareto fronts and hypervolumes of measured objectives (numpy only: reports load no torch).

Values are first turned to "larger is better" (minimised objectives negated). A point is on
the Pareto front when no other point is at least as good in every objective and better in one.
The hypervolume is the volume dominated by the front and bounded by the reference point (each
objective's ``reference``: the worst value worth having); exact, by sweeping the first
objective (2-D) or slicing along it (3-D).
"""

from __future__ import annotations

import numpy as np


def pareto_mask(y: np.ndarray) -> np.ndarray:
    """Rows of ``y`` (n, m; larger is better) that no other row dominates."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        others = np.delete(y, i, axis=0)
        if len(others) and np.any(np.all(others >= y[i], axis=1) & np.any(others > y[i], axis=1)):
            mask[i] = False
    return mask


def _hv2(points: np.ndarray, ref: np.ndarray) -> float:
    pts = points[np.argsort(-points[:, 0])]
    volume, best_y = 0.0, ref[1]
    for x, y in pts:
        if y > best_y:
            volume += (x - ref[0]) * (y - best_y)
            best_y = y
    return float(volume)


def hypervolume(y: np.ndarray, ref: np.ndarray) -> float:
    """Volume dominated by ``y`` (n, m; larger is better) above ``ref`` (m,); m is 1, 2 or 3."""
    y = np.asarray(y, dtype=float).reshape(len(y), -1) if len(y) else np.zeros((0, len(ref)))
    ref = np.asarray(ref, dtype=float)
    y = y[np.all(y > ref, axis=1)]
    if len(y) == 0:
        return 0.0
    m = y.shape[1]
    if m == 1:
        return float(np.max(y[:, 0]) - ref[0])
    if m == 2:
        return _hv2(y, ref)
    if m == 3:
        xs = np.unique(np.concatenate([y[:, 0], [ref[0]]]))
        xs = np.sort(xs)
        volume = 0.0
        for lo, hi in zip(xs[:-1], xs[1:], strict=True):
            slab = y[y[:, 0] >= hi][:, 1:]
            if len(slab):
                volume += (hi - lo) * _hv2(slab, ref[1:])
        return float(volume)
    raise ValueError("hypervolume takes 1 to 3 objectives")
