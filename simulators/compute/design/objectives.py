"""Design objectives: parse a spec string, compute a raw value, map it to a score in [0, 1].

Spec grammar (one objective per string):

==========================  ==========================================================
``qed``                     RDKit QED (Bickerton et al. 2012), already in [0, 1]
``sa``                      synthetic accessibility: RDKit Contrib SA score (Ertl and
                            Schuffenhauer 2009, 1 = easy .. 10 = hard) mapped to
                            ``(10 - SA) / 9`` so that 1 is easiest
``logp:LOW:HIGH[:WIDTH]``   Crippen logP window; 1 inside, Gaussian fall-off outside
``tpsa:LOW:HIGH[:WIDTH]``   topological polar surface area window (A^2)
``mw:LOW:HIGH[:WIDTH]``     molecular weight window (Da); LOW or HIGH may be empty
``similarity:TARGET``       Tanimoto on ECFP4 (Morgan radius 2, 2048 bits); TARGET is a
                            named drug (see ``targets.json``) or a SMILES
``substructure:SMARTS``     required substructure (constraint: 1 if present, else 0)
``exclude:SMARTS``          forbidden substructure (constraint: 1 if absent, else 0)
``gap:LOW:HIGH[:WIDTH]``    GFN2-xTB HOMO-LUMO gap window (eV) from ``tblite`` on an
                            RDKit-embedded geometry: the costly oracle
``pmo:TASK``                a PMO benchmark task (Gao et al. 2022), already in [0, 1]:
                            one of ``pmo_oracles.TASKS`` (osimertinib_mpo, median1, ...)
==========================  ==========================================================
"""

from __future__ import annotations

import importlib.util
import json
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from labwright.protocols.errors import UnusableInputError

Kind = Literal["score", "constraint"]

GAP_CACHE_KEY = "gfn2-xtb-homo-lumo-gap-ev/etkdgv3-mmff"
_WINDOW_DEFAULT_WIDTH = {"logp": 1.0, "tpsa": 20.0, "mw": 50.0, "gap": 0.5}
_SPEC_HELP = (
    "use one of: qed, sa, logp:LOW:HIGH, tpsa:LOW:HIGH, mw:LOW:HIGH, similarity:NAME_OR_SMILES, "
    "substructure:SMARTS, exclude:SMARTS, gap:LOW:HIGH (eV), pmo:TASK"
)


@lru_cache(maxsize=1)
def named_targets() -> dict[str, str]:
    """Named drugs usable as ``similarity:NAME`` (name -> SMILES)."""
    data = json.loads((Path(__file__).with_name("targets.json")).read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def _sascorer() -> Any:
    """RDKit's Contrib SA_Score module, loaded from RDContribDir (shipped with RDKit)."""
    from rdkit import RDConfig

    path = Path(RDConfig.RDContribDir) / "SA_Score" / "sascorer.py"
    if not path.exists():
        raise UnusableInputError(
            f"RDKit's SA score module is missing at {path}",
            hint="install an RDKit build that ships Contrib/SA_Score (the PyPI wheel does)",
        )
    spec = importlib.util.spec_from_file_location("labwright_rdkit_sascorer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def _morgan_generator() -> Any:
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def ecfp4(mol: Any) -> Any:
    """ECFP4 bit vector (Morgan radius 2, 2048 bits)."""
    return _morgan_generator().GetFingerprint(mol)


def window_score(value: float, low: float | None, high: float | None, width: float) -> float:
    """1 inside [low, high]; outside, exp(-d^2 / (2 width^2)) with d the distance to the window."""
    if low is not None and value < low:
        d = low - value
    elif high is not None and value > high:
        d = value - high
    else:
        return 1.0
    return math.exp(-0.5 * (d / width) ** 2)


@dataclass(frozen=True)
class Objective(ABC):
    """One parsed objective. ``raw`` computes the property, ``score`` maps it to [0, 1]."""

    name: str
    kind: Kind = "score"
    costly: bool = False
    weight: float = 1.0
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @abstractmethod
    def raw(self, mol: Any) -> float | None:
        """The property of an RDKit molecule (None when it cannot be computed)."""

    def score(self, raw: float | None) -> float:
        return 0.0 if raw is None else min(1.0, max(0.0, float(raw)))


@dataclass(frozen=True)
class QedObjective(Objective):
    def raw(self, mol: Any) -> float | None:
        from rdkit.Chem import QED

        return float(QED.qed(mol))


@dataclass(frozen=True)
class SaObjective(Objective):
    def raw(self, mol: Any) -> float | None:
        return float(_sascorer().calculateScore(mol))

    def score(self, raw: float | None) -> float:
        # (10 - SA) / 9: the linear map of the SA range [1, 10] onto [1, 0].
        return 0.0 if raw is None else min(1.0, max(0.0, (10.0 - raw) / 9.0))


@dataclass(frozen=True)
class WindowObjective(Objective):
    def raw(self, mol: Any) -> float | None:
        from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

        prop = self.params["prop"]
        if prop == "logp":
            return float(Crippen.MolLogP(mol))
        if prop == "tpsa":
            return float(rdMolDescriptors.CalcTPSA(mol))
        return float(Descriptors.MolWt(mol))

    def score(self, raw: float | None) -> float:
        if raw is None:
            return 0.0
        p = self.params
        return window_score(raw, p["low"], p["high"], p["width"])


@dataclass(frozen=True)
class SimilarityObjective(Objective):
    def target_fp(self) -> Any:
        return _target_fingerprint(self.params["target_smiles"])

    def raw(self, mol: Any) -> float | None:
        from rdkit import DataStructs

        return float(DataStructs.TanimotoSimilarity(ecfp4(mol), self.target_fp()))


@lru_cache(maxsize=64)
def _target_fingerprint(smiles: str) -> Any:
    from rdkit import Chem

    return ecfp4(Chem.MolFromSmiles(smiles))


@lru_cache(maxsize=256)
def _smarts(smarts: str) -> Any:
    from rdkit import Chem

    return Chem.MolFromSmarts(smarts)


@dataclass(frozen=True)
class SubstructureObjective(Objective):
    def raw(self, mol: Any) -> float | None:
        return 1.0 if mol.HasSubstructMatch(_smarts(self.params["smarts"])) else 0.0

    def score(self, raw: float | None) -> float:
        if raw is None:
            return 0.0
        present = raw > 0.5
        return 1.0 if present == self.params["require"] else 0.0


@dataclass(frozen=True)
class GapObjective(Objective):
    def raw(self, mol: Any) -> float | None:
        from labwright.simulators.compute.design.xtb import homo_lumo_gap

        return homo_lumo_gap(mol)

    def score(self, raw: float | None) -> float:
        if raw is None:
            return 0.0
        p = self.params
        return window_score(raw, p["low"], p["high"], p["width"])


@dataclass(frozen=True)
class PmoObjective(Objective):
    """A PMO benchmark oracle; ``params['holdout']`` names a target the seed pool must not
    contain near neighbours of (rediscovery tasks)."""

    def raw(self, mol: Any) -> float | None:
        from labwright.simulators.compute.design.pmo_oracles import TASKS

        return float(TASKS[self.params["task"]](mol))


def _parse_pmo(rest: str, spec: str, weight: float) -> PmoObjective:
    from labwright.simulators.compute.design.pmo_oracles import HOLDOUT_TARGETS, TASKS

    task = rest.strip().lower()
    if task not in TASKS:
        raise UnusableInputError(
            f"objective {spec!r}: unknown PMO task {rest.strip()!r}",
            hint=f"use pmo:TASK with TASK one of: {', '.join(TASKS)}",
        )
    params: dict[str, Any] = {"task": task}
    if task in HOLDOUT_TARGETS:
        params["holdout"] = HOLDOUT_TARGETS[task]
    return PmoObjective(name=f"pmo:{task}", weight=weight, params=params)


def _parse_float(text: str, spec: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UnusableInputError(
            f"objective {spec!r}: {text!r} is not a number",
            hint="write windows as NAME:LOW:HIGH[:WIDTH], e.g. logp:1:3 or mw::450",
        ) from None
    if not math.isfinite(value):
        raise UnusableInputError(
            f"objective {spec!r}: {text!r} is not finite", hint="use finite window bounds"
        )
    return value


def _parse_window(head: str, rest: str, spec: str) -> dict[str, Any]:
    parts = rest.split(":") if rest else []
    if len(parts) not in (2, 3):
        raise UnusableInputError(
            f"objective {spec!r} needs a window",
            hint=f"write {head}:LOW:HIGH or {head}:LOW:HIGH:WIDTH (LOW or HIGH may be empty)",
        )
    low = _parse_float(parts[0], spec)
    high = _parse_float(parts[1], spec)
    width = _parse_float(parts[2], spec) if len(parts) == 3 else None
    if low is None and high is None:
        raise UnusableInputError(
            f"objective {spec!r} has neither a lower nor an upper bound",
            hint=f"give at least one bound, e.g. {head}:1:3",
        )
    if low is not None and high is not None and low > high:
        raise UnusableInputError(
            f"objective {spec!r}: LOW {low} is above HIGH {high}", hint="swap the bounds"
        )
    width = _WINDOW_DEFAULT_WIDTH[head] if width is None else width
    if width <= 0:
        raise UnusableInputError(
            f"objective {spec!r}: WIDTH must be positive", hint="omit it for the default"
        )
    return {"prop": head, "low": low, "high": high, "width": width}


def resolve_target(target: str, spec: str) -> str:
    """A named drug or a SMILES -> canonical SMILES (stereo kept as given)."""
    from rdkit import Chem, RDLogger

    named = named_targets()
    smiles = named.get(target.strip().lower(), target.strip())
    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        raise UnusableInputError(
            f"objective {spec!r}: {target!r} is neither a known drug name nor a valid SMILES",
            hint=f"use a SMILES or one of: {', '.join(sorted(named))}",
        )
    return Chem.MolToSmiles(mol)


def parse_objective(spec: str, weight: float = 1.0) -> Objective:
    """Parse one spec string (see the module docstring)."""
    if not isinstance(spec, str) or not spec.strip():
        raise UnusableInputError("empty objective", hint=_SPEC_HELP)
    if not (weight > 0 and math.isfinite(weight)):
        raise UnusableInputError(
            f"objective {spec!r}: weight {weight} must be positive and finite",
            hint="use weights such as 1 or 2",
        )
    spec = spec.strip()
    head, _, rest = spec.partition(":")
    head = head.strip().lower()
    if head == "qed" and not rest:
        return QedObjective(name="qed", weight=weight)
    if head == "sa" and not rest:
        return SaObjective(name="sa", weight=weight)
    if head in ("logp", "tpsa", "mw"):
        return WindowObjective(name=spec, weight=weight, params=_parse_window(head, rest, spec))
    if head == "gap":
        params = _parse_window(head, rest, spec) | {"cache_key": GAP_CACHE_KEY}
        return GapObjective(name=spec, costly=True, weight=weight, params=params)
    if head == "similarity":
        if not rest.strip():
            raise UnusableInputError(
                f"objective {spec!r} names no target", hint="write similarity:celecoxib or "
                "similarity:<SMILES>"
            )
        return SimilarityObjective(
            name=spec, weight=weight, params={"target_smiles": resolve_target(rest, spec)}
        )
    if head == "pmo":
        return _parse_pmo(rest, spec, weight)
    if head in ("substructure", "exclude"):
        if not rest.strip() or _smarts(rest.strip()) is None:
            raise UnusableInputError(
                f"objective {spec!r}: {rest!r} is not a valid SMARTS pattern",
                hint=f"write {head}:SMARTS, e.g. {head}:c1ccccc1",
            )
        return SubstructureObjective(
            name=spec,
            kind="constraint",
            weight=weight,
            params={"smarts": rest.strip(), "require": head == "substructure"},
        )
    raise UnusableInputError(f"unknown objective {spec!r}", hint=_SPEC_HELP)


def parse_objectives(specs: list[str], weights: list[float] | None = None) -> list[Objective]:
    """Parse a list of specs with optional weights (same length)."""
    if weights is not None and len(weights) != len(specs):
        raise UnusableInputError(
            f"{len(weights)} weights for {len(specs)} objectives",
            hint="give one --weight per --objective, in the same order, or none",
        )
    ws = weights if weights is not None else [1.0] * len(specs)
    objectives = [parse_objective(s, w) for s, w in zip(specs, ws, strict=True)]
    names = [o.name for o in objectives]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UnusableInputError(
            f"objective(s) given twice: {', '.join(duplicates)}",
            hint="give each objective once; use --weight to weight it",
        )
    return objectives


@lru_cache(maxsize=32)
def cached_objectives(specs: tuple[str, ...], weights: tuple[float, ...]) -> list[Objective]:
    """``parse_objectives`` memoised per process (Dask workers rebuild objectives once)."""
    return parse_objectives(list(specs), list(weights))
