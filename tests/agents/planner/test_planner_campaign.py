"""The offline planner's campaign requests: a grammar (lark), not a list of sentences; campaign
documents built from real files that the campaign's own schema accepts; nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from labwright.agents.campaign import campaign_from_document, load_campaign
from labwright.agents.planner import plan_campaign_offline, plan_offline
from labwright.agents.planner.campaign_request import parse_campaign_request

ROOT = Path(__file__).resolve().parents[3]


def _request(text: str):  # noqa: ANN202 - a CampaignRequest
    parsed = parse_campaign_request(text)
    assert parsed.recognised and not parsed.not_understood, parsed
    assert parsed.request is not None
    return parsed.request


@pytest.mark.parametrize(
    "text",
    [
        "Run the colour matching campaign examples/campaigns/colour_match.yaml with a budget of 12 "
        "experiments and seed 3",
        "run examples/campaigns/colour_match.yaml, budget 12, seed 3",
        "Please start the campaign in file examples/campaigns/colour_match.yaml within 12 experiments, "
        "random seed 3.",
        "Launch examples/campaigns/colour_match.yaml using at most twelve experiments. Use seed 3.",
        "I want to run the campaign examples/campaigns/colour_match.yaml with seed 3 and a budget of 12",
    ],
)
def test_a_campaign_file_with_budget_and_seed_in_many_phrasings(text: str) -> None:
    r = _request(text)
    assert (r.kind, r.path, r.budget, r.seed) == ("file", "examples/campaigns/colour_match.yaml", 12, 3)


@pytest.mark.parametrize(
    ("text", "lab", "srgb", "budget", "delta_e"),
    [
        (
            "Optimise a mix of three dyes to match the colour Lab 50 20 -30 within 20 experiments",
            (50.0, 20.0, -30.0),
            None,
            20,
            None,
        ),
        (
            "optimize the dye fractions to match L*a*b* (62.5, 18, -3) in at most 15 runs",
            (62.5, 18.0, -3.0),
            None,
            15,
            None,
        ),
        (
            "Match the colour #336699 by mixing three dyes to a colour difference below 1.5",
            None,
            "#336699",
            None,
            1.5,
        ),
        (
            "mix 3 dyes to match color Lab: 70, 10, 30 within dE 3, 10 experiments",
            (70.0, 10.0, 30.0),
            None,
            10,
            3.0,
        ),
    ],
)
def test_a_colour_goal_without_a_file(
    text: str, lab: tuple | None, srgb: str | None, budget, delta_e
) -> None:  # noqa: ANN001
    r = _request(text)
    assert r.kind == "colour" and r.target_lab == lab and r.target_srgb == srgb
    assert r.budget == budget and r.delta_e == delta_e


def test_options_batch_optimiser_backend() -> None:
    r = _request("Run the SnAr campaign in batches of 4 with random search on the twin")
    assert (r.kind, r.batch, r.optimizer, r.backend) == ("snar", 4, "random", "twin")
    r = _request("Find the best catalyst for the yield using Bayesian optimisation, batch size 2")
    assert (r.kind, r.batch, r.optimizer) == ("catalyst", 2, "bo")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "Run the campaign examples/campaigns/colour_match.yaml with a budget of 2.5 experiments",
            "budget 2.5",
        ),
        ("Optimise the campaign to be purple", "campaign to be purple"),
        ("Run examples/campaigns/colour_match.yaml with seed 3 and seed 4", "seed is given twice"),
        ("Run examples/campaigns/colour_match.yaml and make it snappy", "make it snappy"),
        ("Find the best catalyst within dE 3", "colour difference"),
    ],
)
def test_what_it_does_not_understand_is_said_not_guessed(text: str, says: str) -> None:
    parsed = parse_campaign_request(text)
    assert parsed.recognised and parsed.request is None
    assert says in " ".join(parsed.not_understood), parsed.not_understood
    plan = plan_campaign_offline(text)
    assert plan is not None and plan.document is None and plan.not_understood


@pytest.mark.parametrize(
    "text",
    [
        "Transfer 50 uL of water from A1 to B1",
        "Make a 1:2 serial dilution of fluorescein in PBS down column 1 of a 96 well plate, 100 uL final "
        "volume per well, then measure fluorescence.",
        "Transfer 20 uL of catalyst from A1 to B1",  # a goal word, but a liquid-handling request
    ],
)
def test_liquid_handling_requests_are_not_campaigns(text: str) -> None:
    assert plan_campaign_offline(text) is None
    assert plan_offline(text).document is not None


def test_a_named_file_is_read_and_overridden() -> None:
    plan = plan_campaign_offline(
        "Run the campaign examples/campaigns/colour_match.yaml with a budget of 12 experiments, seed 3 and "
        "batches of 3 with random search"
    )
    assert plan is not None and plan.refusal is None and plan.document is not None
    spec = campaign_from_document(plan.document)
    original = load_campaign(ROOT / "examples" / "campaigns" / "colour_match.yaml")
    assert (spec.budget, spec.seed, spec.batch, spec.optimizer) == (12, 3, 3, "random")
    assert spec.template == original.template and spec.objectives == original.objectives
    assert plan.source == str(ROOT / "examples" / "campaigns" / "colour_match.yaml")
    bare = plan_campaign_offline("Run the campaign colour_match.yaml")  # a bundled file by its name
    assert bare is not None and bare.source == plan.source


def test_a_colour_goal_becomes_the_bundled_template_with_that_target() -> None:
    plan = plan_campaign_offline(
        "Optimise a mix of three dyes to match the colour Lab 60 25 10 within 20 experiments"
    )
    assert plan is not None and plan.document is not None
    spec = campaign_from_document(plan.document)
    assert spec.objectives[0].colour_difference is not None
    assert spec.objectives[0].colour_difference.lab() == (60.0, 25.0, 10.0)
    assert spec.objectives[0].target == 2.0 and spec.budget == 20
    assert [s.name for s in spec.template.stocks] == [
        "water",
        "tartrazine",
        "allura red AC",
        "brilliant blue FCF",
    ]


@pytest.mark.parametrize(
    ("text", "name", "objectives"),
    [
        (
            "Optimise the SnAr reaction for space-time yield and E-factor within 10 experiments",
            "snar-pareto",
            2,
        ),
        ("Find the best catalyst for the yield with a budget of 10 experiments", "catalyst-selection", 1),
        ("Run the catalyst selection campaign, 10 experiments", "catalyst-selection", 1),
    ],
)
def test_the_snar_and_catalyst_goals_run_the_bundled_files(text: str, name: str, objectives: int) -> None:
    plan = plan_campaign_offline(text)
    assert plan is not None and plan.document is not None, plan
    spec = campaign_from_document(plan.document)
    assert spec.name == name and spec.budget == 10 and len(spec.objectives) == objectives


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "Run the campaign examples/campaigns/nothere.yaml",
            "no campaign file examples/campaigns/nothere.yaml",
        ),
        ("Optimise a mix of two dyes to match the colour Lab 60 25 10", "mixes 3 dyes"),
        ("Optimise the SnAr reaction for E-factor", "together"),
        ("Run the campaign examples/protocols/serial_dilution.yaml", "not a campaign file"),
    ],
)
def test_refusals_name_the_problem(text: str, says: str) -> None:
    plan = plan_campaign_offline(text)
    assert plan is not None and plan.document is None
    assert plan.refusal is not None and says in plan.refusal, plan.refusal
