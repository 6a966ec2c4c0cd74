"""Error metrics follow MACE's conventions: per-atom energies, per-component forces, meV."""

from __future__ import annotations

import numpy as np
import pytest
from labwright.protocols.errors import LabwrightError
from labwright.simulators.compute.mlip.metrics import error_metrics


def test_energy_errors_are_per_atom_and_force_errors_per_component() -> None:
    # config 1: 2 atoms, energy off by +0.004 eV -> 2 meV/atom; config 2: 4 atoms, -0.024 eV
    # -> 6 meV/atom. Forces: one component off by 0.03 eV/A out of 18 components.
    f1, f2 = np.zeros((2, 3)), np.zeros((4, 3))
    g2 = f2.copy()
    g2[3, 1] = 0.03
    m = error_metrics([1.004, -2.024], [1.0, -2.0], [2, 4], [f1, g2], [f1, f2])
    assert m.n_configs == 2 and m.n_atoms == 6
    assert m.energy_mae_mev_per_atom == pytest.approx(4.0)
    assert m.energy_rmse_mev_per_atom == pytest.approx(np.sqrt((2.0**2 + 6.0**2) / 2))
    assert m.force_mae_mev_per_a == pytest.approx(30.0 / 18)
    assert m.force_rmse_mev_per_a == pytest.approx(np.sqrt(30.0**2 / 18))


def test_perfect_predictions_have_zero_error_and_empty_sets_are_refused() -> None:
    f = np.ones((3, 3))
    m = error_metrics([5.0], [5.0], [3], [f], [f])
    assert m.energy_mae_mev_per_atom == 0.0 and m.force_rmse_mev_per_a == 0.0
    with pytest.raises(LabwrightError):
        error_metrics([], [], [], [], [])


def test_offset_refit_recovers_per_element_shifts_and_leaves_absent_elements() -> None:
    from ase import Atoms
    from labwright.simulators.compute.mlip.dataset import ENERGY_KEY
    from labwright.simulators.compute.mlip.offsets import offset_corrections

    frames, predicted = [], []
    for symbols in ("Cu4", "Cu2Al2", "Al3", "CuAl5"):
        atoms = Atoms(symbols)
        n_cu, n_al = int(np.sum(atoms.numbers == 29)), int(np.sum(atoms.numbers == 13))
        truth = -1.0 * len(atoms)
        atoms.info[ENERGY_KEY] = truth
        atoms.arrays["REF_forces"] = np.zeros((len(atoms), 3))
        # the model is off by +2 meV/atom on Cu and -1 meV/atom on Al
        predicted.append(truth + 0.002 * n_cu - 0.001 * n_al)
        frames.append(atoms)
    delta = offset_corrections([13, 29, 47], frames, predicted)
    assert delta[29] == pytest.approx(-0.002, abs=1e-12)
    assert delta[13] == pytest.approx(0.001, abs=1e-12)
    assert delta[47] == 0.0  # no silver in the data: no correction
