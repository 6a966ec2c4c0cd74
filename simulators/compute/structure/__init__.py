"""labwright.simulators.compute.structure: global structure search.

AIRSS-style random sensible structures, relaxation with any ASE calculator (enthalpy at
pressure for periodic cells), basin hopping for clusters, duplicate removal by fingerprint, the
ranked list of distinct minima, convex hulls, Dask scale-out, and an agent tool.

    from labwright.simulators.compute.structure import SearchSettings, search
    outcome = search(SearchSettings(composition="LJ38", steps=10_000, seed=1))
    outcome.result.best_energy, outcome.best_atoms
"""

from labwright.simulators.compute.structure.basin_hopping import (
    BasinHoppingResult,
    BasinHoppingSettings,
    basin_hopping,
)
from labwright.simulators.compute.structure.calculators import CalculatorSpec
from labwright.simulators.compute.structure.composition import parse_composition
from labwright.simulators.compute.structure.fingerprint import same_structure, structure_fingerprint
from labwright.simulators.compute.structure.hull import HullEntry, HullPoint, convex_hull
from labwright.simulators.compute.structure.landscape import calculator_landscape, lj_landscape
from labwright.simulators.compute.structure.lennard_jones import (
    KNOWN_LJ_MINIMA,
    lj_energy_gradient,
    lj_relax,
    make_lj_calculator,
)
from labwright.simulators.compute.structure.minima import MinimaArchive, Minimum
from labwright.simulators.compute.structure.random_structures import random_cluster, random_periodic
from labwright.simulators.compute.structure.relax import Relaxed, relax
from labwright.simulators.compute.structure.search import (
    SearchOutcome,
    SearchResult,
    SearchSettings,
    search,
)
from labwright.simulators.compute.structure.tool import (
    StructureSearchInput,
    StructureSearchOutput,
    run_structure_search_tool,
)

__all__ = [
    "KNOWN_LJ_MINIMA",
    "BasinHoppingResult",
    "BasinHoppingSettings",
    "CalculatorSpec",
    "HullEntry",
    "HullPoint",
    "MinimaArchive",
    "Minimum",
    "Relaxed",
    "SearchOutcome",
    "SearchResult",
    "SearchSettings",
    "StructureSearchInput",
    "StructureSearchOutput",
    "basin_hopping",
    "calculator_landscape",
    "convex_hull",
    "lj_energy_gradient",
    "lj_landscape",
    "lj_relax",
    "make_lj_calculator",
    "parse_composition",
    "random_cluster",
    "random_periodic",
    "relax",
    "run_structure_search_tool",
    "same_structure",
    "search",
    "structure_fingerprint",
]
