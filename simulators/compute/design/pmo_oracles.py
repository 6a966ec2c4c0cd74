"""The PMO benchmark's oracles (Gao et al. 2022), written from their published definitions.

PMO scores molecules with the GuacaMol goal-directed tasks (Brown et al. 2019) as implemented in
TDC (``tdc.chem_utils.oracle.oracle``) plus RDKit's QED. Each task is a function of an RDKit
molecule returning a score in [0, 1]:

=========================  =====================================================================
``qed``                    RDKit QED (Bickerton et al. 2012)
``celecoxib_rediscovery``  Tanimoto of unhashed ECFP4 counts to celecoxib
``median1``                geometric mean of the ECFP4-count Tanimoto to camphor and to menthol
``isomers_c9h10n2o2pf2cl`` geometric mean of Gaussians on each element count (sigma 1, H
                           included) and on the total atom count with H (sigma 2)
``osimertinib_mpo``        FCFP4 Tanimoto clipped at 0.8, ECFP6 Tanimoto penalised above 0.85
                           (half Gaussian, sigma 0.1), TPSA >= 100 (sigma 10), logP <= 1
                           (sigma 1): geometric mean
``ranolazine_mpo``         atom-pair Tanimoto clipped at 0.7, TPSA >= 95 (sigma 20), logP >= 7
                           (sigma 1), fluorine count ~ 1 (sigma 1): geometric mean
``perindopril_mpo``        ECFP4 Tanimoto and aromatic rings ~ 2 (sigma 0.5): geometric mean
``zaleplon_mpo``           ECFP4 Tanimoto and the C19H17N3O2 isomer score: geometric mean
=========================  =====================================================================

Fingerprints are RDKit's sparse count fingerprints (what GuacaMol and TDC call through the legacy
``GetMorganFingerprint(mol, r[, useFeatures])`` and ``GetAtomPairFingerprint(mol, maxLength=10)``),
here from the fingerprint generators, which give identical similarities (tests check both).
The isomer score counts hydrogens, as GuacaMol defines it and as TDC's current ``Isomer_scoring``
does (TDC's older ``Isomer_scoring_prev`` read the total atom count off the SMILES text).
An unparsable SMILES scores 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

Score = Callable[[Any], float]

TARGETS = {
    "celecoxib": "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F",
    "camphor": "CC1(C)C2CCC1(C)C(=O)C2",
    "menthol": "CC(C)C1CCC(C)CC1O",
    "osimertinib": "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34",
    "ranolazine": "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2",
    "perindopril": "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC",
    "zaleplon": "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1",
}


# --- score modifiers (GuacaMol's ``score_modifier`` module) ----------------------------------


def gaussian(x: float, mu: float, sigma: float) -> float:
    return math.exp(-0.5 * ((x - mu) / sigma) ** 2)


def min_gaussian(x: float, mu: float, sigma: float) -> float:
    """1 for x <= mu, a Gaussian fall-off above (GuacaMol ``MinGaussianModifier``)."""
    return gaussian(max(x, mu), mu, sigma)


def max_gaussian(x: float, mu: float, sigma: float) -> float:
    """1 for x >= mu, a Gaussian fall-off below (GuacaMol ``MaxGaussianModifier``)."""
    return gaussian(min(x, mu), mu, sigma)


def clipped(x: float, upper_x: float, lower_x: float = 0.0) -> float:
    """Linear from 0 at ``lower_x`` to 1 at ``upper_x``, clipped to [0, 1]
    (GuacaMol ``ClippedScoreModifier`` with its default scores)."""
    return min(1.0, max(0.0, (x - lower_x) / (upper_x - lower_x)))


def gmean(values: list[float]) -> float:
    """Geometric mean; 0 if any value is 0 (as scipy's ``gmean`` gives)."""
    if any(v <= 0.0 for v in values):
        return 0.0
    return math.exp(sum(math.log(v) for v in values) / len(values))


# --- fingerprints ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _generators() -> dict[str, Any]:
    from rdkit.Chem import rdFingerprintGenerator as gen

    return {
        "ECFP4": gen.GetMorganGenerator(radius=2),
        "ECFP6": gen.GetMorganGenerator(radius=3),
        "FCFP4": gen.GetMorganGenerator(
            radius=2, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen()
        ),
        "AP": gen.GetAtomPairGenerator(maxDistance=10),
    }


def fingerprint(mol: Any, kind: str) -> Any:
    """Sparse count fingerprint: ECFP4, ECFP6, FCFP4 or AP (atom pairs up to 10 bonds)."""
    return _generators()[kind].GetSparseCountFingerprint(mol)


@lru_cache(maxsize=32)
def _target_fp(name: str, kind: str) -> Any:
    from rdkit import Chem

    return fingerprint(Chem.MolFromSmiles(TARGETS[name]), kind)


def similarity(mol: Any, target: str, kind: str) -> float:
    from rdkit import DataStructs

    return float(DataStructs.TanimotoSimilarity(fingerprint(mol, kind), _target_fp(target, kind)))


# --- descriptors -------------------------------------------------------------------------------


def parse_formula(formula: str) -> list[tuple[str, int]]:
    """'C9H10N2O2PF2Cl' -> [('C', 9), ('H', 10), ...]."""
    return [(el, int(n) if n else 1) for el, n in re.findall(r"([A-Z][a-z]*)(\d*)", formula)]


def element_counts(mol: Any) -> dict[str, int]:
    """Atoms per element, implicit hydrogens included."""
    counts: dict[str, int] = {}
    for atom in mol.GetAtoms():
        sym = atom.GetSymbol()
        counts[sym] = counts.get(sym, 0) + 1
        counts["H"] = counts.get("H", 0) + atom.GetTotalNumHs()
    return counts


def isomer_score(mol: Any, formula: str) -> float:
    """GuacaMol ``IsomerScoringFunction``: Gaussian on each element count (sigma 1) and on the
    total atom count with hydrogens (sigma 2), geometric mean."""
    target = parse_formula(formula)
    counts = element_counts(mol)
    scores = [gaussian(counts.get(el, 0), n, 1.0) for el, n in target]
    scores.append(gaussian(sum(counts.values()), sum(n for _, n in target), 2.0))
    return gmean(scores)


def _tpsa(mol: Any) -> float:
    from rdkit.Chem import Descriptors

    return float(Descriptors.TPSA(mol))


def _logp(mol: Any) -> float:
    from rdkit.Chem import Descriptors

    return float(Descriptors.MolLogP(mol))


# --- the tasks ---------------------------------------------------------------------------------


def qed(mol: Any) -> float:
    from rdkit.Chem import QED

    return float(QED.qed(mol))


def celecoxib_rediscovery(mol: Any) -> float:
    return similarity(mol, "celecoxib", "ECFP4")


def median1(mol: Any) -> float:
    return gmean([similarity(mol, "camphor", "ECFP4"), similarity(mol, "menthol", "ECFP4")])


def isomers_c9h10n2o2pf2cl(mol: Any) -> float:
    return isomer_score(mol, "C9H10N2O2PF2Cl")


def osimertinib_mpo(mol: Any) -> float:
    return gmean(
        [
            max_gaussian(_tpsa(mol), 100.0, 10.0),
            min_gaussian(_logp(mol), 1.0, 1.0),
            clipped(similarity(mol, "osimertinib", "FCFP4"), 0.8),
            min_gaussian(similarity(mol, "osimertinib", "ECFP6"), 0.85, 0.1),
        ]
    )


def ranolazine_mpo(mol: Any) -> float:
    fluorine = sum(1 for a in mol.GetAtoms() if a.GetSymbol() == "F")
    return gmean(
        [
            max_gaussian(_tpsa(mol), 95.0, 20.0),
            max_gaussian(_logp(mol), 7.0, 1.0),
            clipped(similarity(mol, "ranolazine", "AP"), 0.7),
            gaussian(fluorine, 1.0, 1.0),
        ]
    )


def perindopril_mpo(mol: Any) -> float:
    from rdkit.Chem import rdMolDescriptors

    rings = rdMolDescriptors.CalcNumAromaticRings(mol)
    return gmean([similarity(mol, "perindopril", "ECFP4"), gaussian(rings, 2.0, 0.5)])


def zaleplon_mpo(mol: Any) -> float:
    return gmean([similarity(mol, "zaleplon", "ECFP4"), isomer_score(mol, "C19H17N3O2")])


TASKS: dict[str, Score] = {
    "osimertinib_mpo": osimertinib_mpo,
    "ranolazine_mpo": ranolazine_mpo,
    "perindopril_mpo": perindopril_mpo,
    "zaleplon_mpo": zaleplon_mpo,
    "median1": median1,
    "isomers_c9h10n2o2pf2cl": isomers_c9h10n2o2pf2cl,
    "celecoxib_rediscovery": celecoxib_rediscovery,
    "qed": qed,
}

#: rediscovery/similarity targets whose near neighbours the seed pool must not hand over
HOLDOUT_TARGETS = {"celecoxib_rediscovery": TARGETS["celecoxib"]}


def score_smiles(task: str, smiles: str) -> float:
    """Score one SMILES on a PMO task (0 for a SMILES RDKit cannot parse)."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles)
    return 0.0 if mol is None else TASKS[task](mol)
