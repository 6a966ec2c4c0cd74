"""The compiled LJ quench and population basin hopping (issue 18, the hard LJ clusters).

Known global minima are built from their lattices (LJ13 Mackay icosahedron, LJ38 fcc truncated
octahedron) and quenched: the compiled minimiser must keep them and give the Cambridge Cluster
Database energies to 1e-6; the scipy path must agree on the same starts.
"""

from __future__ import annotations

import numpy as np
import pytest
from labwright.simulators.compute.structure import lj_fast
from labwright.simulators.compute.structure.landscape import lj_landscape
from labwright.simulators.compute.structure.lennard_jones import KNOWN_LJ_MINIMA, lj_energy_gradient
from labwright.simulators.compute.structure.population import (
    PopulationSettings,
    centroid_signature,
    dissimilarity,
    population_basin_hopping,
)
from labwright.simulators.compute.structure.random_structures import random_cluster

pytestmark = pytest.mark.skipif(not lj_fast.HAVE_NUMBA, reason="numba is not installed")


def icosahedron13(nn: float = 1.1) -> np.ndarray:
    """Centre + the 12 vertices of an icosahedron (vertex radius ~ nearest-neighbour distance)."""
    phi = (1 + 5**0.5) / 2
    v = []
    for a in (-1, 1):
        for b in (-phi, phi):
            v += [(0, a, b), (a, b, 0), (b, 0, a)]
    v = np.array(v, dtype=float)
    v *= nn / np.linalg.norm(v[0])
    return np.vstack([np.zeros(3), v])


def truncated_octahedron38(nn: float = 1.1) -> np.ndarray:
    """The 38 fcc sites nearest an octahedral hole: 6 + 8 + 24 (the LJ38 global minimum)."""
    r = range(-3, 4)
    pts = np.array([(i, j, k) for i in r for j in r for k in r if (i + j + k) % 2 == 0], dtype=float)
    d = np.linalg.norm(pts - np.array([1.0, 0.0, 0.0]), axis=1)
    chosen = pts[np.argsort(d, kind="stable")[:38]]
    assert np.isclose(np.sort(d)[37], 5**0.5) and np.sort(d)[38] > 5**0.5 + 1e-9  # whole shells
    return chosen * nn / 2**0.5


def test_compiled_energy_and_gradient_match_numpy() -> None:
    x = random_cluster(["Ar"] * 31, np.random.default_rng(4)).positions
    e_ref, g_ref = lj_energy_gradient(x)
    e, g = lj_fast.energy_gradient(x)
    assert e == pytest.approx(e_ref, rel=1e-12)
    assert np.allclose(g, g_ref, rtol=1e-10, atol=1e-12)


def test_compression_gradient_matches_finite_differences() -> None:
    x = random_cluster(["Ar"] * 8, np.random.default_rng(7)).positions.ravel().copy()
    g = np.empty_like(x)
    lj_fast.lj_eg_flat(x, g, 0.7)
    h = 1e-6
    num = np.empty_like(x)
    scratch = np.empty_like(x)
    for k in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        num[k] = (lj_fast.lj_eg_flat(xp, scratch, 0.7) - lj_fast.lj_eg_flat(xm, scratch, 0.7)) / (2 * h)
    assert np.allclose(g, num, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("n", "build"), [(13, icosahedron13), (38, truncated_octahedron38)])
def test_quench_keeps_known_global_minima_at_ccd_energy(n: int, build) -> None:
    start = build()
    x, e, _, converged = lj_fast.quench(start)
    assert converged
    assert e == pytest.approx(KNOWN_LJ_MINIMA[n], abs=1e-6)
    # the RMS-gradient criterion really holds at the returned point
    _, g = lj_energy_gradient(x)
    assert np.sqrt(np.mean(g**2)) <= lj_fast.RMS_GTOL
    # same start through the scipy path: the same minimum
    assert lj_landscape(n, compiled=False).minimise(start).energy == pytest.approx(e, abs=1e-6)


def test_quench_reaches_a_true_minimum_from_a_random_cluster() -> None:
    start = random_cluster(["Ar"] * 40, np.random.default_rng(11)).positions
    x, e, evals, converged = lj_fast.quench(start)
    assert converged and evals > 10
    assert e < lj_energy_gradient(start)[0]
    # a minimum: small random displacements never lower the energy (beyond round-off)
    rng = np.random.default_rng(1)
    for _ in range(20):
        assert lj_energy_gradient(x + rng.normal(scale=1e-4, size=x.shape))[0] >= e - 1e-9


def test_dissimilarity_ignores_rotation_and_permutation() -> None:
    x = truncated_octahedron38()
    q, _ = np.linalg.qr(np.random.default_rng(2).normal(size=(3, 3)))
    y = (x @ q.T)[np.random.default_rng(3).permutation(38)] + 5.0
    assert dissimilarity(centroid_signature(x), centroid_signature(y)) < 1e-12
    z = random_cluster(["Ar"] * 38, np.random.default_rng(5)).positions
    assert dissimilarity(centroid_signature(x), centroid_signature(z)) > 0.02


@pytest.mark.parametrize("seed", range(3))
def test_population_basin_hopping_finds_lj13_from_random_starts(seed: int) -> None:
    target = KNOWN_LJ_MINIMA[13]
    settings = PopulationSettings(population=5, local_searches=300, stop_energy=target)
    out = population_basin_hopping(lj_landscape(13), np.random.default_rng(seed), settings)
    assert out.stop_reason == "target reached"
    assert out.first_hit is not None and out.first_hit == out.local_searches <= 300
    assert out.best_energy == pytest.approx(target, abs=1e-4)


def test_population_basin_hopping_respects_its_budget() -> None:
    # LJ38 is not found in 30 local searches: the run must stop at exactly the budget
    settings = PopulationSettings(population=10, local_searches=30, stop_energy=KNOWN_LJ_MINIMA[38] - 1)
    out = population_basin_hopping(lj_landscape(38), np.random.default_rng(0), settings)
    assert out.stop_reason == "completed" and out.local_searches == 30 and out.first_hit is None
    assert len(out.population_energies) == 10


def test_search_front_end_runs_population_method_and_refuses_other_calculators() -> None:
    from labwright.protocols.errors import ConfigurationError
    from labwright.simulators.compute.structure.calculators import CalculatorSpec
    from labwright.simulators.compute.structure.search import SearchSettings, search

    outcome = search(
        SearchSettings(composition="LJ13", method="population", steps=300, seed=1, stop_energy=-44.326801)
    )
    assert outcome.result.best_energy == pytest.approx(-44.326801, abs=1e-4)
    assert outcome.result.runs[0].first_hit_step is not None
    with pytest.raises(ConfigurationError):
        SearchSettings(composition="Cu13", calculator=CalculatorSpec(name="emt"), method="population").check()


def test_cli_population_method_finds_lj13(tmp_path, monkeypatch) -> None:
    import json

    from typer.testing import CliRunner

    from labwright.cli import app

    monkeypatch.chdir(tmp_path)
    args = ["structure", "search", "-c", "LJ13", "--method", "population", "--steps", "300"]
    result = CliRunner().invoke(app, [*args, "--target-energy", "-44.326801", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.stdout
    payload = json.loads(result.stdout)
    assert payload["method"] == "population"
    assert payload["best_energy"] == pytest.approx(KNOWN_LJ_MINIMA[13], abs=1e-4)
    assert payload["runs"][0]["first_hit_step"] <= 300


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_lj_hard_bench_quick_mode_runs_both_methods() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[4] / "bench" / "lj_hard.py"
    spec = importlib.util.spec_from_file_location("lj_hard_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--quick"])
    assert {r.method for r in rows} == {"pbh", "plain"}
    for r in rows:
        assert r.local_minimisations <= 3000
        if r.first_hit is not None:
            assert r.best_energy == pytest.approx(KNOWN_LJ_MINIMA[38], abs=1e-4)
