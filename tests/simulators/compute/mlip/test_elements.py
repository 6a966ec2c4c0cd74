"""Growing a model's element table is exact on the old elements and gives the new ones E0s."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from labwright.simulators.compute.mlip.dataset import read_extxyz
from labwright.simulators.compute.mlip.elements import expand_elements, model_e0s
from labwright.simulators.compute.mlip.mace_import import import_mace, load_model


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_expanded_model_predicts_old_elements_exactly(tiny_model: Path) -> None:
    torch = import_mace()
    from mace.calculators import MACECalculator

    old = load_model(str(tiny_model))
    new = expand_elements(old, {13: 3.28})
    assert [int(z) for z in new.atomic_numbers] == [13, 29]
    assert model_e0s(new) == {13: pytest.approx(3.28), 29: pytest.approx(model_e0s(old)[29])}
    buf = io.BytesIO()
    torch.save(new, buf)  # MACE's own format: a pickled module
    buf.seek(0)
    reloaded = torch.load(buf, weights_only=False)
    c_old = MACECalculator(models=[old], device="cpu", default_dtype="float64")
    c_new = MACECalculator(models=[reloaded], device="cpu", default_dtype="float64")
    for frame in read_extxyz(tiny_model.with_name("cu.test.extxyz"))[:3]:
        a, b = frame.copy(), frame.copy()
        a.calc, b.calc = c_old, c_new
        # exact up to float32 rounding of the rescaled weights (the model trains in float32)
        assert b.get_potential_energy() == pytest.approx(a.get_potential_energy(), rel=1e-6)
        assert np.allclose(b.get_forces(), a.get_forces(), atol=1e-5)
    al = bulk("Al", "fcc", a=4.05, cubic=True)
    al.calc = c_new
    assert np.isfinite(al.get_potential_energy())


@pytest.mark.slow  # trains a model first (~30-50 s): opt-in, `make test-slow`
def test_expansion_without_new_elements_is_a_no_op(tiny_model: Path) -> None:
    old = load_model(str(tiny_model))
    assert expand_elements(old, {29: 3.51}) is old
