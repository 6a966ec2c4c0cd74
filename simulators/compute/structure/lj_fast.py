"""Compiled Lennard-Jones energy/gradient and a GMIN-style L-BFGS quench (numba).

Why: a basin-hopping run on the hard LJ clusters needs ~10^5 local minimisations, and with
numpy arrays handed to scipy's L-BFGS-B a 75-atom quench costs ~35 ms, mostly in Python overhead
per iteration. Here the pair loop (i < j, no cutoff) and the whole minimiser are compiled, so a
quench costs a few ms.

The minimiser follows the scheme of Nocedal's L-BFGS as used in GMIN (Wales's global
optimisation program): the two-loop recursion with ``memory`` pairs, no line search, the step
length capped at ``max_step`` (sigma) and divided by ten while the energy rises (by more than
``max_rise``). Convergence is on the RMS gradient, sqrt(|g|^2 / 3N) <= ``rms_gtol`` (epsilon /
sigma), as GMIN's quench criterion is an RMS force. The default 1e-5 identifies a minimum's energy
to far better than the 1e-4 slack used when comparing with the Cambridge Cluster Database (the
energy error of a quench is ~ g H^-1 g / 2).

With ``compression`` mu > 0 the objective is E + mu * sum_i |x_i - centroid|^2 (the first phase of
Locatelli & Schoen's two-phase local search, Comput. Optim. Appl. 26, 173 (2003)).

Without numba the module still imports; ``HAVE_NUMBA`` is then False and callers fall back to
scipy (``landscape.ClusterLandscape``).
"""

from __future__ import annotations

import math

import numpy as np

try:
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is absent
    HAVE_NUMBA = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(f):
            return f

        return wrap if not args or not callable(args[0]) else args[0]


#: default RMS-gradient convergence of a quench (epsilon/sigma)
RMS_GTOL = 1e-5


@njit(cache=True, fastmath=False)
def lj_eg_flat(x: np.ndarray, g: np.ndarray, compression: float) -> float:
    """Energy of the flat (3N) coordinates ``x``; writes the gradient into ``g``."""
    n = x.shape[0] // 3
    g[:] = 0.0
    e = 0.0
    for i in range(n):
        xi = x[3 * i]
        yi = x[3 * i + 1]
        zi = x[3 * i + 2]
        gx = 0.0
        gy = 0.0
        gz = 0.0
        for j in range(i + 1, n):
            dx = xi - x[3 * j]
            dy = yi - x[3 * j + 1]
            dz = zi - x[3 * j + 2]
            ir2 = 1.0 / (dx * dx + dy * dy + dz * dz)
            ir6 = ir2 * ir2 * ir2
            e += ir6 * (ir6 - 1.0)
            c = (24.0 * ir6 - 48.0 * ir6 * ir6) * ir2
            gx += c * dx
            gy += c * dy
            gz += c * dz
            g[3 * j] -= c * dx
            g[3 * j + 1] -= c * dy
            g[3 * j + 2] -= c * dz
        g[3 * i] += gx
        g[3 * i + 1] += gy
        g[3 * i + 2] += gz
    e *= 4.0
    if compression > 0.0:
        cx = 0.0
        cy = 0.0
        cz = 0.0
        for i in range(n):
            cx += x[3 * i]
            cy += x[3 * i + 1]
            cz += x[3 * i + 2]
        cx /= n
        cy /= n
        cz /= n
        for i in range(n):
            dx = x[3 * i] - cx
            dy = x[3 * i + 1] - cy
            dz = x[3 * i + 2] - cz
            e += compression * (dx * dx + dy * dy + dz * dz)
            # the centroid's own dependence sums to zero over atoms
            g[3 * i] += 2.0 * compression * dx
            g[3 * i + 1] += 2.0 * compression * dy
            g[3 * i + 2] += 2.0 * compression * dz
    return e


@njit(cache=True)
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # a plain loop: numba's np.dot calls BLAS, whose threads spin on a loaded machine (measured:
    # 30 ms per L-BFGS iteration instead of microseconds)
    s = 0.0
    for k in range(a.shape[0]):
        s += a[k] * b[k]
    return s


@njit(cache=True)
def lbfgs_quench(
    x0: np.ndarray,
    compression: float,
    rms_gtol: float,
    max_iterations: int,
    memory: int,
    max_step: float,
    max_rise: float,
) -> tuple[np.ndarray, float, int, bool]:
    """Quench flat coordinates ``x0``: (x, energy, energy evaluations, converged)."""
    n = x0.shape[0]
    x = x0.copy()
    g = np.empty(n)
    e = lj_eg_flat(x, g, compression)
    evals = 1
    s_hist = np.zeros((memory, n))
    y_hist = np.zeros((memory, n))
    rho = np.zeros(memory)
    alpha = np.zeros(memory)
    stored = 0
    head = 0  # slot of the next pair
    xn = np.empty(n)
    gn = np.empty(n)
    d = np.empty(n)
    gamma = 0.1  # initial inverse-Hessian guess (the role of GMIN's DGUESS keyword)
    converged = False
    for _ in range(max_iterations):
        if math.sqrt(_dot(g, g) / n) <= rms_gtol:
            converged = True
            break
        d[:] = g
        for k in range(stored):
            slot = (head - 1 - k) % memory
            alpha[slot] = rho[slot] * _dot(s_hist[slot], d)
            d -= alpha[slot] * y_hist[slot]
        d *= gamma
        for k in range(stored - 1, -1, -1):
            slot = (head - 1 - k) % memory
            beta = rho[slot] * _dot(y_hist[slot], d)
            d += (alpha[slot] - beta) * s_hist[slot]
        d *= -1.0
        if _dot(d, g) > 0.0:  # not a descent direction: flip it (as GMIN's mylbfgs does)
            d *= -1.0
        norm = math.sqrt(_dot(d, d))
        if norm > max_step:
            d *= max_step / norm
        en = 0.0
        ok = False
        for _try in range(10):
            for k in range(n):
                xn[k] = x[k] + d[k]
            en = lj_eg_flat(xn, gn, compression)
            evals += 1
            if en - e <= max_rise:
                ok = True
                break
            d *= 0.1
        if not ok:  # no downhill step along this direction: forget the curvature history
            stored = 0
            gamma = 0.1
            continue
        sy = 0.0
        yy = 0.0
        for k in range(n):
            sk = xn[k] - x[k]
            yk = gn[k] - g[k]
            s_hist[head, k] = sk
            y_hist[head, k] = yk
            sy += sk * yk
            yy += yk * yk
        if sy > 1e-300:
            rho[head] = 1.0 / sy
            gamma = sy / yy
            head = (head + 1) % memory
            stored = min(stored + 1, memory)
        x[:] = xn
        g[:] = gn
        e = en
    return x, e, evals, converged


def quench(
    positions: np.ndarray,
    *,
    compression: float = 0.0,
    rms_gtol: float = RMS_GTOL,
    max_iterations: int = 10_000,
    memory: int = 4,
    max_step: float = 0.4,
    max_rise: float = 1e-10,
) -> tuple[np.ndarray, float, int, bool]:
    """Local minimum of an LJ cluster from ``positions`` (N, 3): (positions, energy, evaluations,
    converged). See the module docstring for the method and the convergence criterion."""
    x = np.ascontiguousarray(positions, dtype=float).ravel()
    out, e, evals, ok = lbfgs_quench(
        x,
        float(compression),
        float(rms_gtol),
        int(max_iterations),
        int(memory),
        float(max_step),
        float(max_rise),
    )
    return out.reshape(-1, 3), float(e), int(evals), bool(ok)


def energy_gradient(positions: np.ndarray) -> tuple[float, np.ndarray]:
    """LJ energy and gradient (N, 3) through the compiled kernel."""
    x = np.ascontiguousarray(positions, dtype=float).ravel()
    g = np.empty_like(x)
    e = lj_eg_flat(x, g, 0.0)
    return float(e), g.reshape(-1, 3)
