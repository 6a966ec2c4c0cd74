"""Batch kinetics over a well's temperature history.

A kinetic twin gives ``rates(c, kelvin) -> dc/dt`` (mol/L/s) for its species vector ``c``. The
deck twin reports the conditions a well spent the time under since its last liquid arrived
(``MeasureEvent.exposures``); each stretch is integrated at its temperature in turn (set
temperatures are taken as reached at once, and stretches without a held temperature run at
ambient, 25 degC). The integrator is SciPy's LSODA (switches between stiff and non-stiff
methods), tight tolerances, concentrations clipped at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

R_KJ = 8.314462618e-3  # gas constant, kJ/(mol K)
KELVIN = 273.15

Rates = Callable[[np.ndarray, float], np.ndarray]


def arrhenius(k_ref: float, ea_kj: float, kelvin: float, ref_kelvin: float) -> float:
    """``k(T) = k_ref exp(-Ea/R (1/T - 1/T_ref))``."""
    return k_ref * float(np.exp(-ea_kj / R_KJ * (1.0 / kelvin - 1.0 / ref_kelvin)))


def integrate(rates: Rates, c0: np.ndarray, profile: list[tuple[float, float]]) -> np.ndarray:
    """Concentrations after the (seconds, degC) stretches of ``profile``, in order."""
    from scipy.integrate import solve_ivp

    c = np.asarray(c0, dtype=float).copy()
    for seconds, celsius in profile:
        if seconds <= 0:
            continue
        kelvin = celsius + KELVIN
        sol = solve_ivp(
            lambda _t, y, k=kelvin: rates(np.clip(y, 0.0, None), k),
            (0.0, float(seconds)),
            c,
            method="LSODA",
            rtol=1e-8,
            atol=1e-12,
        )
        if not sol.success:
            raise RuntimeError(f"the kinetic integration failed: {sol.message}")
        c = np.clip(sol.y[:, -1], 0.0, None)
    return c
