"""The parameter space of a campaign: encoding for models, decoding, uniform and space-filling samples.

Encoding (what a model sees): a continuous or integer parameter is one coordinate scaled to
[0, 1] by its bounds; a categorical parameter with k values is k one-hot coordinates (decoded
by the largest). Integer parameters are rounded when decoded. Constraints (``sum`` mixtures
and ``linear`` inequalities) are linear in the encoding, so they pass to the acquisition
optimiser as linear constraints.

Sampling is numpy only (the random baseline loads no torch): a mixture group is drawn
uniformly on its simplex (a flat Dirichlet over what the lower bounds leave), the other
parameters uniformly in their bounds, and draws outside any bound or inequality are rejected,
which keeps the result uniform on the feasible region. The space-filling design of a Bayesian
campaign's first experiments picks, from many such draws, points far from each other and from
what was already measured (greedy maximin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from labwright.agents.campaign.spec import CampaignSpec, LinearConstraint, Parameter, SumConstraint
from labwright.protocols.errors import UnusableInputError

MAX_REJECTIONS = 200_000


@dataclass(frozen=True)
class Space:
    parameters: tuple[Parameter, ...]
    sums: tuple[SumConstraint, ...]
    linears: tuple[LinearConstraint, ...]

    @classmethod
    def of(cls, spec: CampaignSpec) -> Space:
        return cls(
            tuple(spec.parameters),
            tuple(c for c in spec.constraints if isinstance(c, SumConstraint)),
            tuple(c for c in spec.constraints if isinstance(c, LinearConstraint)),
        )

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def dim(self) -> int:
        """Coordinates of the encoding (one per numeric parameter, k per categorical one)."""
        return sum(len(p.values or []) if p.type == "categorical" else 1 for p in self.parameters)

    def _offsets(self) -> list[int]:
        out, i = [], 0
        for p in self.parameters:
            out.append(i)
            i += len(p.values or []) if p.type == "categorical" else 1
        return out

    def index_of(self, name: str) -> int:
        """The (first) coordinate of a parameter in the encoding."""
        return self._offsets()[[p.name for p in self.parameters].index(name)]

    @property
    def categorical_blocks(self) -> list[list[int]]:
        """The one-hot coordinates of each categorical parameter."""
        return [
            list(range(o, o + len(p.values or [])))
            for p, o in zip(self.parameters, self._offsets(), strict=True)
            if p.type == "categorical"
        ]

    def bounds(self) -> np.ndarray:
        """(2, dim) bounds of the encoding: the unit cube."""
        return np.array([[0.0] * self.dim, [1.0] * self.dim], dtype=float)

    # ---------------------------------------------------------------------- encode/decode

    def encode(self, params: dict[str, Any]) -> np.ndarray:
        out: list[float] = []
        for p in self.parameters:
            v = params[p.name]
            if p.type == "categorical":
                values = p.values or []
                out += [1.0 if str(v) == c else 0.0 for c in values]
            else:
                out.append((float(v) - p.low) / (p.high - p.low))  # type: ignore[operator]
        return np.array(out, dtype=float)

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p, o in zip(self.parameters, self._offsets(), strict=True):
            if p.type == "categorical":
                values = p.values or []
                out[p.name] = values[int(np.argmax(x[o : o + len(values)]))]
            else:
                v = p.low + float(np.clip(x[o], 0.0, 1.0)) * (p.high - p.low)  # type: ignore[operator]
                out[p.name] = int(round(v)) if p.type == "integer" else v
        return self._repair_sums(out)

    def _repair_sums(self, params: dict[str, Any]) -> dict[str, Any]:
        """Put mixture sums back exactly on their value (optimisers leave ~1e-9 residues)."""
        for c in self.sums:
            total = sum(params[n] for n in c.parameters)
            if total > 0:
                for n in c.parameters:
                    params[n] = params[n] * c.value / total
        return params

    def feasible(self, params: dict[str, Any], tol: float = 1e-6) -> bool:
        """Within bounds and constraints (the verifier decides the rest)."""
        for p in self.parameters:
            v = params[p.name]
            if p.type == "categorical":
                if v not in (p.values or []):
                    return False
            elif not p.low - tol <= v <= p.high + tol:  # type: ignore[operator]
                return False
        for c in self.sums:
            if abs(sum(params[n] for n in c.parameters) - c.value) > 1e-4:
                return False
        for lc in self.linears:
            total = sum(k * params[n] for n, k in lc.coefficients.items())
            if (lc.max is not None and total > lc.max + tol) or (lc.min is not None and total < lc.min - tol):
                return False
        return True

    # ---------------------------------------------------------------------------- linear

    def linear_constraints(
        self,
    ) -> tuple[list[tuple[list[int], list[float], float]], list[tuple[list[int], list[float], float]]]:
        """(equalities, inequalities ``sum coef * x >= rhs``) on the encoding."""
        idx = {p.name: self.index_of(p.name) for p in self.parameters}
        by_name = {p.name: p for p in self.parameters}
        eqs, ineqs = [], []
        for c in self.sums:
            ps = [by_name[n] for n in c.parameters]
            coef = [p.high - p.low for p in ps]  # type: ignore[operator]
            eqs.append(([idx[n] for n in c.parameters], coef, c.value - sum(p.low for p in ps)))  # type: ignore[misc]
        for lc in self.linears:
            names = list(lc.coefficients)
            ps = [by_name[n] for n in names]
            coef = [lc.coefficients[n] * (p.high - p.low) for n, p in zip(names, ps, strict=True)]  # type: ignore[operator]
            offset = sum(lc.coefficients[n] * p.low for n, p in zip(names, ps, strict=True))  # type: ignore[misc]
            if lc.min is not None:
                ineqs.append(([idx[n] for n in names], coef, lc.min - offset))
            if lc.max is not None:
                ineqs.append(([idx[n] for n in names], [-c for c in coef], offset - lc.max))
        return eqs, ineqs

    # --------------------------------------------------------------------------- sampling

    def _draw(self, rng: np.random.Generator) -> dict[str, Any]:
        out: dict[str, Any] = {}
        in_sum = {n for c in self.sums for n in c.parameters}
        for c in self.sums:
            ps = [self.parameter(n) for n in c.parameters]
            free = c.value - sum(p.low for p in ps)  # type: ignore[misc]
            shares = rng.dirichlet(np.ones(len(ps)))
            for p, s in zip(ps, shares, strict=True):
                out[p.name] = p.low + free * float(s)  # type: ignore[operator]
        for p in self.parameters:
            if p.name in in_sum:
                continue
            if p.type == "categorical":
                out[p.name] = (p.values or [])[int(rng.integers(len(p.values or [])))]
            elif p.type == "integer":
                out[p.name] = int(rng.integers(int(p.low), int(p.high) + 1))  # type: ignore[arg-type]
            else:
                out[p.name] = float(rng.uniform(p.low, p.high))  # type: ignore[arg-type]
        return {p.name: out[p.name] for p in self.parameters}

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def sample(self, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
        """``n`` independent draws, uniform on the feasible region."""
        out: list[dict[str, Any]] = []
        tries = 0
        while len(out) < n:
            tries += 1
            if tries > MAX_REJECTIONS:
                raise UnusableInputError(
                    "the campaign's parameter space is (nearly) empty: "
                    "no draw met its bounds and constraints",
                    hint="check the parameters' bounds against the sum and linear constraints",
                )
            draw = self._draw(rng)
            if self.feasible(draw):
                out.append(draw)
        return out

    def space_filling(
        self, n: int, rng: np.random.Generator, existing: list[dict[str, Any]] | None = None, pool: int = 64
    ) -> list[dict[str, Any]]:
        """``n`` feasible points chosen greedily to be far from each other and from ``existing``."""
        candidates = self.sample(max(pool * n, 256), rng)
        enc = np.array([self._unit(self.encode(c)) for c in candidates])
        chosen_enc = [self._unit(self.encode(e)) for e in existing or []]
        out: list[dict[str, Any]] = []
        for _ in range(n):
            if chosen_enc:
                d = np.min(np.linalg.norm(enc[:, None, :] - np.array(chosen_enc)[None], axis=2), axis=1)
                pick = int(np.argmax(d))
            else:
                pick = int(np.argmin(np.linalg.norm(enc - 0.5, axis=1)))  # the most central first
            out.append(candidates[pick])
            chosen_enc.append(enc[pick])
        return out

    def _unit(self, x: np.ndarray) -> np.ndarray:
        return x
