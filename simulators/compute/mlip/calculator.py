"""MACE models as ASE calculators; a committee of them gives an uncertainty.

:class:`CommitteeCalculator` wraps ``mace.calculators.MACECalculator`` (which already evaluates
several models and keeps each one's energy and forces) and adds the spread across members:

- ``energy`` / ``forces`` / ``stress``: the committee mean (one member: that model).
- ``energy_std`` (eV): standard deviation of the members' total energies.
- ``forces_std`` (N x 3, eV/A): per-component standard deviation of the members' forces.
- ``max_force_std`` (eV/A): the largest per-atom norm of ``forces_std``; the usual
  disagreement score of active learning.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase.calculators.calculator import Calculator, all_changes
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.mace_import import import_mace


def mace_calculator(
    model_paths: Sequence[str | Path], default_dtype: str = "float64", threads: int | None = None
) -> Any:
    """``mace.calculators.MACECalculator`` on CPU for one or several MACE model files.

    The models are loaded here and cast to ``default_dtype`` (float64: models train in float32,
    but energy differences and MD want double precision) before MACE wraps them.
    """
    paths = [str(p) for p in model_paths]
    for p in paths:
        if not os.path.isfile(p):
            raise LabwrightError(f"model file {p!r} does not exist", hint="check the model path")
    from labwright.simulators.compute.mlip.mace_import import load_model

    import_mace(threads)
    from mace.calculators import MACECalculator

    try:
        models = [load_model(p) for p in paths]
        models = [m.double() if default_dtype == "float64" else m.float() for m in models]
        return MACECalculator(models=models, device="cpu", default_dtype=default_dtype)
    except Exception as exc:  # torch raises many types on a file that is not a model
        raise LabwrightError(
            f"cannot load MACE model(s) {paths}: {exc}",
            hint="pass a model written by `labwright mlip train` or mace_run_train",
        ) from exc


class CommitteeCalculator(Calculator):
    """Mean and spread of a committee of MACE models (see module docstring)."""

    implemented_properties = [
        "energy",
        "free_energy",
        "forces",
        "stress",
        "energy_std",
        "forces_std",
        "max_force_std",
    ]

    def __init__(
        self,
        model_paths: Sequence[str | Path],
        default_dtype: str = "float64",
        threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not model_paths:
            raise LabwrightError("a committee needs at least one model", hint="pass model paths")
        self.model_paths = [str(p) for p in model_paths]
        self.mace = mace_calculator(self.model_paths, default_dtype=default_dtype, threads=threads)

    @property
    def size(self) -> int:
        return len(self.model_paths)

    def calculate(
        self,
        atoms: Any = None,
        properties: Any = None,
        system_changes: Any = all_changes,
    ) -> None:
        super().calculate(atoms, properties, system_changes)
        self.mace.calculate(self.atoms, ["energy", "forces"], all_changes)
        r = self.mace.results
        n_atoms = len(self.atoms)
        energy = float(r["energy"])
        forces = np.asarray(r["forces"], dtype=float)
        if self.size > 1:
            energies = np.asarray(r["energy_comm"], dtype=float)
            member_forces = np.asarray(r["forces_comm"], dtype=float)
            energy_std = float(np.std(energies))
            forces_std = np.std(member_forces, axis=0)
        else:
            energy_std = 0.0
            forces_std = np.zeros((n_atoms, 3))
        self.results = {
            "energy": energy,
            "free_energy": energy,
            "forces": forces,
            "energy_std": energy_std,
            "forces_std": forces_std,
            "max_force_std": float(np.max(np.linalg.norm(forces_std, axis=1))) if n_atoms else 0.0,
        }
        stress = r.get("stress")
        if stress is not None and self.atoms.cell.rank == 3 and np.all(np.isfinite(stress)):
            self.results["stress"] = np.asarray(stress, dtype=float)
