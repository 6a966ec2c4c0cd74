"""The costly oracle: GFN2-xTB HOMO-LUMO gap from ``tblite`` on an RDKit-embedded geometry.

The geometry is an ETKDGv3 conformer with a fixed random seed, relaxed with MMFF94 (UFF when MMFF
has no parameters), so the gap is a function of the molecule alone and can be cached by canonical
SMILES. Open-shell molecules (radicals) are not evaluated (``None``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HARTREE_TO_EV = 27.211386245988
BOHR_PER_ANGSTROM = 1.0 / 0.529177210903
EMBED_SEED = 0xC0FFEE  # fixed: the geometry (hence the gap) depends on the molecule only
EMBED_MAX_ITERATIONS = 50  # deterministic cap: impossible geometries fail fast instead of stalling
METHOD = "GFN2-xTB"


def embed(mol: Any) -> Any | None:
    """3D geometry with hydrogens, or None when RDKit cannot embed the molecule."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    molh = Chem.AddHs(mol)
    params = AllChem.ETKDGv3()
    params.randomSeed = EMBED_SEED
    params.maxIterations = EMBED_MAX_ITERATIONS
    if AllChem.EmbedMolecule(molh, params) != 0:
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(molh, params) != 0:
            return None
    if AllChem.MMFFHasAllMoleculeParams(molh):
        AllChem.MMFFOptimizeMolecule(molh, maxIters=500)
    elif AllChem.UFFHasAllMoleculeParams(molh):
        AllChem.UFFOptimizeMolecule(molh, maxIters=500)
    return molh


def _thread_limit() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it tblite uses its OpenMP default
        return nullcontext()
    return threadpool_limits(limits=1)


def homo_lumo_gap(mol: Any) -> float | None:
    """GFN2-xTB HOMO-LUMO gap (eV) of an RDKit molecule; None if it cannot be computed."""
    import numpy as np
    from rdkit import Chem

    if any(a.GetNumRadicalElectrons() for a in mol.GetAtoms()):
        return None
    molh = embed(mol)
    if molh is None:
        return None
    numbers = np.array([a.GetAtomicNum() for a in molh.GetAtoms()])
    positions = molh.GetConformer().GetPositions() * BOHR_PER_ANGSTROM
    try:
        from tblite.interface import Calculator

        with _thread_limit():
            calc = Calculator(METHOD, numbers, positions, charge=Chem.GetFormalCharge(molh), uhf=0)
            calc.set("verbosity", 0)
            result = calc.singlepoint()
        energies = np.asarray(result.get("orbital-energies"))
        occupations = np.asarray(result.get("orbital-occupations"))
    except Exception as exc:  # noqa: BLE001 - SCF failures are a property of the molecule
        log.info("tblite failed for %s: %s", Chem.MolToSmiles(mol), exc)
        return None
    n_electrons = float(occupations.sum())
    homo = int(round(n_electrons / 2.0)) - 1
    if homo < 0 or homo + 1 >= len(energies):
        return None
    return float((energies[homo + 1] - energies[homo]) * HARTREE_TO_EV)


class CostlyCache:
    """SQLite cache of costly raw values keyed by (objective name, canonical SMILES).

    Only computed values are stored; a molecule that could not be computed is tried again.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS costly (objective TEXT NOT NULL, smiles TEXT NOT NULL, "
            "value REAL, PRIMARY KEY (objective, smiles))"
        )
        self._db.commit()

    def get_many(self, objective: str, smiles: list[str]) -> dict[str, float | None]:
        """Cached values for the given SMILES (absent keys were never computed)."""
        found: dict[str, float | None] = {}
        with self._lock:
            for i in range(0, len(smiles), 500):
                chunk = smiles[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT smiles, value FROM costly WHERE objective = ? AND smiles IN ({marks})",
                    [objective, *chunk],
                ).fetchall()
                found.update({s: v for s, v in rows})
        return found

    def put_many(self, objective: str, values: dict[str, float | None]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO costly (objective, smiles, value) VALUES (?, ?, ?)",
                [(objective, s, v) for s, v in values.items()],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
