"""Offline reference calculators that label training data, and their isolated-atom energies.

Three references run on this machine without a network:

- ``emt``: ASE's effective-medium theory for fcc metals (Al, Cu, Ag, Au, Ni, Pd, Pt).
- ``lj``: exact Lennard-Jones for argon clusters (all pairs, no cutoff, no shift), with
  epsilon = 0.0104 eV and sigma = 3.40 A (the textbook argon parameters).
- ``xtb``: GFN2-xTB from ``tblite`` for small organic molecules (H, C, N, O).

The isolated-atom energies (E0s) that a MACE model needs are computed with the same calculator
on one atom in vacuum, so the model's energy zero is the reference's, never a fit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from labwright.protocols.errors import LabwrightError

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

ReferenceName = Literal["emt", "lj", "xtb"]
REFERENCES: tuple[str, ...] = ("emt", "lj", "xtb")

# Elements each reference can label.
EMT_ELEMENTS = ("Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt")
LJ_ELEMENTS = ("Ar",)
XTB_ELEMENTS = ("H", "C", "N", "O")
SUPPORTED: dict[str, tuple[str, ...]] = {
    "emt": EMT_ELEMENTS,
    "lj": LJ_ELEMENTS,
    "xtb": XTB_ELEMENTS,
}

LJ_EPSILON_EV = 0.0104
LJ_SIGMA_A = 3.40

# Ground-state spin multiplicities of the free atoms (Hund's rule) for the xTB E0s.
_ATOM_MULTIPLICITY = {"H": 2, "C": 3, "N": 4, "O": 3}


def check_reference(reference: str, elements: list[str]) -> None:
    """Raise a LabwrightError unless ``reference`` exists and can label every element."""
    if reference not in SUPPORTED:
        raise LabwrightError(
            f"unknown reference calculator {reference!r}",
            hint=f"use one of: {', '.join(REFERENCES)}",
        )
    if not elements:
        raise LabwrightError("no elements given", hint="pass --elements, e.g. --elements Cu")
    bad = [e for e in elements if e not in SUPPORTED[reference]]
    if bad:
        raise LabwrightError(
            f"reference {reference!r} cannot label element(s) {', '.join(bad)}",
            hint=f"{reference} supports {', '.join(SUPPORTED[reference])}",
        )


def make_calculator(reference: str, charge: int = 0, multiplicity: int | None = None) -> Calculator:
    """A fresh ASE calculator for ``reference`` (one per structure for xtb, it keeps state)."""
    if reference == "emt":
        from ase.calculators.emt import EMT

        return EMT()
    if reference == "lj":
        from ase.calculators.lj import LennardJones

        # rc far beyond any cluster we build: every pair counts, and the energy shift
        # 4 eps ((sigma/rc)^12 - (sigma/rc)^6) is below 1e-15 eV: the exact potential.
        return LennardJones(sigma=LJ_SIGMA_A, epsilon=LJ_EPSILON_EV, rc=1.0e4, smooth=False)
    if reference == "xtb":
        from tblite.ase import TBLite

        kwargs: dict[str, object] = {"method": "GFN2-xTB", "verbosity": 0, "charge": charge}
        if multiplicity is not None:
            kwargs["multiplicity"] = multiplicity
        return TBLite(**kwargs)
    raise LabwrightError(
        f"unknown reference calculator {reference!r}", hint=f"use one of: {', '.join(REFERENCES)}"
    )


@contextlib.contextmanager
def native_threads(n: int = 1) -> Iterator[None]:
    """Limit OpenMP/BLAS threads of native libraries (tblite spins idle threads on a busy box).

    GFN2-xTB on a 9-atom molecule takes ~1 ms on one thread and ~0.5 s with two OpenMP threads
    competing for two loaded cores; small molecules gain nothing from threads.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it the libraries keep their defaults
        yield
        return
    with threadpool_limits(limits=n):
        yield


def isolated_atom_energy(reference: str, element: str) -> float:
    """Energy (eV) of one ``element`` atom in vacuum, computed with ``reference``."""
    from ase import Atoms

    check_reference(reference, [element])
    atom = Atoms(element, positions=[(0.0, 0.0, 0.0)], cell=[20.0, 20.0, 20.0], pbc=False)
    multiplicity = _ATOM_MULTIPLICITY.get(element) if reference == "xtb" else None
    atom.calc = make_calculator(reference, multiplicity=multiplicity)
    with native_threads(1):
        return float(atom.get_potential_energy())


def isolated_atom_energies(reference: str, elements: list[str]) -> dict[str, float]:
    """E0s for every element, keyed by chemical symbol."""
    check_reference(reference, elements)
    return {el: isolated_atom_energy(reference, el) for el in elements}
