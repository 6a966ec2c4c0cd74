"""Import mace-torch quietly, once, before anything loads a model.

``import mace`` sets ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` (MACE models are whole pickled
modules); ``mace.tools.cg`` prints a notice to stdout when cuequivariance (a GPU library) is
absent, which would corrupt ``--json`` output, so the first import swallows stdout. Torch's warning that the
environment variable forces ``weights_only=False`` is silenced: loading full models is the
documented way to load MACE files.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

warnings.filterwarnings("ignore", message=".*TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD.*")


def import_mace(threads: int | None = None) -> Any:
    """Import mace (and its calculators and tools) without writing to stdout; return torch."""
    with contextlib.redirect_stdout(io.StringIO()):
        import mace  # noqa: F401
        import mace.calculators  # noqa: F401
        import mace.tools.scripts_utils  # noqa: F401
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    return torch


def load_model(path: str, threads: int | None = None) -> Any:
    """A MACE model file (a pickled torch module) on the CPU."""
    torch = import_mace(threads)
    return torch.load(path, map_location="cpu", weights_only=False)
