"""Campaign files, the parameter space and the optimisers (proposals, constraints, seeds, infeasibility)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from labwright.agents.campaign.optimizers import BotorchOptimizer, Observation, RandomOptimizer
from labwright.agents.campaign.pareto import hypervolume, pareto_mask
from labwright.agents.campaign.space import Space
from labwright.agents.campaign.spec import campaign_from_document, load_campaign
from labwright.agents.campaign.template import InfeasibleProposal, compile_experiment, experiment_well
from labwright.protocols.errors import UnusableInputError
from labwright.verifiers.verifier import verify

ROOT = Path(__file__).resolve().parents[3]
CAMPAIGNS = ROOT / "examples" / "campaigns"


def _doc(name: str = "colour_match.yaml") -> dict:
    return yaml.safe_load((CAMPAIGNS / name).read_text())


@pytest.mark.parametrize("name", ["colour_match.yaml", "snar_pareto.yaml", "catalyst_selection.yaml"])
def test_example_campaigns_make_protocols_the_verifier_certifies(name: str) -> None:
    spec = load_campaign(CAMPAIGNS / name)
    space = Space.of(spec)
    for i, params in enumerate(space.sample(3, np.random.default_rng(1)), start=1):
        try:
            protocol = compile_experiment(spec, params, i)
        except InfeasibleProposal:
            continue  # SnAr: conc x (1 + equiv) over the stocks' 1.9 M does not fit in the well
        report = verify(protocol)
        assert report.certificate is not None, [f.code for f in report.findings if f.severity == "error"]
        assert protocol.steps[-1].op == "measure" and protocol.steps[-1].wells == [experiment_well(i)]
        assert {"safety", "policy"} <= set(report.certificate.passes)


def test_the_template_pipettes_the_volumes_the_parameters_ask_for() -> None:
    spec = load_campaign(CAMPAIGNS / "colour_match.yaml")
    params = {"water": 0.3, "yellow": 0.2, "red": 0.45, "blue": 0.05}
    protocol = compile_experiment(spec, params, 10)
    transfers = [s for s in protocol.steps if s.op == "transfer"]
    assert [t.volume_ul for t in transfers] == [60.0, 40.0, 90.0, 10.0]
    assert [t.note for t in transfers] == ["water", "yellow", "red", "blue"]
    # 10 uL goes with the P20 (p1, 1-20 uL), the rest with the P300 (p2); experiment 10 uses well B2
    assert [t.pipette for t in transfers] == ["p2", "p2", "p2", "p1"]
    assert transfers[0].dest == "plate:B2"
    assert protocol.steps[-1].wells == ["B2"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(labwright="labwright/1"), "not a campaign file"),
        (
            lambda d: d["template"]["additions"].append({"stock": "green", "volume": 5}),
            "not one of the stocks",
        ),
        (lambda d: d["template"]["additions"][0].update(volume="200 * __import__('os')"), "may be called"),
        (lambda d: d["template"]["additions"][0].update(volume="200 * purple"), "uses ['purple']"),
        (lambda d: d["template"]["additions"][0].update(volume="[200, 1][0]"), "is not allowed"),
        (lambda d: d["parameters"][0].update(low=2.0), "needs low < high"),
        (lambda d: d["constraints"][0]["parameters"].append("cyan"), "continuous parameters only"),
        (lambda d: d.update(budget=0), "budget"),
        (lambda d: d["objectives"].append({"name": "x"}), "only objective"),
    ],
)
def test_a_bad_campaign_file_is_refused_with_the_field_and_a_hint(edit, message: str) -> None:  # noqa: ANN001
    doc = _doc()
    edit(doc)
    with pytest.raises(UnusableInputError) as err:
        campaign_from_document(doc, "bad.yaml")
    assert message in err.value.message and err.value.hint


def test_random_samples_are_uniform_on_the_mixture_simplex() -> None:
    spec = load_campaign(CAMPAIGNS / "colour_match.yaml")
    space = Space.of(spec)
    draws = space.sample(4000, np.random.default_rng(0))
    x = np.array([[d[n] for n in ("water", "yellow", "red", "blue")] for d in draws])
    assert np.allclose(x.sum(axis=1), 1.0) and (x >= 0).all()
    # uniform on the 3-simplex: each fraction has mean 1/4 and P(x > 1/2) = (1/2)^3
    assert x.mean(axis=0) == pytest.approx([0.25] * 4, abs=0.01)
    assert (x[:, 0] > 0.5).mean() == pytest.approx(0.125, abs=0.015)


def _history(space: Space, n: int, seed: int, f) -> list[Observation]:  # noqa: ANN001
    out = []
    for p in space.sample(n, np.random.default_rng(seed)):
        value = f(p)
        out.append(Observation(p, None if value is None else {"y": value}, value is not None))
    return out


def _synthetic_spec(extra: dict | None = None) -> object:
    doc = _doc("catalyst_selection.yaml")
    doc["objectives"] = [{"name": "y", "direction": "maximise"}]
    doc.update(extra or {})
    return campaign_from_document(doc)


def test_bo_proposals_are_reproducible_by_seed_and_respect_the_space() -> None:
    spec = load_campaign(CAMPAIGNS / "colour_match.yaml")
    space = Space.of(spec)
    doc = _doc()
    doc["objectives"] = [{"name": "y", "direction": "minimise"}]
    objectives = list(campaign_from_document(doc).objectives)
    target = np.array([0.3, 0.2, 0.35, 0.15])

    def f(p: dict) -> float:
        return float(np.linalg.norm(np.array([p["water"], p["yellow"], p["red"], p["blue"]]) - target))

    history = _history(space, 8, 0, f)
    bo = BotorchOptimizer(space, objectives, initial=4, num_restarts=4, raw_samples=64)
    first = bo.propose(history, 2, seed=11)
    assert first == bo.propose(history, 2, seed=11)
    assert first != bo.propose(history, 2, seed=12)
    for p in first:
        assert space.feasible(p)
        assert sum(p[n] for n in ("water", "yellow", "red", "blue")) == pytest.approx(1.0, abs=1e-9)
    assert RandomOptimizer(space, objectives).propose(history, 3, 5) == RandomOptimizer(
        space, objectives
    ).propose([], 3, 5)


def test_bo_learns_where_the_verifier_refuses() -> None:
    """Proposals whose protocols failed verification (here: temperature above 80 degC, with the
    objective rising towards it) are infeasible observations. BO learns from them and proposes
    inside the feasible region; the same BO without them extrapolates the rise beyond it."""
    spec = _synthetic_spec()
    space = Space.of(spec)

    def f(p: dict) -> float | None:
        if p["temperature"] > 80.0:
            return None  # refused
        return p["temperature"] / 80.0 + 0.2 * (p["catalyst"] == "cat1") + 0.1 * p["time"] / 600.0

    history = _history(space, 12, 3, f)
    assert sum(not h.feasible for h in history) >= 2
    bo = BotorchOptimizer(space, list(spec.objectives), initial=4, num_restarts=4, raw_samples=128)
    learnt = bo.propose(history, 4, seed=1)
    blind = bo.propose([h for h in history if h.feasible], 4, seed=1)
    assert sum(p["temperature"] > 85.0 for p in learnt) == 0, learnt
    assert sum(p["temperature"] > 85.0 for p in blind) >= 2, blind


def test_bo_uses_the_categorical_choice() -> None:
    spec = _synthetic_spec()
    space = Space.of(spec)

    def f(p: dict) -> float:
        return (1.0 if p["catalyst"] == "cat3" else 0.0) + 0.01 * p["temperature"] / 95.0

    history = _history(space, 16, 4, f)
    bo = BotorchOptimizer(space, list(spec.objectives), initial=4, num_restarts=4, raw_samples=128)
    proposals = bo.propose(history, 2, seed=2)
    assert all(p["catalyst"] in spec.parameter("catalyst").values for p in proposals)
    assert proposals[0]["catalyst"] == "cat3"


def test_torch_ciede2000_matches_the_scalar_formula() -> None:
    import torch
    from labwright.agents.campaign.colour_model import delta_e2000_torch
    from labwright.simulators.chemistry.cie import delta_e2000

    rng = np.random.default_rng(0)
    labs = np.c_[rng.uniform(20, 95, 50), rng.uniform(-60, 60, 50), rng.uniform(-60, 60, 50)]
    target = (70.59, 18.83, 33.33)
    got = delta_e2000_torch(torch.tensor(labs), target).numpy()
    assert got == pytest.approx([delta_e2000(tuple(row), target) for row in labs], abs=1e-5)


def test_pareto_front_and_hypervolume() -> None:
    y = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 1.0], [1.5, 3.0], [2.0, 4.0]])
    assert pareto_mask(y).tolist() == [True, True, True, False, True]
    assert hypervolume(np.array([[1.0, 1.0]]), np.array([0.0, 0.0])) == pytest.approx(1.0)
    # the staircase above (0, 0): [0,1]x[0,5], then [1,2]x[0,4], then [2,3]x[0,1]
    assert hypervolume(y, np.array([0.0, 0.0])) == pytest.approx(5.0 + 4.0 + 1.0, abs=1e-9)
    assert hypervolume(y, np.array([2.5, 0.0])) == pytest.approx(0.5 * 1.0, abs=1e-9)
    three = np.array([[1.0, 1.0, 1.0], [2.0, 0.5, 0.5]])
    # the unit cube plus the part of [0,2]x[0,.5]x[0,.5] outside it
    assert hypervolume(three, np.zeros(3)) == pytest.approx(1.0 + (2.0 - 1.0) * 0.5 * 0.5, abs=1e-9)


def test_with_overrides_validates_the_options() -> None:
    from labwright.agents.campaign.spec import with_overrides

    spec = load_campaign(CAMPAIGNS / "colour_match.yaml")
    assert with_overrides(spec, seed=4, budget=7).budget == 7
    with pytest.raises(UnusableInputError, match="optimizer"):
        with_overrides(spec, optimizer="genetic")
    assert spec.budget == 30  # the loaded spec is not changed by overrides


def test_integer_parameters_are_whole_numbers_in_samples_and_proposals() -> None:
    doc = _doc("catalyst_selection.yaml")
    doc["parameters"][2] = {"name": "time", "type": "integer", "low": 60, "high": 600, "unit": "s"}
    doc["objectives"] = [{"name": "y", "direction": "maximise"}]
    spec = campaign_from_document(doc)
    space = Space.of(spec)
    draws = space.sample(200, np.random.default_rng(0))
    assert all(isinstance(d["time"], int) and 60 <= d["time"] <= 600 for d in draws)
    assert space.decode(space.encode({**draws[0], "time": 333}))["time"] == 333
    history = _history(space, 10, 1, lambda p: -abs(p["time"] - 420) / 100.0)
    proposals = BotorchOptimizer(
        space, list(spec.objectives), initial=4, num_restarts=4, raw_samples=64
    ).propose(history, 2, seed=3)
    assert all(isinstance(p["time"], int) for p in proposals)
    protocol = compile_experiment(spec, proposals[0], 1)
    shake = next(s for s in protocol.steps if s.op == "shake")
    assert shake.seconds == proposals[0]["time"]
