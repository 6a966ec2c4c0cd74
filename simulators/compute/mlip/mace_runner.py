"""Child-process entry point around mace-torch's own trainer (``mace.cli.run_train``).

Training runs in a child process so that MACE's global state (root logger with a stdout
handler, ``torch.set_default_dtype``, global seeds) never leaks into the caller, and so that a
committee member on a Dask worker is one self-contained process. The only thing added here is
the torch thread count (``LABWRIGHT_TORCH_THREADS``); the arguments go to MACE unchanged. At
the end it prints ``LABWRIGHT_N_PARAMS=<n>`` for the stage-two model it finds in the working
directory.

    python -m labwright.simulators.compute.mlip.mace_runner --name cu --train_file train.xyz ...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    threads = int(os.environ.get("LABWRIGHT_TORCH_THREADS", "1"))
    import mace  # noqa: F401  (sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD before e3nn loads)
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    from mace.cli.run_train import main as run_train_main

    sys.argv = ["mace_run_train", *(sys.argv[1:] if argv is None else argv)]
    run_train_main()
    # report the size of the model MACE wrote, so the caller need not import torch for it
    import glob

    for path in sorted(glob.glob("*_stagetwo.model")):
        model = torch.load(path, map_location="cpu", weights_only=False)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"LABWRIGHT_N_PARAMS={n_params}", flush=True)


if __name__ == "__main__":
    main()
