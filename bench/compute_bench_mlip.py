"""MLIP section of the compute bench: MACE accuracy and training time on held-out EMT Cu, and
catastrophic forgetting after fine-tuning on Al (naive vs replay).

    nice .venv/bin/python bench/compute_bench_mlip.py              # train + both fine-tunes
    nice .venv/bin/python bench/compute_bench_mlip.py --no-finetune
    nice .venv/bin/python bench/compute_bench_mlip.py --json       # one JSON object on stdout

Targets (issue 7): held-out Cu, 100 training configurations, CPU, 2 threads: energy MAE
<= 5 meV/atom, force MAE <= 30 meV/A, trained in <= 10 min; after fine-tuning on Al with replay
the Cu energy MAE stays within 3x of the base model's, while a naive fine-tune's grows > 10x.

Fine-tuning uses the defaults of `labwright mlip finetune`: 40 epochs (stage two from 20),
replayed configurations weighted 3 x configs/replay, and a least-squares refit of the
per-element energy offsets on the fine-tuning training set; the Cu error before that refit is
printed too.

Everything goes through the library API that `labwright mlip train/finetune` use (mace-torch's
own trainer in a child process). Timings are wall-clock on whatever else the machine is doing:
the load average before and after is printed with them, and the CPU seconds of the training
process, which depend much less on other load.

``main()`` prints the measured figures; ``run_bench()`` returns them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def run_bench(
    threads: int = 2,
    seed: int = 0,
    finetune: bool = True,
    workdir: Path | None = None,
    log: Any = None,
) -> dict[str, Any]:
    from labwright.simulators.compute.mlip.finetune import FinetuneRequest, finetune_potential
    from labwright.simulators.compute.mlip.train import ComputeOptions, TrainRequest, train_potential

    say = log or (lambda line: None)
    work = Path(workdir or tempfile.mkdtemp(prefix="labwright-mlip-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    compute = ComputeOptions(threads=threads)
    out: dict[str, Any] = {"threads": threads, "seed": seed, "workdir": str(work)}

    say(f"training Cu (100 configs, {threads} threads) in {work} ...")
    load0 = _load()
    t0 = time.perf_counter()
    train = train_potential(
        TrainRequest(
            reference="emt",
            elements=["Cu"],
            configs=100,
            test_configs=50,
            seed=seed,
            compute=compute,
            output=work / "cu.model",
        )
    )
    out["train"] = {
        "n_params": train.n_params,
        "n_train": train.n_train,
        "n_valid": train.n_valid,
        "n_test": train.n_test,
        "epochs": train.epochs,
        "energy_mae_mev_per_atom": train.energy_mae_mev_per_atom,
        "energy_rmse_mev_per_atom": train.energy_rmse_mev_per_atom,
        "force_mae_mev_per_a": train.force_mae_mev_per_a,
        "force_rmse_mev_per_a": train.force_rmse_mev_per_a,
        "train_seconds": train.train_seconds,
        "train_cpu_seconds": train.train_cpu_seconds,
        "data_seconds": train.data_seconds,
        "total_seconds": time.perf_counter() - t0,
        "load_before": load0,
        "load_after": _load(),
        "targets_met": {
            "energy_mae<=5": train.energy_mae_mev_per_atom <= 5.0,
            "force_mae<=30": train.force_mae_mev_per_a <= 30.0,
            "train_seconds<=600": train.train_seconds <= 600.0,
        },
    }
    say(json.dumps(out["train"]))

    if finetune:
        out["finetune"] = {}
        for replay in (0, 25):
            label = "naive" if replay == 0 else f"replay{replay}"
            say(f"fine-tuning on Al (75 configs, replay {replay}) ...")
            load0 = _load()
            ft = finetune_potential(
                FinetuneRequest(
                    base_model=work / "cu.model",
                    elements=["Al"],
                    configs=75,
                    replay=replay,
                    seed=seed,
                    compute=compute,
                    output=work / f"cual_{label}.model",
                )
            )
            out["finetune"][label] = {
                "replay": replay,
                "cu_energy_mae_before": ft.old_test_before.energy_mae_mev_per_atom,
                "cu_energy_mae_after_training": ft.old_test_after_training.energy_mae_mev_per_atom,
                "cu_energy_mae_after": ft.old_test_after.energy_mae_mev_per_atom,
                "energy_offsets_mev_per_atom": ft.energy_offsets_mev_per_atom,
                "replay_weight": ft.replay_weight,
                "cu_energy_ratio": ft.energy_forgetting_ratio,
                "cu_force_mae_before": ft.old_test_before.force_mae_mev_per_a,
                "cu_force_mae_after": ft.old_test_after.force_mae_mev_per_a,
                "cu_force_ratio": ft.force_forgetting_ratio,
                "al_energy_mae": ft.new_test_after.energy_mae_mev_per_atom,
                "al_force_mae": ft.new_test_after.force_mae_mev_per_a,
                "epochs": ft.epochs,
                "train_seconds": ft.train_seconds,
                "train_cpu_seconds": ft.train_cpu_seconds,
                "load_before": load0,
                "load_after": _load(),
            }
            say(json.dumps(out["finetune"][label]))
        naive, replayed = out["finetune"]["naive"], out["finetune"]["replay25"]
        out["finetune"]["targets_met"] = {
            "replay_ratio<=3": replayed["cu_energy_ratio"] <= 3.0,
            "naive_ratio>10": naive["cu_energy_ratio"] > 10.0,
        }
    return out


def _print_summary(result: dict[str, Any]) -> None:
    t = result["train"]
    print()
    print(f"MLIP bench (MACE via mace-torch, EMT reference, {result['threads']} torch threads)")
    print(
        f"  Cu model: {t['n_params']} parameters, {t['epochs']} epochs, "
        f"train/valid/test {t['n_train']}/{t['n_valid']}/{t['n_test']} configurations"
    )
    print(
        f"  held-out Cu: energy MAE {t['energy_mae_mev_per_atom']:.2f} meV/atom "
        f"(RMSE {t['energy_rmse_mev_per_atom']:.2f}), force MAE {t['force_mae_mev_per_a']:.1f}"
        f" meV/A (RMSE {t['force_rmse_mev_per_a']:.1f})"
    )
    print(
        f"  training: {t['train_seconds']:.0f} s wall, {t['train_cpu_seconds']:.0f} s CPU "
        f"(load average {t['load_before']} -> {t['load_after']})"
    )
    print(f"  targets: {t['targets_met']}")
    ft = result.get("finetune")
    if ft:
        print("  fine-tune on Al (75 configs), Cu held-out energy MAE before -> after:")
        for label in ("naive", "replay25"):
            r = ft[label]
            print(
                f"    {label:9s} {r['cu_energy_mae_before']:.2f} -> {r['cu_energy_mae_after']:.2f}"
                f" meV/atom (x{r['cu_energy_ratio']:.1f}; before the offset refit "
                f"{r['cu_energy_mae_after_training']:.2f}); Cu force MAE "
                f"{r['cu_force_mae_before']:.1f} -> {r['cu_force_mae_after']:.1f} meV/A; "
                f"Al: E {r['al_energy_mae']:.2f} meV/atom, F {r['al_force_mae']:.1f} meV/A; "
                f"{r['train_seconds']:.0f} s wall"
            )
        print(f"  targets: {ft['targets_met']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (target: 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-finetune", action="store_true", help="skip the fine-tunes")
    parser.add_argument("--workdir", type=Path, default=None, help="keep models and data here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    log = None if args.json else (lambda line: print(line, flush=True))
    result = run_bench(
        threads=args.threads,
        seed=args.seed,
        finetune=not args.no_finetune,
        workdir=args.workdir,
        log=log,
    )
    if args.json:
        print(json.dumps(result))
    else:
        _print_summary(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
