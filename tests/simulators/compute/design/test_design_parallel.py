"""Design batches as Dask tasks on a 2-worker LocalCluster give the in-process result."""

from __future__ import annotations

from labwright.simulators.compute.design.models import DesignConfig
from labwright.simulators.compute.design.run import run_design


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


def test_cli_scheduler_flag_uses_an_existing_cluster() -> None:
    import json
    import logging

    from distributed import LocalCluster
    from typer.testing import CliRunner

    from labwright.cli import app

    args = ["design", "--objective", "qed", "--objective", "gap:3:6", "--budget", "20",
            "--population", "10", "--offspring", "10", "--max-atoms", "14", "--seed", "1",
            "--json"]
    serial = CliRunner().invoke(app, args)
    assert serial.exit_code == 0, serial.output
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR
    ) as cluster:
        remote = CliRunner().invoke(app, [*args, "--scheduler", cluster.scheduler_address])
    assert remote.exit_code == 0, remote.output
    a, b = json.loads(serial.stdout), json.loads(remote.stdout)
    assert a["calls"] == b["calls"] == 20
    assert [m["smiles"] for m in a["top"]] == [m["smiles"] for m in b["top"]]


def test_unreachable_scheduler_is_unusable_input() -> None:
    from typer.testing import CliRunner

    from labwright.cli import app

    result = CliRunner().invoke(
        app, ["design", "--objective", "qed", "--budget", "5", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "scheduler" in result.output
