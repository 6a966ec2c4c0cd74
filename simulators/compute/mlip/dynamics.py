"""Molecular dynamics (NVT) with a trained potential, written as an extended-XYZ trajectory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import numpy as np
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.provenance import Provenance, model_provenance
from labwright.simulators.compute.mlip.store import committee_paths, load_card
from labwright.simulators.compute.mlip.train import ProgressFn, _noop
from pydantic import BaseModel, ConfigDict, Field


class MdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_path: Path
    structure: Path = Field(description="extended XYZ (or any ASE-readable file); first frame")
    steps: int = Field(1000, ge=1)
    temperature_k: float = Field(300.0, gt=0, le=10000)
    timestep_fs: float = Field(2.0, gt=0, le=20)
    thermostat: Literal["langevin", "nose-hoover"] = "langevin"
    friction_per_fs: float = Field(0.01, gt=0, description="Langevin friction (1/fs)")
    tdamp_fs: float = Field(100.0, gt=0, description="Nose-Hoover damping time (fs)")
    interval: int = Field(10, ge=1, description="write every N steps")
    seed: int = 0
    committee: bool = Field(True, description="use every committee member (uncertainty)")
    threads: int = Field(1, ge=1)
    output: Path


class MdReport(BaseModel):
    trajectory: str
    frames: int
    steps: int
    thermostat: str
    temperature_target_k: float
    temperature_mean_k: float
    temperature_final_k: float
    energy_first_ev: float
    energy_last_ev: float
    max_force_std_ev_per_a: float | None = Field(
        None, description="largest committee force spread seen along the trajectory"
    )
    seconds: float
    provenance: Provenance


def read_structure(path: str | Path):  # -> ase.Atoms
    from ase.io import read

    p = Path(path)
    if not p.is_file():
        raise LabwrightError(f"structure file {str(p)!r} does not exist", hint="check the path")
    try:
        return read(p, index=0)
    except Exception as exc:  # ase raises many types on malformed files
        raise LabwrightError(
            f"cannot read a structure from {str(p)!r}: {exc}",
            hint="use an extended XYZ file (ase.io.write(..., format='extxyz'))",
        ) from exc


def run_md(request: MdRequest, progress: ProgressFn = _noop) -> MdReport:
    """Run NVT dynamics from the structure's first frame and write every ``interval`` steps."""
    from ase import units
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write
    from ase.md.langevin import Langevin
    from ase.md.nose_hoover_chain import NoseHooverChainNVT
    from ase.md.velocitydistribution import Stationary, thermalize_momenta
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator

    paths = committee_paths(request.model_path, committee=request.committee)
    atoms = read_structure(request.structure)
    for key in list(atoms.info):
        if key.startswith("REF_"):
            del atoms.info[key]
    for key in list(atoms.arrays):
        if key.startswith("REF_"):
            del atoms.arrays[key]
    calc = CommitteeCalculator(paths, threads=request.threads)
    model_elements = {str(s) for s in _model_symbols(calc)}
    unknown = sorted(set(atoms.get_chemical_symbols()) - model_elements)
    if unknown:
        raise LabwrightError(
            f"the model does not know element(s) {', '.join(unknown)}",
            hint=f"the model covers {', '.join(sorted(model_elements))}; fine-tune it first",
        )
    atoms.calc = calc
    rng = np.random.default_rng(request.seed)
    thermalize_momenta(atoms, temperature_K=request.temperature_k, rng=rng)
    Stationary(atoms)
    dt = request.timestep_fs * units.fs
    if request.thermostat == "langevin":
        dyn = Langevin(
            atoms,
            timestep=dt,
            temperature_K=request.temperature_k,
            friction=request.friction_per_fs / units.fs,
            fixcm=False,
            rng=rng,
        )
    else:
        dyn = NoseHooverChainNVT(
            atoms,
            timestep=dt,
            temperature_K=request.temperature_k,
            tdamp=request.tdamp_fs * units.fs,
        )

    output = Path(request.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        output.unlink()
    temps: list[float] = []
    energies: list[float] = []
    max_std = 0.0
    frames = 0

    def record() -> None:
        nonlocal frames, max_std
        frame = atoms.copy()
        energy = float(atoms.get_potential_energy())
        # standard extxyz: energy and forces come back as a calculator on ase.io.read
        frame.calc = SinglePointCalculator(frame, energy=energy, forces=atoms.get_forces())
        frame.info["temperature_K"] = float(atoms.get_temperature())
        frame.info["step"] = int(dyn.nsteps)
        if calc.size > 1:
            std = float(calc.results["max_force_std"])
            frame.info["max_force_std"] = std
            frame.info["energy_std"] = float(calc.results["energy_std"])
            max_std = max(max_std, std)
        write(output, frame, format="extxyz", append=True)
        energies.append(energy)
        frames += 1

    def observe() -> None:
        temps.append(float(atoms.get_temperature()))
        progress("md", int(dyn.nsteps), request.steps)

    start = time.perf_counter()
    dyn.attach(record, interval=request.interval)  # ASE calls observers at step 0 too
    dyn.attach(observe, interval=1)
    dyn.run(request.steps)
    seconds = time.perf_counter() - start
    if not np.all(np.isfinite(atoms.positions)):
        raise LabwrightError(
            "the dynamics blew up (non-finite positions)",
            hint="use a smaller --timestep or a lower --temperature",
        )
    card = load_card(request.model_path)
    return MdReport(
        trajectory=str(output),
        frames=frames,
        steps=request.steps,
        thermostat=request.thermostat,
        temperature_target_k=request.temperature_k,
        temperature_mean_k=float(np.mean(temps)) if temps else 0.0,
        temperature_final_k=float(atoms.get_temperature()),
        energy_first_ev=energies[0],
        energy_last_ev=energies[-1],
        max_force_std_ev_per_a=max_std if calc.size > 1 else None,
        seconds=seconds,
        provenance=model_provenance(paths, reference=card.reference if card else None, seed=request.seed),
    )


def _model_symbols(calc: object) -> list[str]:
    from ase.data import chemical_symbols

    zs = calc.mace.z_table.zs  # type: ignore[attr-defined]
    return [chemical_symbols[int(z)] for z in zs]
