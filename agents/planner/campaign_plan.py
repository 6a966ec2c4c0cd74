"""A campaign request -> a campaign document (``labwright: campaign/1``), from a file or a bundled one.

``plan_campaign(text)`` returns None when the text is not a campaign request (the
liquid-handling planner reads it then), else a :class:`CampaignPlan`:

* a named file is read as it is (relative to the working directory, then to labwright's
  checkout, then to the bundled campaigns, so ``examples/campaigns/colour_match.yaml`` and
  ``colour_match.yaml`` work from anywhere); a file that does not exist or does not read is a
  refusal naming it, with the bundled campaigns as the fix;
* a goal without a file starts from a bundled campaign (``examples/campaigns/``): a target colour
  replaces the colour template's target (three dyes: tartrazine, allura red AC, brilliant blue
  FCF, so "a mix of two dyes" is refused rather than silently run with three); the SnAr and
  catalyst goals run those files;
* budget, seed, batch size, optimiser and a colour difference to reach override the file.

The document is a *proposal*: the chat graph validates it with the campaign's own schema
(``labwright.agents.campaign.campaign_from_document``) and verifies its first protocol before
anyone is asked to approve it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from labwright.agents.planner.campaign_request import CampaignRequest, parse_campaign_request
from labwright.protocols.errors import LabwrightError
from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "examples" / "campaigns"
BUNDLED_FILES = {
    "colour": "colour_match.yaml",
    "snar": "snar_pareto.yaml",
    "catalyst": "catalyst_selection.yaml",
}
_OBJECTIVE_WORDS = {"sty": "space-time yield", "e_factor": "E-factor"}


class CampaignPlan(BaseModel):
    """What the planner made of a campaign request."""

    model_config = ConfigDict(frozen=True)

    understood: str = ""
    purpose: str = ""
    plan: list[str] = Field(default_factory=list)
    document: dict[str, Any] | None = Field(default=None, description="the campaign document (untrusted)")
    source: str = Field(default="", description="the file the document came from")
    backend: str | None = Field(default=None, description="a backend the request named")
    not_understood: list[str] = Field(default_factory=list)
    refusal: str | None = None


class _Refused(Exception):
    pass


def plan_campaign(text: str) -> CampaignPlan | None:
    parsed = parse_campaign_request(text)
    if not parsed.recognised:
        return None
    if parsed.request is None:
        return CampaignPlan(not_understood=parsed.not_understood)
    req = parsed.request
    try:
        path = _file_of(req)
        document = _apply(req, _read(path))
    except _Refused as exc:
        return CampaignPlan(understood=_said(req, None), refusal=str(exc))
    return CampaignPlan(
        understood=_said(req, document),
        purpose=_purpose(document),
        plan=_steps(document),
        document=document,
        source=str(path),
        backend=req.backend,
    )


# ------------------------------------------------------------------------------ the file


def _bundled_names() -> str:
    return ", ".join(f"examples/campaigns/{name}" for name in BUNDLED_FILES.values())


def _file_of(req: CampaignRequest) -> Path:
    if req.kind != "file":
        path = BUNDLED / BUNDLED_FILES[req.kind]
        if not path.is_file():
            raise _Refused(f"the bundled {req.kind} campaign {path} is not installed with this labwright")
        return path
    given = Path(str(req.path)).expanduser()
    folders = list(dict.fromkeys([Path.cwd(), ROOT, BUNDLED]))
    for candidate in [given] if given.is_absolute() else [folder / given for folder in folders]:
        if candidate.is_file():
            return candidate
    looked = "" if given.is_absolute() else f" (looked in {' and '.join(str(f) for f in folders)})"
    raise _Refused(
        f"no campaign file {req.path}{looked}; nothing was started. "
        f"Name an existing file, e.g. one of the bundled campaigns: {_bundled_names()}"
    )


def _read(path: Path) -> dict[str, Any]:
    from labwright.protocols.documents import parse_json, parse_yaml, read_text_file

    try:
        text = read_text_file(path, what="campaign file")
        doc = (
            parse_json(text, source=str(path))
            if path.suffix.lower() == ".json"
            else parse_yaml(text, source=str(path))
        )
    except LabwrightError as exc:
        raise _Refused(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    if not isinstance(doc, dict) or doc.get("labwright") != "campaign/1":
        raise _Refused(
            f"{path} is not a campaign file (it has no `labwright: campaign/1`); see {_bundled_names()}"
        )
    return doc


# ------------------------------------------------------------------------------ overrides


def _colour_objective(doc: dict[str, Any]) -> dict[str, Any] | None:
    for objective in doc.get("objectives") or []:
        if isinstance(objective, dict) and isinstance(objective.get("colour_difference"), dict):
            return objective
    return None


def _dye_stocks(doc: dict[str, Any]) -> list[str]:
    stocks = ((doc.get("template") or {}).get("stocks")) or []
    return [str(s.get("name")) for s in stocks if isinstance(s, dict) and s.get("concentration")]


def _apply_colour(req: CampaignRequest, doc: dict[str, Any]) -> None:
    objective = _colour_objective(doc)
    if objective is None:
        raise _Refused("a colour difference was asked for, but this campaign has no colour objective")
    dyes = _dye_stocks(doc)
    if req.dyes is not None and req.dyes != len(dyes):
        raise _Refused(
            f"the bundled colour campaign mixes {len(dyes)} dyes ({', '.join(dyes)}), not {req.dyes}; "
            "a campaign over other dyes needs its own campaign file"
        )
    if req.target_lab is not None or req.target_srgb is not None:
        cd = dict(objective["colour_difference"])
        cd.pop("target_lab", None)
        cd.pop("target_srgb", None)
        if req.target_lab is not None:
            cd["target_lab"] = list(req.target_lab)
        else:
            cd["target_srgb"] = req.target_srgb
        objective["colour_difference"] = cd
        target = f"Lab {tuple(req.target_lab)}" if req.target_lab else str(req.target_srgb)
        doc["name"] = "colour-match-chat"
        doc["description"] = (
            f"Match {target} by mixing {', '.join(dyes)} and water (from a chat request; the bundled "
            "colour_match.yaml template)."
        )
    if req.delta_e is not None:
        objective["target"] = req.delta_e


def _apply(req: CampaignRequest, doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    if req.kind == "colour" or req.delta_e is not None or req.dyes is not None:
        _apply_colour(req, doc)
    if req.kind == "snar" and req.objectives:
        have = [o.get("name") for o in doc.get("objectives") or [] if isinstance(o, dict)]
        if sorted(set(req.objectives)) != sorted(have):
            asked = " and ".join(_OBJECTIVE_WORDS.get(o, o) for o in req.objectives)
            its = " and ".join(_OBJECTIVE_WORDS.get(str(o), str(o)) for o in have)
            raise _Refused(
                f"the bundled SnAr campaign optimises {its} together, not {asked} alone; "
                "write a campaign file for another objective"
            )
    for key in ("budget", "seed", "batch", "optimizer"):
        value = getattr(req, key)
        if value is not None:
            doc[key] = value
    return doc


# ------------------------------------------------------------------------------ words


def _said(req: CampaignRequest, doc: dict[str, Any] | None) -> str:
    what = {
        "file": f"the campaign in {req.path}",
        "colour": "a colour-matching campaign",
        "snar": "the SnAr campaign",
        "catalyst": "the catalyst-selection campaign",
    }[req.kind]
    parts = [f"run {what}"]
    if doc is not None:
        parts.append(f"'{doc.get('name')}'")
        parts.append(f"budget {doc.get('budget')} experiments, seed {doc.get('seed', 0)}")
    for key in ("batch", "optimizer", "backend"):
        if getattr(req, key) is not None:
            parts.append(f"{key} {getattr(req, key)}")
    return ", ".join(parts)


def _purpose(doc: dict[str, Any]) -> str:
    text = " ".join(str(doc.get("description") or "").split())
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def _steps(doc: dict[str, Any]) -> list[str]:
    names = [str(p.get("name")) for p in doc.get("parameters") or [] if isinstance(p, dict)]
    objectives = [str(o.get("name")) for o in doc.get("objectives") or [] if isinstance(o, dict)]
    return [
        f"propose {doc.get('batch', 1)} experiment(s) at a time over {', '.join(names)} "
        f"({doc.get('optimizer', 'bo')} optimiser, seed {doc.get('seed', 0)})",
        "turn each proposal into a protocol with the campaign's template; verify and safety-check it",
        f"dispatch it and measure {', '.join(objectives)}",
        f"repeat until the target is met or {doc.get('budget')} experiments are spent",
    ]
