"""OpenMP wait policy for the training child process: spin when the CPUs are free, sleep when
they are busy (see labwright.simulators.compute.mlip.training.omp_wait_policy for the measurements)."""

from __future__ import annotations

import pytest
from labwright.simulators.compute.mlip.training import omp_wait_policy


@pytest.mark.parametrize(
    ("threads", "load", "cpus", "expected"),
    [
        (2, 0.1, 2, None),  # idle machine: OpenMP's default (spinning) is faster
        (2, 2.0, 2, "PASSIVE"),  # both cores already busy
        (2, 0.6, 2, None),  # a little load (the 1-minute average lags an ended run)
        (2, 1.5, 2, "PASSIVE"),  # more than a core busy
        (4, 1.0, 8, None),  # plenty of free CPUs
        (1, 8.0, 2, None),  # one thread never spins on a sibling
        (2, None, 2, None),  # load unknown: leave OpenMP alone
    ],
)
def test_policy(threads: int, load: float | None, cpus: int, expected: str | None) -> None:
    assert omp_wait_policy(threads, load, cpus) == expected
