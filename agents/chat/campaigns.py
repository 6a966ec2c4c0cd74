"""Campaigns in the chat graph: validate the requested campaign, show it, start it once, report it.

A campaign request goes through the same graph as a protocol request:

* ``understand`` reads it with the offline campaign grammar, whichever planner is configured
  (``labwright.agents.planner.plan_campaign_offline``: a campaign document from a file or a
  bundled template; a planner drafts protocols, not campaign files);
* ``plan`` (:func:`prepare`) validates that document with the campaign's own
  schema (``labwright.agents.campaign.campaign_from_document``), puts it on the chat's backend,
  checks that a colour target is within reach of the stocks (the colour twin, noise-free, over
  the mixture space), and compiles the campaign's *first proposal* (the optimiser's round-1 point,
  the exact protocol experiment 1 will run) into the draft; ``compile`` and ``verify`` then treat
  that protocol like any chat protocol. A template that cannot give a verified protocol is
  refused (no repair: the campaign's template, not this one draft, makes every experiment);
* ``approve`` shows the campaign (:func:`summary`) and the sample protocol;
* ``dispatch`` (:func:`start`) starts the campaign with
  ``labwright.agents.campaign.start_campaign_from_document`` under the run id
  ``<chat run id>.campaign`` and the approver's name. That id is the idempotency key: a chat run
  resumed after a crash finds its campaign already recorded and continues it
  (``resume_campaign``: nothing measured is lost or repeated) instead of starting another;
* ``observe`` (:func:`status`) reads the campaign back: run id, experiments, best, target
  reached at.

The campaign runs in the foreground (inside the dispatch node, the result reported) unless the
settings ask for the background (``campaign_background``: interactive ``labwright chat``), where
a detached ``labwright campaign resume`` process runs it and the chat prints its run id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: mixes of the stocks searched when checking that a colour target can be reached
REACH_SAMPLES = 1000
REACH_STARTS = 3


class CampaignRefused(Exception):
    """The campaign cannot be run as asked; the message says why and what to change."""


def campaign_run_id(chat_run_id: str) -> str:
    """The campaign's run id: a pure function of the chat run (the key that starts it once)."""
    return f"{chat_run_id}.campaign"


# ------------------------------------------------------------------------------- prepare


def prepare(campaign: dict[str, Any], backend: str, robot: str | None) -> dict[str, Any]:
    """The validated campaign (document, summary, reach) and its first protocol (a document)."""
    from labwright.agents.campaign import campaign_from_document
    from labwright.agents.campaign.optimizers import make_optimizer
    from labwright.agents.campaign.runner import round_seed
    from labwright.agents.campaign.space import Space
    from labwright.agents.campaign.template import InfeasibleProposal, compile_experiment
    from labwright.agents.campaign.twins import build_twin
    from labwright.protocols.errors import LabwrightError
    from labwright.protocols.io import to_document

    asked = campaign.get("backend")
    if asked and asked != backend:
        raise CampaignRefused(
            f"the request says to run on {asked}, but this chat dispatches to {backend}: "
            f"start the chat with --backend {asked}"
        )
    document = {**(campaign.get("document") or {}), "backend": backend, "robot": robot}
    try:
        spec = campaign_from_document(document, source="the campaign")
        build_twin(spec)
        space = Space.of(spec)
        optimizer = make_optimizer(spec.optimizer, space, list(spec.objectives), initial=spec.initial)
        proposed = optimizer.propose([], min(spec.batch, spec.budget), round_seed(spec.seed, 1))[0]
        # as the campaign store gives it back to the runner (JSON, keys sorted): the protocol's text
        # names the parameters in this order, so the sample is experiment 1's protocol byte for byte
        first = json.loads(json.dumps(proposed, sort_keys=True))
    except LabwrightError as exc:
        raise CampaignRefused(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    reach = colour_reach(spec)
    if reach is not None and not reach["reachable"]:
        raise CampaignRefused(reach["message"])
    try:
        protocol = compile_experiment(spec, first, 1)
    except InfeasibleProposal as exc:
        raise CampaignRefused(
            f"the campaign's template gives no protocol for its first proposal: {exc}"
        ) from None
    checked = {
        **campaign,
        "document": spec.model_dump(mode="json", exclude_none=True),
        "summary": summary(spec),
        "first_proposal": first,
        "reach": reach,
    }
    return {"campaign": checked, "draft": to_document(protocol, exclude_defaults=True)}


def _describe_objective(o: Any) -> str:
    text = f"{o.name}: {o.direction}"
    if o.colour_difference is not None:
        lab = tuple(round(v, 2) for v in o.colour_difference.lab())
        text += f" the CIEDE2000 colour difference to Lab {lab}"
    if o.target is not None:
        text += f", target {'<=' if o.direction == 'minimise' else '>='} {o.target:g}"
    return text


def _describe_parameter(p: Any) -> str:
    if p.type == "categorical":
        return f"{p.name}: one of {', '.join(p.values or [])}"
    unit = f" {p.unit}" if p.unit else ""
    return f"{p.name}: {p.type} {p.low:g} to {p.high:g}{unit}"


def summary(spec: Any) -> dict[str, Any]:
    """What will run, for the person who approves it (plain JSON)."""
    constraints = []
    for c in spec.constraints:
        if c.type == "sum":
            constraints.append(f"{' + '.join(c.parameters)} = {c.value:g}")
        else:
            constraints.append(f"linear over {', '.join(c.coefficients)}")
    return {
        "name": spec.name,
        "space": [_describe_parameter(p) for p in spec.parameters],
        "constraints": constraints,
        "objectives": [_describe_objective(o) for o in spec.objectives],
        "budget": spec.budget,
        "batch": spec.batch,
        "seed": spec.seed,
        "optimizer": spec.optimizer,
        "backend": spec.backend,
        "twin": spec.twin.kind,
    }


# ---------------------------------------------------------------------------------- reach


def _mix_lab(spec: Any, stocks: dict[str, Any], area_mm2: float, params: dict[str, Any]) -> tuple[float, ...]:
    """The noise-free colour twin's CIELAB for one parameter set (Beer-Lambert over the mix)."""
    from labwright.agents.campaign.expressions import evaluate
    from labwright.simulators.chemistry.colour import absorbance_spectrum, lab_of_absorbance

    numeric = {k: v for k, v in params.items() if not isinstance(v, str)}
    moles: dict[str, float] = {}
    total = 0.0
    for add in spec.template.additions:
        stock_id = params[add.stock[1:-1]] if add.stock.startswith("{") else add.stock
        volume = max(evaluate(add.volume, numeric), 0.0)
        total += volume
        for species, molar in stocks[stock_id].species.items():
            moles[species] = moles.get(species, 0.0) + molar * volume
    if total <= 0:
        return (100.0, 0.0, 0.0)
    concentrations = {k: v / total for k, v in moles.items()}
    return lab_of_absorbance(absorbance_spectrum(concentrations, 0.1 * total / area_mm2))


def _polish(
    start: dict[str, Any], distance: Callable[[dict[str, Any]], float], space: Any
) -> tuple[float, dict]:
    """Pattern search from ``start``: move amount between two parameters, or one parameter, by
    shrinking steps (a move that leaves the feasible region is skipped). Pairwise moves keep a
    mixture summing to 1, and reach the edges and corners of the space where the most saturated
    colours are."""
    from itertools import permutations

    names = [p.name for p in space.parameters if p.type == "continuous"]
    span = {p.name: float(p.high - p.low) for p in space.parameters if p.type == "continuous"}
    best, value = dict(start), distance(start)
    for step in (0.1, 0.04, 0.015, 0.005, 0.002):
        improved = True
        while improved:
            improved = False
            moves = [{a: step * span[a], b: -step * span[b]} for a, b in permutations(names, 2)]
            moves += [{a: sign * step * span[a]} for a in names for sign in (1.0, -1.0)]
            for move in moves:
                candidate = {**best, **{k: best[k] + dv for k, dv in move.items()}}
                if not space.feasible(candidate):
                    continue
                d = distance(candidate)
                if d < value - 1e-9:
                    best, value, improved = candidate, d, True
    return value, best


def colour_reach(spec: Any, seed: int = 0) -> dict[str, Any] | None:
    """Can the campaign's stocks make a colour within its target of the target colour?

    The colour twin's noise-free model over the parameter space: uniform draws, then a pattern
    search from the closest few (see :func:`_polish`). None for a campaign without a colour target."""
    from labwright.agents.campaign.space import Space
    from labwright.agents.campaign.twins import twin_stocks
    from labwright.simulators.chemistry.cie import delta_e2000
    from labwright.simulators.chemistry.colour import well_area_mm2

    objective = next((o for o in spec.objectives if o.colour_difference is not None), None)
    if spec.twin.kind != "colour" or objective is None or objective.target is None:
        return None
    target = objective.colour_difference.lab()
    stocks, area = twin_stocks(spec), well_area_mm2(spec.template.plate)
    space, rng = Space.of(spec), np.random.default_rng(seed)
    searched = 0

    def distance(params: dict[str, Any]) -> float:
        nonlocal searched
        searched += 1
        return delta_e2000(_mix_lab(spec, stocks, area, params), target)  # type: ignore[arg-type]

    draws = space.sample(REACH_SAMPLES, rng)
    scored = sorted((distance(d), i) for i, d in enumerate(draws))
    polished = [_polish(draws[i], distance, space) for _, i in scored[:REACH_STARTS]]
    closest, params = min(polished, key=lambda item: item[0])
    lab = tuple(round(v, 1) for v in _mix_lab(spec, stocks, area, params))
    reachable = closest <= objective.target
    message = (
        f"the target colour Lab {tuple(round(v, 2) for v in target)} is out of reach of these stocks: "
        f"the closest colour the colour twin predicts (noise-free, {searched} mixes searched) is Lab "
        f"{lab}, CIEDE2000 {closest:.1f} away, above the campaign's target {objective.target:g}; nothing "
        "was started. Choose a target colour the dyes can make, or a larger colour difference"
    )
    return {
        "reachable": reachable,
        "closest_delta_e": round(closest, 2),
        "closest_lab": list(lab),
        "closest_parameters": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in params.items()},
        "mixes_searched": searched,
        "message": "" if reachable else message,
    }


# ------------------------------------------------------------------------- start, status


def _existing(run_id: str, store: Path) -> Any:
    from labwright.agents.campaign.store import CampaignStore
    from labwright.hardware.ledger import Ledger
    from labwright.protocols.errors import ConfigurationError

    with Ledger(store) as ledger:
        campaigns = CampaignStore(ledger)
        try:
            return campaigns.get(run_id)
        except ConfigurationError:
            return None
        finally:
            campaigns.close()


def start(
    document: dict[str, Any],
    *,
    run_id: str,
    approved_by: str,
    store: Path,
    background: bool,
    on_experiment: Callable[[Any, list[Any]], None] | None = None,
) -> dict[str, Any]:
    """Start the campaign once (``run_id`` is the key); a campaign already recorded is continued.

    Returns what happened: ``{"run_id", "started": bool, "background": bool}``."""
    from labwright.agents.campaign import start_campaign_from_document

    record = _existing(run_id, store)
    if record is None:
        start_campaign_from_document(
            document,
            approved_by=approved_by,
            store=store,
            run_id=run_id,
            background=background,
            on_experiment=on_experiment,
        )
        return {"run_id": run_id, "started": True, "background": background}
    # recorded before a crash: continue it (the campaign never repeats a dispatched experiment)
    if record.state not in {"finished", "failed"}:
        _continue(run_id, store, background, record, on_experiment)
    return {"run_id": run_id, "started": False, "background": background}


def _continue(run_id: str, store: Path, background: bool, record: Any, on_experiment: Any) -> None:
    import subprocess
    import sys

    from labwright.agents.campaign import resume_campaign
    from labwright.hardware.ledger import owner_alive

    if record.owner and owner_alive(record.owner) is not False:
        return  # another live process runs it
    if not background:
        resume_campaign(run_id, store=store, on_experiment=on_experiment)
        return
    command = [
        sys.executable,
        "-m",
        "labwright.cli",
        "campaign",
        "resume",
        run_id,
        "--quiet",
        "--store",
        str(store),
    ]
    subprocess.Popen(  # noqa: S603 - our own CLI, arguments we built
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def status(run_id: str, store: Path) -> dict[str, Any]:
    """The campaign as it stands: what ``labwright chat --json`` reports under ``campaign``."""
    from labwright.agents.campaign import campaign_status

    result = campaign_status(run_id, store=store)
    return {
        "run_id": result.run_id,
        "state": result.state,
        "stop_reason": result.stop_reason,
        "experiments": len(result.experiments),
        "counts": result.counts,
        "best": result.best,
        "target_reached_at": result.target_reached_at,
        "hypervolume": result.hypervolume,
        "store": result.ledger,
    }
