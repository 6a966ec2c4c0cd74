"""The labware and pipette catalogue: every definition shipped with ``opentrons_shared_data``,
read through the deck twin's loaders (``simulators.deck.definitions``), searched by name, volume
and well count.

The planner's catalogue (``agents.planner.catalogue``) answers another question (which plate of a
kind fits a plan, common vendors first, special-purpose labware left out); this one lists what
exists, so an assistant can pick a load name and check its wells and volumes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from labwright.commands.mcp_server.spec import Args, CallContext, ToolSpec, at_most


class CatalogueArgs(Args):
    query: Annotated[str, at_most(200, "a query")] = Field(
        "", description="words that must all appear in the load name or display name "
        "(case-insensitive), e.g. 'corning 96 flat' or 'p300'"
    )
    kind: Literal["any", "labware", "pipette"] = "any"
    volume_ul: float | None = Field(
        None, gt=0, description="labware: wells that hold at least this (nominal volume); pipettes: "
        "this volume within their range in one aspiration"
    )
    wells: int | None = Field(None, ge=1, description="labware with exactly this many wells")
    robot: Literal["ot2", "flex"] | None = Field(None, description="pipettes for this robot")
    limit: int = Field(25, ge=1, le=200, description="at most this many of each kind")


class LabwareEntry(BaseModel):
    load_name: str
    display_name: str
    category: str
    wells: int
    well_volume_ul: float = Field(description="smallest nominal well volume (the label), uL")
    is_tiprack: bool
    tip_volume_ul: float | None
    is_adapter: bool
    version: int = Field(description="newest shipped version")


class PipetteEntry(BaseModel):
    name: str = Field(description="API name, as protocols load it")
    robot: str
    channels: int
    min_volume_ul: float
    max_volume_ul: float
    tip_volumes_ul: list[float]
    default_tipracks: list[str]


class CatalogueResult(BaseModel):
    labware: list[LabwareEntry]
    pipettes: list[PipetteEntry]
    matches: dict[str, int] = Field(description="how many matched, before the limit")


@lru_cache(maxsize=1)
def all_labware() -> tuple[LabwareEntry, ...]:
    from labwright.simulators.deck.definitions import all_labware_names, load_labware

    out = []
    for name in all_labware_names():
        try:
            info = load_labware(name)
        except Exception:  # noqa: BLE001 - a definition the twin cannot read is not offered
            continue
        volumes = [w.nominal_ul for w in info.wells.values()]
        out.append(
            LabwareEntry(
                load_name=info.load_name,
                display_name=info.display_name,
                category=info.category,
                wells=len(info.wells),
                well_volume_ul=min(volumes) if volumes else 0.0,
                is_tiprack=info.is_tiprack,
                tip_volume_ul=info.tip_volume_ul,
                is_adapter=info.is_adapter,
                version=info.version,
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def all_pipettes() -> tuple[PipetteEntry, ...]:
    from labwright.simulators.deck.definitions import load_pipette, pipette_api_names

    out = []
    for name in sorted(pipette_api_names()):
        p = load_pipette(name)
        out.append(
            PipetteEntry(
                name=p.name,
                robot=p.robot,
                channels=p.channels,
                min_volume_ul=p.min_volume_ul,
                max_volume_ul=p.max_volume_ul,
                tip_volumes_ul=list(p.tip_volumes_ul),
                default_tipracks=list(p.default_tipracks),
            )
        )
    return tuple(out)


def _matches(words: list[str], *texts: str) -> bool:
    hay = " ".join(texts).lower().replace("_", " ")
    return all(w in hay for w in words)


def search(args: CatalogueArgs) -> CatalogueResult:
    """Labware and pipettes that match every criterion given (see ``CatalogueArgs``)."""
    words = [w.lower().replace("_", " ") for w in args.query.split()]
    labware: list[LabwareEntry] = []
    pipettes: list[PipetteEntry] = []
    # a criterion that applies to one kind only leaves the other out of an "any" search
    want_labware = args.kind == "labware" or (args.kind == "any" and args.robot is None)
    want_pipettes = args.kind == "pipette" or (args.kind == "any" and args.wells is None)
    if want_labware:
        labware = [
            e
            for e in all_labware()
            if _matches(words, e.load_name, e.display_name)
            and (args.wells is None or e.wells == args.wells)
            and (args.volume_ul is None or (e.well_volume_ul >= args.volume_ul and not e.is_adapter))
        ]
        # the smallest wells that hold the volume first; else by name
        labware.sort(key=lambda e: (e.well_volume_ul if args.volume_ul else 0.0, e.load_name))
    if want_pipettes:
        pipettes = [
            p
            for p in all_pipettes()
            if _matches(words, p.name)
            and (args.robot is None or p.robot == args.robot)
            and (args.volume_ul is None or p.min_volume_ul <= args.volume_ul <= p.max_volume_ul)
        ]
        pipettes.sort(key=lambda p: (p.max_volume_ul, p.channels, p.name))
    return CatalogueResult(
        labware=labware[: args.limit],
        pipettes=pipettes[: args.limit],
        matches={"labware": len(labware), "pipettes": len(pipettes)},
    )


def run_catalogue(args: CatalogueArgs, ctx: CallContext) -> CatalogueResult:
    return search(args)


def _summary(r: CatalogueResult) -> str:
    lines = [f"{r.matches['labware']} labware, {r.matches['pipettes']} pipettes match"]
    lines += [
        f"- {e.load_name}: {e.wells} wells of {e.well_volume_ul:g} uL ({e.display_name})" for e in r.labware
    ]
    lines += [
        f"- {p.name} ({p.robot}, {p.channels}-channel): {p.min_volume_ul:g}-{p.max_volume_ul:g} uL"
        for p in r.pipettes
    ]
    return "\n".join(lines)


SPECS = [
    ToolSpec(
        name="catalogue_search",
        title="Labware and pipette catalogue",
        description="Search the Opentrons labware and pipette definitions (opentrons_shared_data "
        "9.0.0) by words in the name, well volume, well count and robot: load names to use in a "
        "protocol with their wells, nominal volumes and volume ranges.",
        input_model=CatalogueArgs,
        output_model=CatalogueResult,
        run=run_catalogue,
        summary=_summary,
    ),
]
