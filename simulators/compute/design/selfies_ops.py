"""Crossover and mutation on SELFIES strings (Krenn et al., Mach. Learn.: Sci. Technol. 1, 045024
(2020)). Every SELFIES string decodes to a valid molecule, so the operators are plain string
edits: one-point crossover of the token lists and token replacement, insertion or deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import selfies as sf
from labwright.simulators.compute.design.graph_ops import Limits, finish
from rdkit import Chem

# Tokens always offered by mutations, besides those seen in the initial population.
BASE_TOKENS = (
    "[C]",
    "[=C]",
    "[#C]",
    "[N]",
    "[=N]",
    "[#N]",
    "[O]",
    "[=O]",
    "[S]",
    "[=S]",
    "[F]",
    "[Cl]",
    "[Br]",
    "[Ring1]",
    "[Ring2]",
    "[=Ring1]",
    "[Branch1]",
    "[=Branch1]",
    "[Branch2]",
)


@lru_cache(maxsize=100_000)
def tokens_of(smiles: str) -> tuple[str, ...] | None:
    """SELFIES tokens of a SMILES (Kekule form), or None if it cannot be encoded."""
    try:
        return tuple(sf.split_selfies(sf.encoder(smiles)))
    except Exception:  # noqa: BLE001 - selfies raises EncoderError and others
        return None


@dataclass(frozen=True)
class SelfiesCodec:
    """The token alphabet mutations draw from (sorted: reproducible)."""

    alphabet: tuple[str, ...]

    @classmethod
    def from_smiles(cls, smiles: list[str]) -> SelfiesCodec:
        robust = sf.get_semantic_robust_alphabet()
        seen = set(BASE_TOKENS) & robust
        for s in smiles:
            toks = tokens_of(s)
            if toks:
                seen.update(t for t in toks if t in robust or "Ring" in t or "Branch" in t)
        return cls(alphabet=tuple(sorted(seen)))


def mutate_tokens(toks: list[str], rng: np.random.Generator, alphabet: tuple[str, ...]) -> list[str]:
    """One random edit: replace, insert or delete a token."""
    out = list(toks)
    kind = int(rng.integers(3)) if len(out) > 1 else 1
    token = alphabet[int(rng.integers(len(alphabet)))]
    if kind == 0:
        out[int(rng.integers(len(out)))] = token
    elif kind == 1:
        out.insert(int(rng.integers(len(out) + 1)), token)
    else:
        del out[int(rng.integers(len(out)))]
    return out


def breed(
    a: str,
    b: str,
    rng: np.random.Generator,
    *,
    codec: SelfiesCodec,
    limits: Limits,
    mutation_rate: float,
) -> str | None:
    """A child of two SMILES: one-point crossover of their SELFIES, then maybe a mutation."""
    ta, tb = tokens_of(a), tokens_of(b)
    if not ta or not tb:
        return None
    cut_a, cut_b = int(rng.integers(len(ta) + 1)), int(rng.integers(len(tb) + 1))
    child = list(ta[:cut_a] + tb[cut_b:]) or list(ta)
    if rng.random() < mutation_rate:
        for _ in range(1 + int(rng.integers(2))):
            child = mutate_tokens(child, rng, codec.alphabet)
    try:
        smiles = sf.decoder("".join(child))
    except Exception:  # noqa: BLE001
        return None
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None:
        return None
    out = finish(mol, limits)
    return None if out in (a, b) else out
