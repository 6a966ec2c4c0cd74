"""Single-threaded BLAS for searches: thousands of tiny linear-algebra calls, where extra BLAS
threads only spin (measured: a 38-atom LJ basin-hopping step went from ~10 ms to ~140 ms CPU
with idle OpenBLAS threads competing on a loaded 2-core machine)."""

from __future__ import annotations

import contextlib
from typing import Any


def single_threaded_blas() -> Any:
    """Context manager limiting BLAS/OpenMP thread pools to one thread (no-op without
    threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn/botorch
        return contextlib.nullcontext()
    # threadpoolctl limits only libraries already loaded: load numpy's and scipy's BLAS first
    # (ASE's cell filters import scipy.linalg lazily, whose OpenBLAS is a separate library)
    import numpy.linalg  # noqa: F401
    import scipy.linalg  # noqa: F401
    import scipy.optimize  # noqa: F401

    return threadpool_limits(limits=1)
