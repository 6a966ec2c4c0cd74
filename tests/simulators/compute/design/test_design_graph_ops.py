"""Graph GA operators: valid, different, reproducible children within the size limits."""

from __future__ import annotations

import numpy as np
from labwright.simulators.compute.design import graph_ops
from labwright.simulators.compute.design.graph_ops import Limits, crossover, editable, finish, mutate
from rdkit import Chem

PARENTS = [
    "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1",
    "CC(=O)Oc1ccccc1C(=O)O",
    "CN1CCN(c2ccc3c(c2)C(=O)c2ccccc2N3)CC1",
    "O=C(NCc1ccccn1)c1cc2ccccc2o1",
    "CCOC(=O)C1=C(C)NC(C)=C(C(=O)OC)C1c1cccc(Cl)c1",
]


def test_every_mutation_operator_can_produce_a_valid_molecule() -> None:
    rng = np.random.default_rng(0)
    limits = Limits()
    for op in graph_ops.MUTATIONS:
        made = set()
        for _ in range(60):
            smiles = PARENTS[int(rng.integers(len(PARENTS)))]
            rw = editable(Chem.MolFromSmiles(smiles))
            if op(rw, rng):
                child = finish(rw, limits)
                if child is not None and child != smiles:
                    made.add(child)
        assert made, f"{op.__name__} never produced a valid molecule"
        assert all(Chem.MolFromSmiles(s) is not None for s in made)


def test_crossover_and_mutation_children_are_valid_new_and_within_limits() -> None:
    rng = np.random.default_rng(1)
    limits = Limits(min_heavy_atoms=5, max_heavy_atoms=30)
    children = []
    for i in range(100):
        a, b = PARENTS[i % len(PARENTS)], PARENTS[(i * 3 + 1) % len(PARENTS)]
        child = crossover(a, b, rng, limits)
        if child is not None:
            children.append(child)
        m = mutate(a, rng, limits)
        if m is not None:
            assert m != a
            children.append(m)
    assert len(children) >= 150
    assert len(set(children)) >= 60
    for smiles in children:
        mol = Chem.MolFromSmiles(smiles)
        assert mol is not None
        assert Chem.MolToSmiles(mol) == smiles  # canonical
        assert 5 <= mol.GetNumHeavyAtoms() <= 30
        assert len(Chem.GetMolFrags(mol)) == 1


def test_operators_are_reproducible_by_seed() -> None:
    def run(seed: int) -> list[str | None]:
        rng = np.random.default_rng(seed)
        out = []
        for i in range(30):
            out.append(crossover(PARENTS[i % 5], PARENTS[(i + 2) % 5], rng, Limits()))
            out.append(mutate(PARENTS[i % 5], rng, Limits()))
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_kekule_editing_round_trips_aromatic_molecules() -> None:
    for smiles in PARENTS + ["c1ccc2[nH]ccc2c1", "O=[N+]([O-])c1ccccc1"]:
        canonical = Chem.MolToSmiles(Chem.MolFromSmiles(smiles))
        assert finish(editable(Chem.MolFromSmiles(smiles)), Limits()) == canonical
