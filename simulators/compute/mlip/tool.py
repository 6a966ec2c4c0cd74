"""A trained MACE potential as a read-only agent tool: energies, forces and their uncertainty.

Pydantic in, pydantic out; it writes nothing. The input names a model file (MACE format; its
committee members are used when the model has a card listing them) and one structure, either
an extended-XYZ path (every frame is predicted) or an inline :class:`AtomsSpec`. Frames are
predicted one after another until the time budget runs out (``truncated`` says so). The output
carries provenance: calculator, SHA-256 of every model file, the model's seed and reference,
package versions. The tool follows the agent-tool convention (``labwright.protocols.tooling``).
"""

from __future__ import annotations

from pathlib import Path

from labwright.protocols.errors import LabwrightError
from labwright.protocols.tooling import ToolInput, ToolOutput, ToolProvenance, agent_tool
from labwright.simulators.compute.mlip.provenance import PACKAGES, Provenance
from labwright.simulators.compute.mlip.uncertainty import Calibration
from pydantic import BaseModel, ConfigDict, Field, model_validator

TOOL_NAME = "mlip_predict"
TOOL_DESCRIPTION = (
    "Predict the energy (eV) and forces (eV/A) of a structure with a trained MACE machine-"
    "learned interatomic potential, with the committee's uncertainty (energy spread, largest "
    "per-atom force spread) and, for a calibrated committee, 95% intervals for the energy and "
    "every force component. Give an extended-XYZ file path or inline symbols/positions/cell. "
    "Read-only; stops at its time budget."
)


class AtomsSpec(BaseModel):
    """A structure given inline."""

    model_config = ConfigDict(extra="forbid")

    symbols: list[str] = Field(..., min_length=1, description="chemical symbols, e.g. ['Cu','Cu']")
    positions: list[list[float]] = Field(..., description="Cartesian positions (A), N x 3")
    cell: list[list[float]] | None = Field(None, description="3 x 3 cell (A) for periodic systems")
    pbc: bool = False

    @model_validator(mode="after")
    def _shapes(self) -> AtomsSpec:
        if len(self.positions) != len(self.symbols) or any(len(p) != 3 for p in self.positions):
            raise ValueError("positions must be N x 3 with N = len(symbols)")
        if self.cell is not None and (len(self.cell) != 3 or any(len(v) != 3 for v in self.cell)):
            raise ValueError("cell must be 3 x 3")
        if self.pbc and self.cell is None:
            raise ValueError("a periodic structure needs a cell")
        return self

    def to_atoms(self):  # -> ase.Atoms
        from ase import Atoms

        return Atoms(
            symbols=self.symbols,
            positions=self.positions,
            cell=self.cell if self.cell is not None else None,
            pbc=self.pbc,
        )


class MlipPredictInput(ToolInput):
    model_path: str = Field(..., description="MACE model file (e.g. from labwright mlip train)")
    structure: str | AtomsSpec = Field(..., description="extended-XYZ path or inline structure")
    committee: bool = Field(True, description="use the committee for an uncertainty")
    time_budget_s: float = Field(60.0, gt=0, le=3600, description="wall-clock budget (s)")
    threads: int = Field(1, ge=1, le=64)


class Uncertainty(BaseModel):
    committee_size: int
    energy_std_ev: float = Field(description="spread of the members' total energies")
    max_force_std_ev_per_a: float = Field(description="largest per-atom force spread")
    calibration: str | None = Field(
        None, description="'conformal' or 'scale' when the committee is calibrated, else None"
    )
    level: float | None = Field(None, description="confidence level of the intervals (0.95)")
    energy_interval_ev: float | None = Field(
        None, description="half-width of the energy interval: E_true in energy_ev +- this"
    )
    force_intervals_ev_per_a: list[float] | None = Field(
        None, description="per atom: each force component's interval half-width (eV/A)"
    )
    max_force_interval_ev_per_a: float | None = Field(None, description="largest of those")


def _uncertainty(results: dict, n_atoms: int, size: int, calibration: Calibration | None) -> Uncertainty:
    """The committee's raw spread and, when calibrated, the 95 % interval half-widths."""
    import numpy as np
    from labwright.simulators.compute.mlip.uncertainty import atom_sigmas

    out = Uncertainty(
        committee_size=size,
        energy_std_ev=float(results["energy_std"]),
        max_force_std_ev_per_a=float(results["max_force_std"]),
    )
    if calibration is None or size < 2:
        return out
    per_atom = calibration.energy_halfwidth(float(results["energy_std"]) / n_atoms)
    forces = calibration.force_halfwidth(atom_sigmas(np.asarray(results["forces_std"])))
    out.calibration = calibration.method
    out.level = calibration.level
    out.energy_interval_ev = float(per_atom) * n_atoms
    out.force_intervals_ev_per_a = [float(x) for x in forces]
    out.max_force_interval_ev_per_a = float(np.max(forces)) if len(forces) else 0.0
    return out


class FramePrediction(BaseModel):
    formula: str
    n_atoms: int
    energy_ev: float
    energy_per_atom_ev: float
    forces: list[list[float]] = Field(description="eV/A, N x 3")
    uncertainty: Uncertainty


class MlipPredictProvenance(Provenance, ToolProvenance):
    """The model's provenance (files, seed, reference, versions) and the tool call's."""

    calibration_data: str | None = Field(None, description="file the intervals were calibrated on")
    calibration_data_sha256: str | None = None


class MlipPredictOutput(ToolOutput):
    energy_ev: float = Field(description="first frame")
    forces: list[list[float]] = Field(description="first frame, eV/A")
    uncertainty: Uncertainty = Field(description="first frame")
    frames: list[FramePrediction]
    frames_requested: int
    truncated: bool = Field(description="True when the time budget stopped the run early")
    elapsed_s: float
    provenance: MlipPredictProvenance


def _structures(spec: str | AtomsSpec) -> list:
    if isinstance(spec, AtomsSpec):
        return [spec.to_atoms()]
    from labwright.simulators.compute.mlip.dataset import read_extxyz

    frames = read_extxyz(Path(spec))
    if not frames:
        raise LabwrightError(f"{spec} holds no structure", hint="pass a non-empty file")
    return frames


@agent_tool(TOOL_NAME, TOOL_DESCRIPTION, packages=PACKAGES)
def run_mlip_predict_tool(request: MlipPredictInput) -> MlipPredictOutput:
    """Predict every frame within the time budget (see module docstring)."""
    from ase.data import chemical_symbols
    from labwright.simulators.compute.mlip.calculator import CommitteeCalculator
    from labwright.simulators.compute.mlip.provenance import model_provenance
    from labwright.simulators.compute.mlip.store import committee_paths, load_card

    deadline = request.deadline()
    paths = committee_paths(request.model_path, committee=request.committee)
    frames = _structures(request.structure)
    calc = CommitteeCalculator(paths, threads=request.threads)
    card = load_card(request.model_path)
    calibration = card.calibration if card is not None else None
    known = {chemical_symbols[int(z)] for z in calc.mace.z_table.zs}
    out: list[FramePrediction] = []
    truncated = False
    for atoms in frames:
        if out and deadline.expired():
            truncated = True
            break
        unknown = sorted(set(atoms.get_chemical_symbols()) - known)
        if unknown:
            raise LabwrightError(
                f"the model does not know element(s) {', '.join(unknown)}",
                hint=f"the model covers {', '.join(sorted(known))}",
            )
        a = atoms.copy()
        a.calc = calc
        energy = float(a.get_potential_energy())
        forces = a.get_forces()
        out.append(
            FramePrediction(
                formula=a.get_chemical_formula(),
                n_atoms=len(a),
                energy_ev=energy,
                energy_per_atom_ev=energy / len(a),
                forces=[[float(x) for x in row] for row in forces],
                uncertainty=_uncertainty(calc.results, len(a), calc.size, calibration),
            )
        )
    first = out[0]
    return MlipPredictOutput(
        energy_ev=first.energy_ev,
        forces=first.forces,
        uncertainty=first.uncertainty,
        frames=out,
        frames_requested=len(frames),
        truncated=truncated,
        elapsed_s=deadline.elapsed(),
        provenance=MlipPredictProvenance(
            **model_provenance(
                paths,
                reference=card.reference if card else None,
                seed=card.seed if card else None,
            ).model_dump(),
            calibration_data=calibration.data if calibration and calc.size > 1 else None,
            calibration_data_sha256=calibration.data_sha256 if calibration and calc.size > 1 else None,
        ),
    )
