"""The costly oracle: GFN2-xTB HOMO-LUMO gaps from tblite, and their on-disk cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from labwright.simulators.compute.design.models import DesignConfig
from labwright.simulators.compute.design.objectives import GAP_CACHE_KEY
from labwright.simulators.compute.design.run import run_design
from labwright.simulators.compute.design.xtb import CostlyCache, homo_lumo_gap
from rdkit import Chem


def gap(smiles: str) -> float:
    value = homo_lumo_gap(Chem.MolFromSmiles(smiles))
    assert value is not None
    return value


def test_gap_is_deterministic_and_falls_with_conjugation() -> None:
    ethylene, butadiene, hexatriene = gap("C=C"), gap("C=CC=C"), gap("C=CC=CC=C")
    assert gap("C=CC=C") == butadiene  # fixed embedding seed: same geometry, same gap
    assert ethylene > butadiene > hexatriene > 0.5
    assert 2.0 < gap("c1ccccc1") < 8.0


def test_open_shell_molecules_are_not_evaluated() -> None:
    assert homo_lumo_gap(Chem.MolFromSmiles("[CH3]")) is None


def test_cache_round_trip(tmp_path: Path) -> None:
    cache = CostlyCache(tmp_path / "c.sqlite")
    cache.put_many("k", {"CCO": 1.5, "CCC": 2.5})
    assert cache.get_many("k", ["CCO", "CCN"]) == {"CCO": 1.5}
    assert cache.get_many("other", ["CCO"]) == {}
    cache.close()


def test_design_with_the_costly_oracle_fills_and_reuses_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "gap.sqlite"
    config = DesignConfig(
        objectives=["qed", "gap:4:6"],
        budget=24,
        population_size=12,
        offspring_size=6,
        max_heavy_atoms=14,
        seed=0,
        cache_path=str(path),
    )
    first = run_design(config)
    assert first.calls == 24
    computed = {m.smiles: m.raw["gap:4:6"] for m in first.top if m.raw["gap:4:6"] is not None}
    assert computed
    cache = CostlyCache(path)
    stored = cache.get_many(GAP_CACHE_KEY, list(computed))
    cache.close()
    assert stored == pytest.approx(computed)
    for smiles, value in computed.items():
        assert value == pytest.approx(gap(smiles))
    again = run_design(config)
    assert [(m.smiles, m.score) for m in again.top] == [(m.smiles, m.score) for m in first.top]
