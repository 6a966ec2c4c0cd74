"""Design batches as Dask tasks on a 2-worker LocalCluster give the in-process result."""

from __future__ import annotations

from labwright.simulators.design.models import DesignConfig
from labwright.simulators.design.run import run_design


def test_local_cluster_matches_in_process_run() -> None:
    config = DesignConfig(
        objectives=["qed", "gap:3:6"],
        budget=30,
        population_size=10,
        offspring_size=10,
        max_heavy_atoms=14,
        seed=5,
    )
    serial = run_design(config)
    parallel = run_design(config.model_copy(update={"workers": 2}))
    assert parallel.calls == serial.calls == 30
    assert [(m.smiles, m.score, m.raw) for m in parallel.top] == [
        (m.smiles, m.score, m.raw) for m in serial.top
    ]
    assert parallel.auc_top10 == serial.auc_top10
