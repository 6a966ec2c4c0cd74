"""Campaign requests: plain English -> :class:`CampaignRequest` (with ``campaign_grammar``).

``parse_campaign_request(text)`` answers one of three ways:

* ``recognised`` with a ``request``: the text is a campaign request and every word of it was
  understood;
* ``recognised`` with ``not_understood``: the text asks for a campaign (it says "campaign",
  "optimise", or names a campaign file) but does not fit the grammar: where the parser stopped
  is reported, and nothing is guessed;
* not ``recognised``: not a campaign request; the liquid-handling planner reads it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_CAMPAIGN_WORDS = frozenset(
    {"campaign", "campaigns", "optimise", "optimize", "optimisation", "optimization", "bayesian"}
)
#: words that make a request worth reading with the campaign grammar besides the campaign words
#: (building the parser takes about a second, which a liquid-handling request, "a mixing series of
#: red dye and blue dye", should not pay); only the campaign words above make a request that does
#: not parse a campaign request that was not understood
_GOAL_WORDS = frozenset({"catalyst", "snar"})
_COLOUR_GOAL = ({"match"}, {"colour", "color"})
_FILE = re.compile(r"\S+\.(ya?ml|json)\b", re.I)
_COUNT_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip


class CampaignRequest(BaseModel):
    """What a campaign request asked for (before any file is read)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["file", "colour", "snar", "catalyst"]
    path: str | None = Field(default=None, description="the campaign file named (kind 'file')")
    target_lab: tuple[float, float, float] | None = None
    target_srgb: str | None = None
    dyes: int | None = Field(default=None, description="how many dyes the request said to mix")
    objectives: list[str] = Field(default_factory=list, description="SnAr objectives named")
    budget: int | None = None
    seed: int | None = None
    batch: int | None = None
    optimizer: Literal["bo", "random"] | None = None
    delta_e: float | None = Field(default=None, description="colour difference to reach")
    backend: str | None = Field(default=None, description="a backend the request named")


class CampaignParse(BaseModel):
    recognised: bool
    request: CampaignRequest | None = None
    not_understood: list[str] = Field(default_factory=list)


class _NotUnderstood(Exception):
    """A part of an otherwise parsed request that makes no sense (e.g. a budget of 2.5)."""


def looks_like_campaign(text: str) -> bool:
    """Does the text ask for a campaign at all (a campaign word, or a campaign file)?"""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return bool(words & _CAMPAIGN_WORDS) or bool(_FILE.search(text))


def parse_campaign_request(text: str) -> CampaignParse:
    text = " ".join(text.split())
    words = set(re.findall(r"[a-z]+", text.lower()))
    colour_goal = all(words & group for group in _COLOUR_GOAL)
    if not (looks_like_campaign(text) or words & _GOAL_WORDS or colour_goal):
        return CampaignParse(recognised=False)
    from labwright.agents.planner.campaign_grammar import parser
    from lark.exceptions import LarkError, UnexpectedInput

    campaign_parser = parser()  # outside the try: a grammar that does not load is a labwright bug
    try:
        tree = campaign_parser.parse(text)
    except UnexpectedInput as exc:
        if not looks_like_campaign(text):
            return CampaignParse(recognised=False)
        pos = getattr(exc, "pos_in_stream", None) or 0
        rest = text[pos:].strip() or text
        return CampaignParse(
            recognised=True,
            not_understood=[
                f"the campaign request from {rest[:60]!r} (say e.g. 'run the campaign FILE "
                "with a budget of N experiments and seed S')"
            ],
        )
    except LarkError:
        return CampaignParse(recognised=looks_like_campaign(text), not_understood=[text])
    try:
        return CampaignParse(recognised=True, request=_request(tree))
    except _NotUnderstood as exc:
        return CampaignParse(recognised=True, not_understood=[str(exc)])


# ------------------------------------------------------------------------------- the tree


def _count(token: Any, what: str) -> int:
    text = str(token).lower().replace("−", "-")
    if text in _COUNT_WORDS:
        return _COUNT_WORDS[text]
    if not re.fullmatch(r"\+?\d+", text):
        raise _NotUnderstood(f"{what} {token}: a whole number is needed")
    return int(text)


def _number(token: Any) -> float:
    return float(str(token).replace("−", "-"))


def _tokens(tree: Any) -> list[Any]:
    return [t for t in tree.scan_values(lambda v: hasattr(v, "type"))]


def _command(tree: Any) -> dict[str, Any]:
    kind = tree.data
    if kind == "run_file":
        path = next(t for t in _tokens(tree) if t.type == "PATH")
        return {"kind": "file", "path": str(path)}
    if kind == "run_bundled":
        name = next(tree.find_data("colour_name"), None) or next(tree.find_data("snar_name"), None)
        name = name or next(tree.find_data("catalyst_name"))
        return {
            "kind": {"colour_name": "colour", "snar_name": "snar", "catalyst_name": "catalyst"}[name.data]
        }
    if kind == "colour_goal":
        out: dict[str, Any] = {"kind": "colour"}
        for dyes in tree.find_data("dyes"):
            counts = list(dyes.find_data("count"))
            if counts:
                out["dyes"] = _count(counts[0].children[0], "dyes")
        lab = next(tree.find_data("lab"), None)
        if lab is not None:
            values = [_number(t) for t in _tokens(lab) if t.type == "NUMBER"]
            out["target_lab"] = tuple(values)
        else:
            out["target_srgb"] = str(next(t for t in _tokens(tree) if t.type == "HEX"))
        return out
    if kind == "snar_goal":
        named = [o.data for o in tree.iter_subtrees_topdown() if o.data in {"sty", "e_factor"}]
        return {"kind": "snar", "objectives": named}
    return {"kind": "catalyst"}


def _option(tree: Any, out: dict[str, Any]) -> None:
    (opt,) = tree.children
    name = opt.data
    key = {"use_bo": "optimizer", "use_random": "optimizer", "on_twin": "backend", "on_sim": "backend"}
    key |= {"on_robot": "backend"}
    field = key.get(name, name)
    if field in out:
        raise _NotUnderstood(f"the {field.replace('_', ' ')} is given twice")
    if name in {"budget", "batch"}:
        out[name] = _count(next(opt.find_data("count")).children[0], name)
    elif name == "seed":
        out["seed"] = _count(next(t for t in _tokens(opt) if t.type == "NUMBER"), "seed")
    elif name == "de_target":
        out["delta_e"] = _number(next(t for t in _tokens(opt) if t.type == "NUMBER"))
    elif field == "optimizer":
        out["optimizer"] = "bo" if name == "use_bo" else "random"
    else:
        out["backend"] = {"on_twin": "twin", "on_sim": "opentrons-sim", "on_robot": "opentrons-http"}[name]


def _request(tree: Any) -> CampaignRequest:
    out: dict[str, Any] = {}
    for child in tree.children:
        if not hasattr(child, "data"):
            continue
        if child.data == "option":
            _option(child, out)
        else:
            out |= _command(child)
    if out.get("budget") == 0:
        raise _NotUnderstood("a budget of 0 experiments runs nothing")
    if out.get("delta_e") is not None and out["delta_e"] <= 0:
        raise _NotUnderstood(f"a colour difference of {out['delta_e']:g}: it is above 0")
    if out.get("delta_e") is not None and out.get("kind") != "colour" and out.get("kind") != "file":
        raise _NotUnderstood("a colour difference is a target of a colour-matching campaign only")
    return CampaignRequest(**out)
