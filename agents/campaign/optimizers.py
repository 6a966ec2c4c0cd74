"""Experiment design behind one interface: Bayesian optimisation (BoTorch) and a random baseline.

An optimiser is stateless: each round it is given everything measured so far (``Observation``s,
infeasible ones included) and a round seed, and proposes the next batch. A campaign resumed
after a crash therefore proposes exactly what it would have (proposals are also stored before
anything is dispatched), and a campaign is reproducible by its seed.

``random``: independent uniform draws on the feasible region (``Space.sample``).

``bo``: BoTorch directly (chosen over BayBE after measuring both on the twins: see the README,
"Campaigns"). The first ``initial`` experiments are a space-filling design; then

* a Gaussian process per objective on the feasible experiments (``SingleTaskGP``, ARD kernel;
  a categorical parameter, such as a reagent or catalyst choice, is one-hot encoded and each
  candidate keeps one category while its continuous parameters are optimised), outcomes
  standardised, minimised objectives negated, ``transform: log``
  objectives modelled as logs; a ``colour_difference`` objective is composite: one GP per
  measured L*, a*, b*, and the acquisition takes CIEDE2000 of their joint samples to the target;
* infeasible proposals (their protocols failed the verifier, or could not be made) are learnt
  from: each counts as the worst outcome seen (less a tenth of the range) in every objective's
  model, so the acquisition turns away from what the verifier refuses. For a composite
  (colour-difference) objective, whose models are of measured components, a feasibility GP on
  +1 (infeasible) / -1 (feasible) is an outcome constraint instead. Measured on a synthetic
  refusal boundary (tests): imputation kept every proposal inside the feasible region from 12
  experiments on and was 3x faster; the feasibility GP alone still proposed beyond it;
* one objective: qLogNoisyExpectedImprovement (qLogNEI); several: qLogNoisyExpectedHypervolume-
  Improvement (qLogNEHVI) with each objective's ``reference`` (or the worst value seen);
* the batch is chosen greedily (each point given the ones before it as pending), each point by
  refining the best of many feasible random starts with BoTorch's optimiser under the mixture
  and linear constraints, the start's categorical choices held (a reagent or catalyst).

Torch runs on one thread (``torch.set_num_threads(1)``): campaigns share machines, and one
thread keeps proposals bit-reproducible.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from labwright.agents.campaign.space import Space
from labwright.agents.campaign.spec import Objective

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    """One experiment as the optimiser sees it: parameters, and objectives when it was measured."""

    params: dict[str, Any]
    objectives: dict[str, float] | None  # None: infeasible or failed
    feasible: bool = True
    measurement: dict[str, Any] | None = None  # what was measured (a composite objective's inputs)


class Optimizer(ABC):
    name: str = ""

    def __init__(self, space: Space, objectives: list[Objective], *, initial: int | None = None) -> None:
        self.space = space
        self.objectives = objectives
        self.initial = initial if initial is not None else max(space.dim + 1, 3)

    @abstractmethod
    def propose(self, history: list[Observation], n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` parameter sets to run next."""


class RandomOptimizer(Optimizer):
    """Uniform random draws on the feasible region: the baseline."""

    name = "random"

    def propose(self, history: list[Observation], n: int, seed: int) -> list[dict[str, Any]]:
        return self.space.sample(n, np.random.default_rng(seed))


def oriented(objective: Objective, value: float) -> float:
    """An objective value with larger = better (minimised objectives negated): for fronts and
    hypervolumes, which are reported in the objectives' own units."""
    return -value if objective.direction == "minimise" else value


def model_value(objective: Objective, value: float) -> float:
    """An objective value as the model sees it: larger is better, logs when asked."""
    v = math.log(max(value, 1e-12)) if objective.transform == "log" else value
    return -v if objective.direction == "minimise" else v


class BotorchOptimizer(Optimizer):
    """Gaussian-process Bayesian optimisation with BoTorch (see the module docstring)."""

    name = "bo"

    def __init__(
        self,
        space: Space,
        objectives: list[Objective],
        *,
        initial: int | None = None,
        num_restarts: int = 6,
        raw_samples: int = 256,
        mc_samples: int = 64,
    ) -> None:
        super().__init__(space, objectives, initial=initial)
        self.num_restarts = num_restarts
        self.raw_samples = raw_samples
        self.mc_samples = mc_samples

    def propose(self, history: list[Observation], n: int, seed: int) -> list[dict[str, Any]]:
        rng = np.random.default_rng(seed)
        measured = [h for h in history if h.feasible and h.objectives is not None]
        if len(history) < self.initial or len(measured) < 2:
            return self.space.space_filling(n, rng, [h.params for h in history])
        try:
            return self._bo(history, measured, n, seed)
        except Exception as exc:  # noqa: BLE001 - a numerical failure must not stop an unattended loop
            log.warning("Bayesian proposal failed (%s); proposing space-filling points this round", exc)
            return self.space.space_filling(n, rng, [h.params for h in history])

    # ------------------------------------------------------------------------------- model

    def _bo(self, history: list[Observation], measured: list[Observation], n: int, seed: int) -> list[dict]:
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        dtype = torch.double
        x_all = torch.tensor(np.array([self.space.encode(h.params) for h in history]), dtype=dtype)
        x_ok = torch.tensor(np.array([self.space.encode(h.params) for h in measured]), dtype=dtype)
        y_ok = torch.tensor([self._outputs(h) for h in measured], dtype=dtype)
        infeasible = [h for h in history if not h.feasible]
        composite = self._composite() is not None
        constrained = bool(infeasible) and composite
        x_fit, y_fit = x_ok, y_ok
        if infeasible and not composite:
            # an infeasible experiment counts as the worst outcome seen, for every objective
            x_bad = torch.tensor(np.array([self.space.encode(h.params) for h in infeasible]), dtype=dtype)
            worst = y_ok.min(dim=0).values - 0.1 * (y_ok.max(dim=0).values - y_ok.min(dim=0).values)
            x_fit = torch.cat([x_ok, x_bad])
            y_fit = torch.cat([y_ok, worst.expand(len(infeasible), -1)])
        models = [self._gp(x_fit, y_fit[:, i : i + 1]) for i in range(y_fit.shape[1])]
        if constrained:
            labels = torch.tensor([[0.0 if h.feasible else 1.0] for h in history], dtype=dtype)
            models.append(self._gp(x_all, 2.0 * labels - 1.0))
        acqf = self._acquisition(models, x_ok, y_ok, constrained)
        thompson = n >= 2 and len(self.objectives) == 1 and self._composite() is None
        candidates = self._optimise(acqf, n - 1 if thompson else n, seed)
        rows = list(candidates.detach().cpu().numpy())
        if thompson:
            rows.append(self._thompson(models[0], seed))
        return [self.space.decode(row) for row in rows]

    def _thompson(self, model: Any, seed: int, points: int = 1024) -> np.ndarray:
        """One Thompson sample: the best of many feasible points under one joint posterior draw.

        The last point of a batch (one objective): qLogNEI alone kept re-measuring a noisy
        boundary optimum of the catalyst case (the best catalyst deactivates above 80 degC) and
        missed the interior one; a posterior draw explores where the optimum may plausibly be."""
        import torch

        rng = np.random.default_rng(seed + 7919)
        x = torch.tensor(
            np.array([self.space.encode(p) for p in self.space.sample(points, rng)]), dtype=torch.double
        )
        torch.manual_seed(seed + 7919)
        with torch.no_grad():
            draw = model.posterior(x).rsample(torch.Size([1])).squeeze()
        return x[int(torch.argmax(draw))].numpy()

    def _composite(self) -> Any:
        return self.objectives[0].colour_difference if len(self.objectives) == 1 else None

    def _outputs(self, h: Observation) -> list[float]:
        """What the models are fitted to: each objective, or a composite objective's inputs."""
        cd = self._composite()
        if cd is not None:
            return [float(h.measurement[k]) for k in cd.measured]  # type: ignore[index]
        return [model_value(o, h.objectives[o.name]) for o in self.objectives]  # type: ignore[index]

    def _gp(self, x: Any, y: Any) -> Any:
        """A GP with an ARD kernel over the encoding (categorical choices one-hot). BoTorch's
        MixedSingleTaskGP (a categorical kernel) was measured at ~25 s per fit on this machine
        for 12 points and 8 catalysts, against well under a second for this model."""
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms.outcome import Standardize
        from gpytorch.mlls import ExactMarginalLogLikelihood

        model = SingleTaskGP(x, y, outcome_transform=Standardize(m=1))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        return model

    def _acquisition(self, models: list[Any], x_ok: Any, y_ok: Any, constrained: bool) -> Any:
        import torch
        from botorch.acquisition.logei import qLogNoisyExpectedImprovement
        from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
        from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
        from botorch.acquisition.objective import GenericMCObjective
        from botorch.models import ModelListGP
        from botorch.sampling.normal import SobolQMCNormalSampler

        m = y_ok.shape[1]  # modelled outputs (before the feasibility model)
        model = ModelListGP(*models) if len(models) > 1 else models[0]
        sampler = SobolQMCNormalSampler(sample_shape=torch.Size([self.mc_samples]))
        constraints = [lambda z, i=m: z[..., i]] if constrained else None
        cd = self._composite()
        if cd is not None:
            from labwright.agents.campaign.colour_model import delta_e2000_torch

            target = cd.lab()
            objective = GenericMCObjective(lambda z, X=None: -delta_e2000_torch(z[..., :3], target))
            return qLogNoisyExpectedImprovement(
                model,
                X_baseline=x_ok,
                sampler=sampler,
                objective=objective,
                constraints=constraints,
                prune_baseline=True,
            )
        if len(self.objectives) == 1:
            objective = GenericMCObjective(lambda z, X=None: z[..., 0]) if constrained else None
            return qLogNoisyExpectedImprovement(
                model,
                X_baseline=x_ok,
                sampler=sampler,
                objective=objective,
                constraints=constraints,
                prune_baseline=True,
            )
        ref = torch.tensor(self._reference(y_ok), dtype=y_ok.dtype)
        return qLogNoisyExpectedHypervolumeImprovement(
            model,
            ref_point=ref,
            X_baseline=x_ok,
            sampler=sampler,
            objective=IdentityMCMultiOutputObjective(outcomes=list(range(m))) if constrained else None,
            constraints=constraints,
            prune_baseline=True,
        )

    def _reference(self, y_ok: Any) -> list[float]:
        """The hypervolume reference in model space: the objectives' ``reference`` where given,
        else the worst value seen less a tenth of the range. While no experiment beats the given
        reference in every objective (the improvement would be zero everywhere), the worst values
        seen are used, so the search still has a direction."""
        seen = []
        for i in range(len(self.objectives)):
            col = y_ok[:, i]
            span = float(col.max() - col.min()) or 1.0
            seen.append(float(col.min()) - 0.1 * span)
        given = [
            model_value(o, o.reference) if o.reference is not None else s
            for o, s in zip(self.objectives, seen, strict=True)
        ]
        dominating = any(
            all(float(y_ok[j, i]) > given[i] for i in range(len(given))) for j in range(y_ok.shape[0])
        )
        return given if dominating else seen

    def _optimise(self, acqf: Any, n: int, seed: int) -> Any:
        """Greedy batch: each point maximises the acquisition given the ones chosen before it.

        Starting points are the best of ``raw_samples`` feasible draws (numpy sampler: BoTorch's
        polytope sampler took ~10 s per point under a mixture constraint); each start is refined
        by BoTorch's gradient optimiser under the linear constraints, its categorical values held.
        """
        import torch
        from botorch.optim import optimize_acqf

        rng = np.random.default_rng(seed)
        bounds = torch.tensor(self.space.bounds(), dtype=torch.double)
        eqs, ineqs = self.space.linear_constraints()
        eq_t = _torch_constraints(eqs)
        ineq_t = _torch_constraints(ineqs)
        blocks = self.space.categorical_blocks
        chosen: list[Any] = []
        for _ in range(n):
            if chosen:
                acqf.set_X_pending(torch.stack(chosen))
            raw = torch.tensor(
                np.array([self.space.encode(p) for p in self.space.sample(self.raw_samples, rng)]),
                dtype=torch.double,
            ).unsqueeze(1)
            with torch.no_grad():
                values = acqf(raw)
            starts = raw[values.topk(min(self.num_restarts, len(raw))).indices]
            # starts that share their categorical choices are refined together in one batch
            groups: dict[tuple[float, ...], list[Any]] = {}
            for start in starts:
                groups.setdefault(tuple(float(start[0, i]) for b in blocks for i in b), []).append(start)
            best, best_value = None, -float("inf")
            for key, group in groups.items():
                fixed = dict(zip([i for b in blocks for i in b], key, strict=True)) or None
                cand, value = optimize_acqf(
                    acqf,
                    bounds=bounds,
                    q=1,
                    num_restarts=len(group),
                    batch_initial_conditions=torch.stack(group),
                    equality_constraints=eq_t,
                    inequality_constraints=ineq_t,
                    fixed_features=fixed,
                    options={"maxiter": 60},
                )
                if float(value) > best_value:
                    best, best_value = cand[0], float(value)
            chosen.append(best)
        acqf.set_X_pending(None)
        return torch.stack(chosen)


def _torch_constraints(items: list[tuple[list[int], list[float], float]]) -> list | None:
    import torch

    out = [
        (torch.tensor(i, dtype=torch.long), torch.tensor(c, dtype=torch.double), float(r))
        for i, c, r in items
    ]
    return out or None


def make_optimizer(
    name: str, space: Space, objectives: list[Objective], *, initial: int | None = None
) -> Optimizer:
    if name == "random":
        return RandomOptimizer(space, objectives, initial=initial)
    if name == "bo":
        return BotorchOptimizer(space, objectives, initial=initial)
    raise ValueError(f"no optimizer {name!r}; choose bo or random")
