"""Identity keys of a chemical: the loose name key, the RDKit molecule and its canonical SMILES.

The lowest module of the safety package (no labwright imports): the database, the classifier,
the policy and the records all key chemicals the same way through these functions.

RDKit is an optional dependency (the ``chem`` extra) and costs about a second to import, so it
is imported inside the functions that need it; checking a protocol whose chemicals are all in
the shipped database never calls them (a test checks ``rdkit`` stays unimported).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


def normalise(name: str) -> str:
    """Loose key for names: case-folded, without spaces, hyphens, quotes and dots."""
    return re.sub(r"[\s\-_'’\".]", "", name.casefold()).replace("β", "beta").replace("α", "alpha")


@lru_cache(maxsize=4096)
def mol_from_smiles(smiles: str) -> Any:
    """RDKit molecule for a SMILES (cached; RDKit is imported on first use)."""
    from rdkit import Chem, RDLogger  # lazy: optional and slow to import (module docstring)

    RDLogger.DisableLog("rdApp.*")
    return Chem.MolFromSmiles(smiles)


def canonical_smiles(smiles: str) -> str | None:
    """RDKit canonical SMILES, or None if RDKit cannot parse it."""
    mol = mol_from_smiles(smiles.strip())
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    from rdkit import Chem  # lazy: see the module docstring

    return Chem.MolToSmiles(mol)


def formula(smiles: str) -> str:
    """Molecular formula of a (canonical) SMILES that RDKit can parse."""
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula  # lazy: see the module docstring

    return CalcMolFormula(mol_from_smiles(smiles))
