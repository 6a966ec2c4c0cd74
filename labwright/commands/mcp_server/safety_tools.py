"""Chemical safety questions: can two chemicals meet in one vessel; what is a chemical (identity,
reactive groups, physical data, what the lab policy says). The functions of ``labwright safety
pair`` and ``labwright safety chemical``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from labwright.commands.mcp_server.spec import Args, CallContext, ToolSpec, at_most
from labwright.verifiers.safety.compatibility import GroupRef, Hazard

NAME_HELP = "a common name ('bleach', '1 M HCl'), an abbreviation (THF), a CAS number or a SMILES"
ChemicalName = Annotated[str, Field(min_length=1, description=NAME_HELP), at_most(500, "a chemical name")]


class PairArgs(Args):
    a: ChemicalName
    b: ChemicalName


class PairResult(BaseModel):
    a: str
    b: str
    compatible: bool = Field(description="no hazard known to the checker for this pair")
    hazards: list[Hazard] = Field(description="EPA chart outcomes (heat, fire, toxic gas...) and their rule")
    codes: list[str]
    summary: str
    groups_a: list[GroupRef] = Field(description="EPA reactive groups of a")
    groups_b: list[GroupRef]
    sources: list[str]


def run_pair(args: PairArgs, ctx: CallContext) -> PairResult:
    from labwright.commands.safety import pair_json
    from labwright.verifiers.safety.pair import check_pair

    return PairResult.model_validate(pair_json(args.a, args.b, check_pair(args.a, args.b)))


class ChemicalArgs(Args):
    name: ChemicalName


class PolicyVerdict(BaseModel):
    name: str = Field(description="the lab policy's name")
    refused: bool
    banned: bool
    requires_approval: bool
    cwc: list[dict[str, Any]] = Field(description="Chemical Weapons Convention schedule matches")
    reasons: list[str]


class ChemicalResult(BaseModel):
    query: str
    mixture: str | None = Field(description="the mixture the name stands for, if it is one")
    components: list[dict[str, Any]] = Field(
        description="each component: name, CAS, SMILES, formula, reactive groups, tags, physical data"
    )
    policy: PolicyVerdict


def run_chemical(args: ChemicalArgs, ctx: CallContext) -> ChemicalResult:
    from labwright.verifiers.safety.pair import chemical_report
    from labwright.verifiers.safety.policy import load_policy

    policy = load_policy(ctx.config.policy) if ctx.config.policy else None
    return ChemicalResult.model_validate(chemical_report(args.name, policy))


def _pair_summary(r: PairResult) -> str:
    if r.compatible:
        return f"{r.a} + {r.b}: compatible (no hazard known to the checker for this pair)"
    return f"{r.a} + {r.b}: INCOMPATIBLE: {r.summary}"


def _chemical_summary(r: ChemicalResult) -> str:
    names = ", ".join(c.get("name", "?") for c in r.components)
    p = r.policy
    verdict = (
        "refused by policy" if p.refused else "banned by policy" if p.banned
        else "needs a person's approval" if p.requires_approval else f"allowed by policy '{p.name}'"
    )
    return f"{r.query}: {names}; {verdict}" + (f" ({'; '.join(p.reasons)})" if p.reasons else "")


SPECS = [
    ToolSpec(
        name="safety_pair",
        title="Can two chemicals meet?",
        description="Check whether two chemicals may meet in one vessel, against the EPA chemical "
        "compatibility chart (Hatayama et al., 1980) and specific rules: hazards (heat, fire, toxic "
        "gas, explosion, ...) with the rule and source. An unknown name is an error: unknown is "
        "never safe.",
        input_model=PairArgs,
        output_model=PairResult,
        run=run_pair,
        summary=_pair_summary,
    ),
    ToolSpec(
        name="chemical_lookup",
        title="What is this chemical?",
        description="Identity (CAS, SMILES, formula, synonyms), EPA reactive groups, hazard tags, "
        "physical data (boiling, flash and autoignition points) and what the server's lab policy "
        "says about a chemical or mixture (refused, banned, needs approval).",
        input_model=ChemicalArgs,
        output_model=ChemicalResult,
        run=run_chemical,
        summary=_chemical_summary,
    ),
]
