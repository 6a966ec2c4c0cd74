"""Optional: MACE-MP foundation models, for users with a network. Never used by labwright's
tests or defaults (nothing here runs offline: the weights are downloaded on first use).

    from labwright.simulators.compute.mlip.foundation import mace_mp_calculator
    calc = mace_mp_calculator("small")          # downloads once into ~/.cache/mace

A downloaded MACE-MP model file is an ordinary MACE model: it can be the base of
``labwright mlip finetune MODEL --old-train ... --old-test ...`` (MACE-MP covers 89 elements,
so nothing needs to be added to its element table).
"""

from __future__ import annotations

from typing import Any

from labwright.protocols.errors import LabwrightError


def mace_mp_calculator(model: str = "small", default_dtype: str = "float64") -> Any:
    """``mace.calculators.mace_mp`` (Materials Project foundation model) on the CPU."""
    from labwright.simulators.compute.mlip.mace_import import import_mace

    import_mace()
    from mace.calculators import mace_mp

    try:
        return mace_mp(model=model, device="cpu", default_dtype=default_dtype)
    except Exception as exc:  # network or cache problems surface as many types
        raise LabwrightError(
            f"cannot load the MACE-MP foundation model {model!r}: {exc}",
            hint="MACE-MP weights are downloaded on first use: run once with a network, "
            "or pass a local model file",
        ) from exc
