"""Crossover and mutation on molecular graphs, in the style of Jensen's GB-GA.

Jensen, "A graph-based genetic algorithm and generative model/Monte Carlo tree search for the
exploration of chemical space", Chem. Sci. 10, 3567 (2019). The operator set follows that paper
(ring and non-ring crossover; append, insert and delete atom, change atom, change bond order,
delete ring bond, add ring); the code here is our own and edits RDKit graphs directly.

Molecules are edited in Kekule form with every hydrogen implicit, so RDKit recomputes hydrogen
counts after each edit and sanitisation decides whether the result is a valid molecule. Every
function takes a ``numpy.random.Generator``: no global random state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

SINGLE, DOUBLE, TRIPLE = Chem.BondType.SINGLE, Chem.BondType.DOUBLE, Chem.BondType.TRIPLE
_ORDER = {SINGLE: 1, DOUBLE: 2, TRIPLE: 3}
_BOND = {1: SINGLE, 2: DOUBLE, 3: TRIPLE}

# Element choices and their probabilities (Jensen's GB-GA favours carbon, then N and O).
APPEND_SINGLE = (("C", 0.55), ("N", 0.15), ("O", 0.15), ("F", 0.05), ("S", 0.04), ("Cl", 0.04), ("Br", 0.02))
APPEND_DOUBLE = (("C", 0.3), ("N", 0.2), ("O", 0.5))
APPEND_TRIPLE = (("C", 0.5), ("N", 0.5))
INSERT = (("C", 0.6), ("N", 0.2), ("O", 0.15), ("S", 0.05))
CHANGE = (("C", 0.4), ("N", 0.2), ("O", 0.15), ("S", 0.08), ("F", 0.07), ("Cl", 0.07), ("Br", 0.03))
ALLOWED_ELEMENTS = frozenset({"C", "N", "O", "S", "F", "Cl", "Br", "I", "P"})  # see _bad_patterns


@dataclass(frozen=True)
class Limits:
    """What a generated molecule must satisfy to be kept."""

    min_heavy_atoms: int = 5
    max_heavy_atoms: int = 50
    max_ring_size: int = 7


@lru_cache(maxsize=1)
def _bad_patterns() -> tuple[Any, ...]:
    return tuple(
        Chem.MolFromSmarts(s)
        for s in (
            "[r3,r4]=[r3,r4]",  # double bond inside a 3- or 4-membered ring
            "[R]=[R]=[R]",  # cumulated double bonds in a ring
            "[R]#[R]",  # triple bond in a ring (no ring here is large enough for one)
            "[#8]-[#8]",  # peroxide
            "[#16]-[#16]-[#16]",  # polysulfide chain
            "[!#6&!#7&!#8&!#16&!#9&!#17&!#35&!#53&!#15]",  # element outside ALLOWED_ELEMENTS
        )
    )


def _aromatic_bridged(mol: Any, rings: tuple[tuple[int, ...], ...]) -> bool:
    """True if an aromatic ring shares three or more atoms with another ring (a bridged,
    non-planar aromatic system such as a para-bridged benzene)."""
    sets = [set(r) for r in rings]
    aromatic = [all(mol.GetAtomWithIdx(i).GetIsAromatic() for i in r) for r in rings]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            if (aromatic[i] or aromatic[j]) and len(sets[i] & sets[j]) >= 3:
                return True
    return False


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...]) -> str:
    symbols = [s for s, _ in table]
    p = np.array([w for _, w in table], dtype=float)
    return symbols[int(rng.choice(len(symbols), p=p / p.sum()))]


@lru_cache(maxsize=20_000)
def _editable_smiles(smiles: str) -> Chem.Mol | None:
    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else editable(mol).GetMol()


def editable_from(smiles: str) -> Chem.RWMol | None:
    """``editable`` for a SMILES (memoised; each call returns a fresh copy to edit)."""
    base = _editable_smiles(smiles)
    return None if base is None else Chem.RWMol(base)


def editable(mol: Any) -> Chem.RWMol:
    """A Kekule copy with every hydrogen implicit (recomputed by RDKit after each edit)."""
    rw = Chem.RWMol(mol)
    Chem.Kekulize(rw, clearAromaticFlags=True)
    for atom in rw.GetAtoms():
        atom.SetNoImplicit(False)
        atom.SetNumExplicitHs(0)
        atom.SetNumRadicalElectrons(0)
    rw.UpdatePropertyCache(strict=False)
    return rw


def _hs(rw: Chem.RWMol, idx: int) -> int:
    return rw.GetAtomWithIdx(idx).GetTotalNumHs()


def finish(mol: Any, limits: Limits) -> str | None:
    """Sanitise and filter an edited graph; canonical SMILES if it is a sensible molecule."""
    try:
        mol = mol.GetMol() if isinstance(mol, Chem.RWMol) else Chem.Mol(mol)
        Chem.SanitizeMol(mol)
    except Exception:  # noqa: BLE001 - RDKit raises several types for invalid graphs
        return None
    if len(Chem.GetMolFrags(mol)) != 1:
        return None
    if not limits.min_heavy_atoms <= mol.GetNumHeavyAtoms() <= limits.max_heavy_atoms:
        return None
    rings = mol.GetRingInfo().AtomRings()
    if rings and max(len(r) for r in rings) > limits.max_ring_size:
        return None
    if len(rings) > 1 and _aromatic_bridged(mol, rings):
        return None
    if any(mol.HasSubstructMatch(p) for p in _bad_patterns()):
        return None
    smiles = Chem.MolToSmiles(mol)
    again = Chem.MolFromSmiles(smiles)  # the oracle re-parses: keep only what round-trips
    return None if again is None else Chem.MolToSmiles(again)


# ---------------------------------------------------------------- mutations (Jensen's set)


def append_atom(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    order = int(rng.choice([1, 2, 3], p=[0.8, 0.1, 0.1]))
    sites = [a.GetIdx() for a in rw.GetAtoms() if a.GetTotalNumHs() >= order]
    if not sites:
        return False
    table = {1: APPEND_SINGLE, 2: APPEND_DOUBLE, 3: APPEND_TRIPLE}[order]
    site = int(rng.choice(sites))
    new = rw.AddAtom(Chem.Atom(_pick(rng, table)))
    rw.AddBond(site, new, _BOND[order])
    return True


def insert_atom(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    bonds = [b for b in rw.GetBonds() if b.GetBondType() == SINGLE]
    if not bonds:
        return False
    bond = bonds[int(rng.integers(len(bonds)))]
    a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
    rw.RemoveBond(a, b)
    new = rw.AddAtom(Chem.Atom(_pick(rng, INSERT)))
    rw.AddBond(a, new, SINGLE)
    rw.AddBond(new, b, SINGLE)
    return True


def delete_atom(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    sites = [a.GetIdx() for a in rw.GetAtoms() if a.GetDegree() in (1, 2)]
    if not sites or rw.GetNumAtoms() <= 1:
        return False
    idx = int(rng.choice(sites))
    neighbours = [n.GetIdx() for n in rw.GetAtomWithIdx(idx).GetNeighbors()]
    if len(neighbours) == 2 and rw.GetBondBetweenAtoms(*neighbours) is None:
        rw.AddBond(neighbours[0], neighbours[1], SINGLE)
    rw.RemoveAtom(idx)
    return True


def change_atom(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    sites = [a.GetIdx() for a in rw.GetAtoms() if a.GetFormalCharge() == 0]
    if not sites:
        return False
    atom = rw.GetAtomWithIdx(int(rng.choice(sites)))
    symbol = _pick(rng, CHANGE)
    if symbol == atom.GetSymbol():
        return False
    atom.SetAtomicNum(Chem.GetPeriodicTable().GetAtomicNumber(symbol))
    return True


def change_bond_order(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    bonds = list(rw.GetBonds())
    if not bonds:
        return False
    bond = bonds[int(rng.integers(len(bonds)))]
    order = _ORDER.get(bond.GetBondType())
    if order is None:
        return False
    a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
    room = min(_hs(rw, a), _hs(rw, b))
    choices = [o for o in (1, 2, 3) if o != order and o - order <= room]
    if not choices:
        return False
    bond.SetBondType(_BOND[int(rng.choice(choices))])
    return True


def delete_ring_bond(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    bonds = [b for b in rw.GetBonds() if b.IsInRing()]
    if not bonds:
        return False
    bond = bonds[int(rng.integers(len(bonds)))]
    rw.RemoveBond(bond.GetBeginAtomIdx(), bond.GetEndAtomIdx())
    return True


def add_ring(rw: Chem.RWMol, rng: np.random.Generator) -> bool:
    """Close a 3- to 6-membered ring between two atoms that carry hydrogens (5 and 6 favoured)."""
    n = rw.GetNumAtoms()
    if n < 3:
        return False
    dist = Chem.GetDistanceMatrix(rw)
    weight_by_distance = {2: 0.05, 3: 0.15, 4: 0.4, 5: 0.4}
    pairs, weights = [], []
    hs = [a.GetTotalNumHs() for a in rw.GetAtoms()]
    for i in range(n):
        if not hs[i]:
            continue
        for j in range(i + 1, n):
            d = int(dist[i, j])
            if hs[j] and d in weight_by_distance:
                pairs.append((i, j))
                weights.append(weight_by_distance[d])
    if not pairs:
        return False
    p = np.array(weights) / sum(weights)
    i, j = pairs[int(rng.choice(len(pairs), p=p))]
    rw.AddBond(i, j, SINGLE)
    return True


MUTATIONS = (
    append_atom,
    insert_atom,
    delete_atom,
    change_atom,
    change_bond_order,
    delete_ring_bond,
    add_ring,
)


# ---------------------------------------------------------------- side-chain mutations


def side_chains(smiles: list[str], max_heavy_atoms: int = 6, min_count: int = 3) -> list[tuple[str, int]]:
    """Side chains found by cutting every acyclic single bond of the molecules: the smaller
    piece, if it has at most ``max_heavy_atoms``, as Kekule SMILES with a ``[*:1]`` attachment
    point, with its count; only those seen ``min_count`` times or more, most frequent first."""
    counts: dict[str, int] = {}
    for s in smiles:
        rw = editable_from(s)
        if rw is None:
            continue
        for bond in rw.GetBonds():
            if bond.IsInRing() or bond.GetBondType() != SINGLE:
                continue
            frag = Chem.FragmentOnBonds(rw, [bond.GetIdx()], addDummies=True, dummyLabels=[(1, 1)])
            groups = Chem.GetMolFrags(frag)
            if len(groups) != 2:
                continue
            small = min(groups, key=len)
            if len(small) - 1 > max_heavy_atoms:
                continue
            key = Chem.MolFragmentToSmiles(frag, small, kekuleSmiles=True).replace("[1*]", "[*:1]")
            counts[key] = counts.get(key, 0) + 1
    rows = [(k, n) for k, n in counts.items() if n >= min_count]
    return sorted(rows, key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class Substituents:
    """Side chains to attach, drawn with probability proportional to sqrt(count)."""

    smiles: tuple[str, ...]
    p: tuple[float, ...]

    @classmethod
    def from_counts(cls, rows: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> Substituents:
        weights = np.sqrt(np.array([n for _, n in rows], dtype=float))
        return cls(tuple(s for s, _ in rows), tuple(float(w) for w in weights / weights.sum()))

    def draw(self, rng: np.random.Generator) -> Any:
        return _substituent_mol(self.smiles[int(rng.choice(len(self.smiles), p=self.p))])


@lru_cache(maxsize=4096)
def _substituent_mol(smiles: str) -> Any:
    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    mol.UpdatePropertyCache(strict=False)
    return mol


def _attach(core: Chem.RWMol, site: int, substituent: Any) -> Chem.RWMol | None:
    dummy = Chem.Atom(0)
    dummy.SetAtomMapNum(1)
    idx = core.AddAtom(dummy)
    core.AddBond(site, idx, SINGLE)
    try:
        return Chem.RWMol(Chem.molzip(core, substituent))
    except Exception:  # noqa: BLE001
        return None


def attach_substituent(rw: Chem.RWMol, rng: np.random.Generator, subs: Substituents) -> Any:
    """Replace a hydrogen by a side chain from the seed pool."""
    sites = [a.GetIdx() for a in rw.GetAtoms() if a.GetTotalNumHs() >= 1]
    if not sites:
        return None
    return _attach(rw, int(rng.choice(sites)), subs.draw(rng))


def swap_substituent(rw: Chem.RWMol, rng: np.random.Generator, subs: Substituents) -> Any:
    """Cut an acyclic single bond, keep the larger side, attach a side chain from the pool."""
    bonds = [b.GetIdx() for b in rw.GetBonds() if not b.IsInRing() and b.GetBondType() == SINGLE]
    if not bonds:
        return None
    pieces = _cut(rw, [int(rng.choice(bonds))])
    if not pieces:
        return None
    core = Chem.RWMol(max(pieces, key=lambda m: (m.GetNumAtoms(), Chem.MolToSmiles(m))))
    try:
        return Chem.RWMol(Chem.molzip(core, subs.draw(rng)))
    except Exception:  # noqa: BLE001
        return None


def mutate(
    smiles: str,
    rng: np.random.Generator,
    limits: Limits,
    tries: int = 10,
    substituents: Substituents | None = None,
) -> str | None:
    """One random graph mutation of ``smiles`` that gives a valid, different molecule.

    Jensen's seven atom and bond edits, plus (given ``substituents``) attaching or swapping a
    side chain mined from the seed pool, so that groups such as CF3 or SO2NH2 can appear in one
    step instead of through several lower-scoring intermediates.
    """
    base = editable_from(smiles)
    if base is None:
        return None
    n_ops = len(MUTATIONS) + (2 if substituents else 0)
    for _ in range(tries):
        rw = Chem.RWMol(base)
        k = int(rng.integers(n_ops))
        if k < len(MUTATIONS):
            if not MUTATIONS[k](rw, rng):
                continue
        else:
            fn = attach_substituent if k == len(MUTATIONS) else swap_substituent
            made = fn(rw, rng, substituents)  # type: ignore[arg-type]
            if made is None:
                continue
            rw = made
        child = finish(rw, limits)
        if child is not None and child != smiles:
            return child
    return None


# ---------------------------------------------------------------- crossover


def _cut(rw: Chem.RWMol, bonds: list[int]) -> list[Any] | None:
    """Cut ``bonds``; two fragments each holding one dummy atom per cut bond, or None.

    Dummy atoms carry the atom-map number of their cut (1, 2, ...), which ``molzip`` joins on.
    ``FragmentOnBonds`` appends the dummies after the original atoms, and each fragment keeps
    the original atom order, so a fragment's dummies are its last atoms.
    """
    n = rw.GetNumAtoms()
    frag = Chem.FragmentOnBonds(rw, bonds, addDummies=True)
    groups = Chem.GetMolFrags(frag)
    if len(groups) != 2:
        return None
    for group in groups:
        if sum(1 for i in group if i >= n) != len(bonds):
            return None
    for k in range(len(bonds)):
        # the two dummies of cut k are atoms n + 2k and n + 2k + 1
        frag.GetAtomWithIdx(n + 2 * k).SetAtomMapNum(k + 1)
        frag.GetAtomWithIdx(n + 2 * k + 1).SetAtomMapNum(k + 1)
    return list(Chem.GetMolFrags(frag, asMols=True, sanitizeFrags=False))


def _non_ring_pieces(rw: Chem.RWMol, rng: np.random.Generator) -> list[Any] | None:
    bonds = [b.GetIdx() for b in rw.GetBonds() if not b.IsInRing() and b.GetBondType() == SINGLE]
    if not bonds:
        return None
    return _cut(rw, [int(rng.choice(bonds))])


def _ring_pieces(rw: Chem.RWMol, rng: np.random.Generator) -> list[Any] | None:
    rings = rw.GetRingInfo().BondRings()
    if not rings:
        return None
    ring = rings[int(rng.integers(len(rings)))]
    if len(ring) < 3:
        return None
    first, second = rng.choice(len(ring), size=2, replace=False)
    return _cut(rw, [int(ring[first]), int(ring[second])])


def _zip(piece_a: Any, piece_b: Any, cuts: int, swap: bool) -> Any | None:
    b = piece_b
    if swap and cuts == 2:
        b = Chem.RWMol(piece_b)
        last = b.GetNumAtoms() - 1
        for idx in (last - 1, last):
            atom = b.GetAtomWithIdx(idx)
            atom.SetAtomMapNum(3 - atom.GetAtomMapNum())
    try:
        return Chem.RWMol(Chem.molzip(piece_a, b))
    except Exception:  # noqa: BLE001
        return None


def crossover(
    smiles_a: str, smiles_b: str, rng: np.random.Generator, limits: Limits, tries: int = 10
) -> str | None:
    """A child made of one fragment of each parent: ring or non-ring cut, half of the time each."""
    rw_a, rw_b = editable_from(smiles_a), editable_from(smiles_b)
    if rw_a is None or rw_b is None:
        return None
    for _ in range(tries):
        ring = rng.random() < 0.5
        cutter = _ring_pieces if ring else _non_ring_pieces
        pieces_a = cutter(rw_a, rng)
        pieces_b = cutter(rw_b, rng) if pieces_a else None
        if not pieces_a or not pieces_b:
            continue
        piece_a = pieces_a[int(rng.integers(2))]
        piece_b = pieces_b[int(rng.integers(2))]
        child = _zip(piece_a, piece_b, cuts=2 if ring else 1, swap=bool(rng.integers(2)))
        if child is None:
            continue
        smiles = finish(child, limits)
        if smiles is not None:
            return smiles
    return None
