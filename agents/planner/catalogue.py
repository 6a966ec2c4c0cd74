"""Labware, pipettes, tips and modules chosen from the Opentrons catalogue to fit the volumes.

Every fact comes from the definitions shipped with ``opentrons_shared_data`` through the deck
twin's loaders (``labwright.simulators.deck.definitions``): a plate fits when its wells' nominal
volume (the label; the twin warns past it) holds what the plan puts in them; a pipette fits a
volume when the volume is within its range after the Opentrons API's split into chunks; a tip
rack fits when its tips hold the largest chunk. What the catalogue offers for each kind of
labware is read from the definitions folder by name pattern (``*_96_wellplate_*``,
``*_reservoir_*``, ...) and ranked by vendor (the ones the Opentrons app offers first).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from labwright.simulators.deck.definitions import (
    LabwareInfo,
    PipetteInfo,
    all_labware_names,
    labware_versions,
    load_labware,
    load_module,
    load_pipette,
    shared_data_root,
)
from labwright.simulators.deck.expand import split_volume

# Vendors in the order a chemist finds them in the Opentrons app's labware list; any other
# vendor's plate is still chosen when it is the only one that fits.
VENDOR_RANK = (
    "nest",
    "corning",
    "opentrons",
    "biorad",
    "armadillo",
    "greiner",
    "thermoscientific",
    "usascientific",
)
# Labware for special uses that a general request must not get by accident.
_SPECIAL = re.compile(
    r"lobind|resin|chimney|milliplex|ibidi|square|ev_|_lid|adapter|aluminum|flex_96_tiprack"
)

# Pipettes the planner mounts (current generation; 96-channel heads need a different deck plan).
PIPETTES = {
    "ot2": ("p20_single_gen2", "p300_single_gen2", "p1000_single_gen2", "p20_multi_gen2", "p300_multi_gen2"),
    "flex": ("flex_1channel_50", "flex_1channel_1000", "flex_8channel_50", "flex_8channel_1000"),
}

# Heater-Shaker adapters (Opentrons API docs, "Heater-Shaker Module": labware and adapters).
HS_ADAPTERS = {
    "nest_96_wellplate_200ul_flat": "opentrons_96_flat_bottom_adapter",
    "nest_96_wellplate_100ul_pcr_full_skirt": "opentrons_96_pcr_adapter",
    "nest_96_wellplate_2ml_deep": "opentrons_96_deep_well_adapter",
    "corning_96_wellplate_360ul_flat": "opentrons_universal_flat_adapter",
    "corning_384_wellplate_112ul_flat": "opentrons_universal_flat_adapter",
}
# A PCR plate on a Temperature Module sits in the 96-well aluminium block (one definition).
TEMP_BLOCK_PCR = "opentrons_96_aluminumblock_nest_wellplate_100ul"


@dataclass(frozen=True)
class LabwareChoice:
    load_name: str
    nominal_ul: float
    wells: int


def _vendor_rank(name: str) -> int:
    vendor = name.split("_", 1)[0]
    return VENDOR_RANK.index(vendor) if vendor in VENDOR_RANK else len(VENDOR_RANK)


@lru_cache(maxsize=16)
def _names(pattern: str) -> tuple[str, ...]:
    rx = re.compile(pattern)
    return tuple(n for n in all_labware_names() if rx.search(n) and not _SPECIAL.search(n))


def _summary(name: str) -> tuple[float, int] | None:
    """(smallest nominal well volume, number of wells) of the newest shipped definition, read
    straight from its JSON (building the twin's full geometry for every candidate is slower)."""
    import json

    versions = labware_versions(name)
    if not versions:
        return None
    path = shared_data_root() / "labware" / "definitions" / "2" / name / f"{versions[-1]}.json"
    wells = json.loads(path.read_text()).get("wells", {})
    if not wells:
        return None
    return min(float(w.get("totalLiquidVolume", 0.0)) for w in wells.values()), len(wells)


def _info(name: str) -> LabwareInfo | None:
    try:
        return load_labware(name)
    except Exception:  # a definition this version cannot read is simply not offered
        return None


@lru_cache(maxsize=64)
def candidates(kind: str, wells: int | None) -> tuple[LabwareChoice, ...]:
    """Labware of one kind, best first: ``plate``/``deep_plate``/``pcr_plate`` (``wells`` per
    plate), ``reservoir`` (12 or 1 well), ``tube`` (24-tube racks)."""
    if kind in ("plate", "deep_plate", "pcr_plate"):
        n = wells or 96
        names = _names(rf"_{n}_wellplate_")
        if kind == "pcr_plate":
            names = tuple(x for x in names if "pcr" in x)
        elif kind == "deep_plate":
            names = tuple(x for x in names if "deep" in x or re.search(r"_(1000|2000|2\.2ml|2ml)", x))
        else:
            names = tuple(x for x in names if "pcr" not in x)
    elif kind == "reservoir":
        names = _names(rf"_{wells or 12}_reservoir_")
    elif kind == "tube":
        names = _names(r"_24_tuberack_nest_") if wells is None else _names(rf"_{wells}_tuberack_")
    else:
        raise ValueError(kind)
    out = []
    for name in names:
        found = _summary(name)
        if found is not None:
            out.append(LabwareChoice(name, *found))
    return tuple(sorted(out, key=lambda c: (_vendor_rank(c.load_name), c.nominal_ul, c.load_name)))


def choose_labware(kind: str, wells: int | None, need_ul: float) -> LabwareChoice | None:
    """The labware of ``kind`` whose wells hold ``need_ul``: the smallest that fits among the
    common vendors' (any vendor's when none of theirs does); None when no labware of the kind
    holds that much."""
    fits = [c for c in candidates(kind, wells) if c.nominal_ul >= need_ul - 1e-9]
    if not fits:
        return None
    common = [c for c in fits if _vendor_rank(c.load_name) < 3] or fits
    return min(common, key=lambda c: (c.nominal_ul, _vendor_rank(c.load_name)))


def largest(kind: str, wells: int | None) -> LabwareChoice | None:
    found = candidates(kind, wells)
    return max(found, key=lambda c: c.nominal_ul) if found else None


# ---------------------------------------------------------------------------------- pipettes


def pipettes(robot: str, channels: int) -> list[PipetteInfo]:
    return [p for p in (load_pipette(n) for n in PIPETTES[robot]) if p.channels == channels]


def chunks(volume_ul: float, pip: PipetteInfo) -> list[float]:
    """How the Opentrons API splits ``volume_ul`` for this pipette (the deck twin's rule)."""
    return split_volume(volume_ul, pip.max_volume_ul)


def fits(volume_ul: float, pip: PipetteInfo) -> bool:
    return volume_ul >= pip.min_volume_ul - 1e-9 and all(
        c >= pip.min_volume_ul - 1e-9 for c in chunks(volume_ul, pip)
    )


def cost(volume_ul: float, pip: PipetteInfo) -> float:
    """Aspirations needed, plus a small penalty for using a large pipette for a small volume
    (accuracy falls near the bottom of a pipette's range)."""
    return len(chunks(volume_ul, pip)) + 0.1 * (pip.max_volume_ul / max(volume_ul, 1e-9)) ** 0.5


def smallest_volume(robot: str) -> float:
    return min(load_pipette(n).min_volume_ul for n in PIPETTES[robot])


def choose_mounts(
    robot: str, needs: list[tuple[float, int]]
) -> tuple[list[PipetteInfo], dict[int, PipetteInfo]] | None:
    """Up to two pipettes (one per mount) covering every (volume, channels) need at the lowest
    cost; returns them and, per need index, the pipette that does it. None: no pair covers all."""
    pool = [p for n in PIPETTES[robot] for p in [load_pipette(n)]]
    best: tuple[float, list[PipetteInfo], dict[int, PipetteInfo]] | None = None
    for i, a in enumerate(pool):
        for b in [None, *pool[i + 1 :]]:
            mounted = [a] if b is None else [a, b]
            assignment: dict[int, PipetteInfo] = {}
            total = 0.0
            for k, (volume, channels) in enumerate(needs):
                able = [p for p in mounted if p.channels == channels and fits(volume, p)]
                if not able:
                    break
                pick = min(able, key=lambda p: cost(volume, p))
                assignment[k] = pick
                total += cost(volume, pick)
            else:
                total += 0.5 * (len(mounted) - 1)  # a second pipette is worth half an aspiration
                if best is None or total < best[0]:
                    best = (total, mounted, assignment)
    return None if best is None else (best[1], best[2])


def tip_rack_for(pip: PipetteInfo, largest_chunk_ul: float) -> str:
    """The pipette's default rack of the smallest tip that holds the largest chunk."""
    by_size: list[tuple[float, str]] = []
    for name in pip.default_tipracks:
        info = _info(name)
        if info is not None and info.tip_volume_ul and "filter" not in name:
            by_size.append((info.tip_volume_ul, name))
    fitting = sorted(t for t in by_size if t[0] >= largest_chunk_ul - 1e-9)
    return (fitting or sorted(by_size, reverse=True))[0][1]


# ---------------------------------------------------------------------------------- modules


def module_range(module_type: str, quantity: str) -> tuple[float, float]:
    """A module's range from its definition; the Temperature Module's is its specification
    (4-95 degC: the verifier's hardware pass explains why the definition's 9 degC is not used)."""
    if module_type == "temperature" and quantity == "temperature":
        from labwright.verifiers.passes.hardware import TEMPERATURE_MODULE_SPEC_C

        return TEMPERATURE_MODULE_SPEC_C
    found = load_module(module_type).limits(quantity)
    if found is None:
        raise ValueError(f"{module_type} has no {quantity} range")
    return found


def racks_needed(picks: int, channels: int) -> int:
    """Tip racks for ``picks`` pick-ups (an 8-channel pick takes a column of 8 tips)."""
    per_rack = 96 // channels
    return max(1, math.ceil(picks / per_rack))
