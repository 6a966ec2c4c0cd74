"""A cheap learned model of the oracle: Tanimoto k-nearest-neighbour regression on ECFP4.

Used to choose which of many bred candidates spend oracle calls (the candidates are the GA's
own offspring, so this is not the prescreening of an external library that PMO forbids). It is
trained only on molecules the oracle has already scored in this run. A kNN on Tanimoto
similarity is the simplest model that is right about the chemistry that matters here: close
analogues of high scorers tend to score high. It costs one bulk similarity per candidate.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class TanimotoKnn:
    """Similarity-weighted mean score of the ``k`` most similar scored molecules."""

    def __init__(self, k: int = 10, power: float = 3.0) -> None:
        self.k = k
        self.power = power
        self._fps: list[Any] = []
        self._y: list[float] = []

    def __len__(self) -> int:
        return len(self._y)

    def add(self, smiles: list[str], scores: list[float]) -> None:
        """Learn from newly scored molecules (unparsable SMILES are skipped)."""
        from labwright.simulators.compute.design.objectives import ecfp4
        from rdkit import Chem

        for s, y in zip(smiles, scores, strict=True):
            mol = Chem.MolFromSmiles(s)
            if mol is not None:
                self._fps.append(ecfp4(mol))
                self._y.append(float(y))

    def predict(self, smiles: list[str]) -> np.ndarray:
        """Predicted scores (0 for an unparsable SMILES or before any training data)."""
        from labwright.simulators.compute.design.objectives import ecfp4
        from rdkit import Chem, DataStructs

        out = np.zeros(len(smiles))
        if not self._y:
            return out
        y = np.asarray(self._y)
        k = min(self.k, len(y))
        for i, s in enumerate(smiles):
            mol = Chem.MolFromSmiles(s)
            if mol is None:
                continue
            sims = np.asarray(DataStructs.BulkTanimotoSimilarity(ecfp4(mol), self._fps))
            idx = np.argpartition(-sims, k - 1)[:k]
            w = sims[idx] ** self.power + 1e-9
            out[i] = float(np.dot(w, y[idx]) / w.sum())
        return out
