"""Independent searches run as Dask tasks on a LocalCluster with 2 workers give the same answer
as in-process runs (results depend on the seed only)."""

from __future__ import annotations

import pytest
from labwright.simulators.compute.structure.calculators import CalculatorSpec
from labwright.simulators.compute.structure.search import SearchSettings, search


def test_two_workers_match_in_process_runs() -> None:
    import logging

    from distributed import LocalCluster

    bh = SearchSettings(composition="LJ13", method="basin-hopping", steps=25, runs=2, seed=3)
    airss = SearchSettings(
        composition="Cu4",
        calculator=CalculatorSpec(name="emt"),
        method="airss",
        periodic=True,
        trials=4,
        seed=3,
    )
    done: list[tuple[int, int]] = []
    local_bh = search(bh)
    local_airss = search(airss)
    # one LocalCluster with 2 single-threaded worker processes, reached by its address as an
    # existing cluster would be (`--scheduler tcp://...`)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        address = cluster.scheduler_address
        dask_bh = search(bh, scheduler=address, on_progress=lambda d, t: done.append((d, t)))
        dask_airss = search(airss, scheduler=address, workers=2)
    assert [r.run for r in dask_bh.result.runs] == [0, 1]
    assert [r.best_energy for r in dask_bh.result.runs] == pytest.approx(
        [r.best_energy for r in local_bh.result.runs], abs=1e-9
    )
    assert dask_bh.result.steps == local_bh.result.steps == 50
    assert dask_airss.result.relaxations == local_airss.result.relaxations == 4
    assert dask_airss.result.best_enthalpy == pytest.approx(local_airss.result.best_enthalpy, abs=1e-9)
    assert done and done[-1][0] == done[-1][1]  # progress reached the end
