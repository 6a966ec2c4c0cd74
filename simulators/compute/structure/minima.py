"""The ranked archive of distinct minima found by a search (duplicates removed by fingerprint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from labwright.simulators.compute.structure.fingerprint import same_structure, structure_fingerprint


@dataclass
class Minimum:
    """One relaxed structure: ``energy`` is U, ``enthalpy`` is U + pV (equal for clusters)."""

    atoms: Any
    energy: float
    enthalpy: float
    fingerprint: np.ndarray
    found_at_step: int = 0
    hits: int = 1
    source: str = ""

    @property
    def periodic(self) -> bool:
        return bool(self.atoms.pbc.any())


@dataclass
class MinimaArchive:
    """Keeps the ``capacity`` lowest distinct minima, ranked by enthalpy (energy for clusters).

    Two minima are the same when their enthalpies per atom differ by at most ``energy_tol`` and
    their fingerprints match; a repeated minimum only increments ``hits``.
    """

    capacity: int = 50
    energy_tol: float = 1e-3  # per atom
    minima: list[Minimum] = field(default_factory=list)

    def would_keep(self, enthalpy: float) -> bool:
        """Cheap pre-check: could a minimum at this enthalpy enter the archive?"""
        return len(self.minima) < self.capacity or enthalpy < self.minima[-1].enthalpy

    def add(
        self,
        atoms: Any,
        energy: float,
        enthalpy: float | None = None,
        *,
        step: int = 0,
        source: str = "",
        fingerprint: np.ndarray | None = None,
        hits: int = 1,
    ) -> bool:
        """Add a minimum; True when it is new (not a duplicate) and kept."""
        h = energy if enthalpy is None else enthalpy
        n = max(len(atoms), 1)
        if len(self.minima) >= self.capacity and h >= self.minima[-1].enthalpy:
            return False
        fp = structure_fingerprint(atoms) if fingerprint is None else fingerprint
        periodic = bool(atoms.pbc.any())
        for m in self.minima:
            if abs(m.enthalpy - h) / n <= self.energy_tol and same_structure(m.fingerprint, fp, periodic):
                m.hits += hits
                if h < m.enthalpy:  # keep the better-relaxed copy
                    m.atoms, m.energy, m.enthalpy, m.fingerprint = atoms.copy(), energy, h, fp
                    self.minima.sort(key=lambda x: x.enthalpy)
                return False
        self.minima.append(Minimum(atoms.copy(), energy, h, fp, found_at_step=step, hits=hits, source=source))
        self.minima.sort(key=lambda x: x.enthalpy)
        del self.minima[self.capacity :]
        return True

    def merge(self, other: MinimaArchive) -> None:
        """Add every minimum of another archive (e.g. from a parallel run)."""
        for m in other.minima:
            self.add(
                m.atoms,
                m.energy,
                m.enthalpy,
                step=m.found_at_step,
                source=m.source,
                fingerprint=m.fingerprint,
                hits=m.hits,
            )

    @property
    def best(self) -> Minimum | None:
        return self.minima[0] if self.minima else None

    def __len__(self) -> int:
        return len(self.minima)
