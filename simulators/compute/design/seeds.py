"""The seed pool: drug-like and screening molecules that ship inside the RDKit wheel.

No download: the files are read from ``rdkit.RDConfig.RDDataDir`` and ``RDContribDir``. Each
molecule is standardised (largest fragment, neutralised, stereo removed, canonical SMILES), filtered
to organic elements and a heavy-atom range, and de-duplicated in file order.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from labwright.protocols.errors import UnusableInputError

log = logging.getLogger(__name__)

ORGANIC_ELEMENTS = frozenset({"C", "N", "O", "S", "F", "Cl", "Br", "I", "P"})

# (root, relative path, format): "smi" = whitespace-separated, SMILES in `column`;
# "csv" = comma-separated with quotes; "tsv-header" = tab-separated with a header line.
SEED_FILES: tuple[tuple[str, str, str, int], ...] = (
    ("data", "NCI/first_5K.smi", "smi", 0),  # 5,000 NCI open compounds
    ("data", "Pains/test_data/wehi_mols.csv", "csv", 0),  # 10,000 WEHI screening compounds
    ("contrib", "SA_Score/data/zim.100.txt", "tsv-header", 0),  # 100 ZINC compounds
    ("contrib", "fraggle/data/ChEMBL_11265_actives.smi", "smi", 0),  # ChEMBL actives
    ("contrib", "Fastcluster/cdk2.smi", "smi", 1),  # ZINC CDK2 ligands
    ("contrib", "FreeWilson/data/CHEMBL2321810.smi", "smi", 0),  # ChEMBL series
)


def _roots() -> dict[str, Path]:
    from rdkit import RDConfig

    return {"data": Path(RDConfig.RDDataDir), "contrib": Path(RDConfig.RDContribDir)}


def _read_smiles(path: Path, fmt: str, column: int) -> Iterator[str]:
    with path.open(newline="") as handle:
        if fmt == "csv":
            for row in csv.reader(handle):
                if len(row) > column:
                    yield row[column]
            return
        lines = iter(handle)
        if fmt == "tsv-header":
            next(lines, None)
        for line in lines:
            parts = line.split()
            if len(parts) > column and not line.startswith("#"):
                yield parts[column]


def standardise(mol: Any) -> Any | None:
    """Largest organic fragment, neutralised, no stereo; None if it is not usable."""
    from rdkit import Chem
    from rdkit.Chem import Descriptors
    from rdkit.Chem.MolStandardize import rdMolStandardize

    if len(Chem.GetMolFrags(mol)) > 1:
        frags = Chem.GetMolFrags(mol, asMols=True)
        mol = max(frags, key=lambda m: (m.GetNumHeavyAtoms(), Chem.MolToSmiles(m)))
    if mol.HasSubstructMatch(_non_organic_or_charged()):
        mol = rdMolStandardize.Uncharger().uncharge(mol)
        if any(a.GetSymbol() not in ORGANIC_ELEMENTS for a in mol.GetAtoms()):
            return None
    if Descriptors.NumRadicalElectrons(mol):
        return None
    Chem.RemoveStereochemistry(mol)
    return mol


@lru_cache(maxsize=1)
def _non_organic_or_charged() -> Any:
    """SMARTS hit by any atom that is charged, a radical or not in ORGANIC_ELEMENTS."""
    from rdkit import Chem

    not_organic = "&".join(f"!#{n}" for n in (6, 7, 8, 16, 9, 17, 35, 53, 15))
    return Chem.MolFromSmarts(f"[{not_organic},+,-,+2,-2,+3,-3]")


def canonical_smiles(smiles: str) -> str | None:
    """Canonical SMILES of a valid molecule, else None (the oracle's identity of a molecule)."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles)
    return None if mol is None else Chem.MolToSmiles(mol)


POOL_FORMAT = 2  # bump when standardisation changes: invalidates the on-disk pool cache
_WIDEST = (1, 200)  # the cached pool covers every molecule up to 200 heavy atoms


def _cache_file(sources: list[tuple[str, Path]], kind: str = "seed_pool") -> Path | None:
    """Where derived data is cached (keyed by RDKit version and the source files)."""
    import hashlib

    import platformdirs
    import rdkit

    key = hashlib.sha256()
    key.update(f"{POOL_FORMAT}|{rdkit.__version__}|{_WIDEST}".encode())
    for label, path in sources:
        stat = path.stat()
        key.update(f"|{label}|{stat.st_size}|{int(stat.st_mtime)}".encode())
    try:
        root = Path(platformdirs.user_cache_dir("labwright")) / "design"
    except Exception:  # noqa: BLE001 - no cache directory: just rebuild
        return None
    return root / f"{kind}_{key.hexdigest()[:16]}.tsv"


def _build_pool(sources: list[tuple[str, Path, str, int]]) -> list[tuple[str, int]]:
    """(canonical SMILES, heavy atoms) of every usable molecule, de-duplicated in file order."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    seen: dict[str, int] = {}
    for _label, path, fmt, column in sources:
        for smiles in _read_smiles(path, fmt, column):
            mol = Chem.MolFromSmiles(smiles)
            if mol is None:
                continue
            mol = standardise(mol)
            if mol is None or not (_WIDEST[0] <= mol.GetNumHeavyAtoms() <= _WIDEST[1]):
                continue
            can = canonical_smiles(Chem.MolToSmiles(mol))
            if can is not None:
                seen.setdefault(can, mol.GetNumHeavyAtoms())
    return list(seen.items())


def _read_tsv(path: Path | None) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if path is not None and path.exists():
        for line in path.read_text().splitlines():
            text, _, number = line.partition("\t")
            if text and number.isdigit():
                out.append((text, int(number)))
    return out


def _write_tsv(path: Path | None, rows: list[tuple[str, int]]) -> None:
    if path is None or not rows:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text("".join(f"{s}\t{n}\n" for s, n in rows))
        os.replace(tmp, path)
    except OSError as exc:
        log.info("could not cache %s: %s", path, exc)


def _sources() -> list[tuple[str, Path, str, int]]:
    roots = _roots()
    sources: list[tuple[str, Path, str, int]] = []
    for root, rel, fmt, column in SEED_FILES:
        path = roots[root] / rel
        if not path.exists():
            log.warning("seed file missing in this RDKit build: %s", path)
            continue
        label = f"{'RDDataDir' if root == 'data' else 'RDContribDir'}/{rel}"
        sources.append((label, path, fmt, column))
    return sources


@lru_cache(maxsize=1)
def _full_pool() -> tuple[tuple[tuple[str, int], ...], tuple[str, ...]]:
    sources = _sources()
    files = tuple(label for label, *_ in sources)
    cache = _cache_file([(label, path) for label, path, *_ in sources])
    pool = _read_tsv(cache)
    if not pool:
        pool = _build_pool(sources)
        _write_tsv(cache, pool)
    return tuple(pool), files


@lru_cache(maxsize=1)
def substituent_counts() -> tuple[tuple[str, int], ...]:
    """Side chains of the seed pool (acyclic single-bond cuts, at most 6 heavy atoms), as
    SMILES with one ``[*:1]`` attachment point, and how often each occurs; cached on disk."""
    from labwright.simulators.compute.design.graph_ops import side_chains

    sources = _sources()
    cache = _cache_file([(label, path) for label, path, *_ in sources], kind="substituents")
    rows = _read_tsv(cache)
    if not rows:
        rows = side_chains([s for s, _ in _full_pool()[0]], max_heavy_atoms=6, min_count=3)
        _write_tsv(cache, rows)
    return tuple(rows)


@lru_cache(maxsize=8)
def load_seed_pool(min_heavy: int = 5, max_heavy: int = 50) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(canonical SMILES, files read) for the usable molecules in RDKit's bundled data files
    with ``min_heavy`` to ``max_heavy`` heavy atoms.

    The processed list is cached under the user cache directory (keyed by the RDKit version and
    the files' sizes), so only the first call pays for parsing ~16,000 molecules.
    """
    pool, files = _full_pool()
    kept = tuple(s for s, n in pool if min_heavy <= n <= max_heavy)
    if not kept:
        raise UnusableInputError(
            f"no seed molecules with {min_heavy} to {max_heavy} heavy atoms in the RDKit data directories",
            hint="widen the heavy-atom range, or install the RDKit wheel with its Data and "
            "Contrib folders (pip install rdkit)",
        )
    return kept, files


@lru_cache(maxsize=8)
def _pool_fingerprints(pool: tuple[str, ...]) -> list[Any]:
    from labwright.simulators.compute.design.objectives import ecfp4
    from rdkit import Chem

    return [ecfp4(Chem.MolFromSmiles(s)) for s in pool]


def hold_out(pool: tuple[str, ...], target_smiles: list[str], threshold: float) -> list[str]:
    """Pool minus molecules with ECFP4 Tanimoto > threshold to any target."""
    from labwright.simulators.compute.design.objectives import ecfp4
    from rdkit import Chem, DataStructs

    if not target_smiles:
        return list(pool)
    fps = _pool_fingerprints(pool)
    worst = [0.0] * len(pool)
    for target in target_smiles:
        sims = DataStructs.BulkTanimotoSimilarity(ecfp4(Chem.MolFromSmiles(target)), fps)
        worst = [max(a, b) for a, b in zip(worst, sims, strict=True)]
    return [s for s, w in zip(pool, worst, strict=True) if w <= threshold]
