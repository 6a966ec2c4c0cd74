"""Well capacities from inner-well geometry agree with Opentrons' own volume math on every
labware definition shipped with opentrons_shared_data, and feed the verifier's overflow check."""

from __future__ import annotations

import glob
import json
import math
import os

import opentrons_shared_data
import pytest
from labwright.simulators.deck.definitions import load_labware
from labwright.simulators.deck.well_volume import section_volume, well_capacity
from opentrons.protocol_engine.state.inner_well_math_utils import get_well_volumetric_capacity
from opentrons_shared_data.labware.labware_definition import InnerWellGeometry

_ROOT = os.path.join(os.path.dirname(opentrons_shared_data.__file__), "data", "labware", "definitions")


def _geometries() -> list[tuple[str, str, dict]]:
    out = []
    for path in sorted(glob.glob(os.path.join(_ROOT, "*", "*", "*.json"))):
        defn = json.load(open(path))
        for gid, geometry in (defn.get("innerLabwareGeometry") or {}).items():
            out.append((os.path.relpath(path, _ROOT), gid, geometry))
    return out


GEOMETRIES = _geometries()


def test_there_are_many_geometries_to_compare() -> None:
    assert len(GEOMETRIES) >= 100


def test_every_shipped_geometry_matches_opentrons() -> None:
    compared = 0
    for path, gid, geometry in GEOMETRIES:
        ours = sum(section_volume(s) for s in geometry["sections"])
        theirs = sum(v for _, v in get_well_volumetric_capacity(InnerWellGeometry.model_validate(geometry)))
        if any(s["shape"] == "squaredcone" for s in geometry["sections"]):
            assert ours >= theirs - 1e-6, (path, gid)  # an upper bound by design
            continue
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-9), (path, gid)
        compared += 1
    assert compared >= 100


def test_conical_pcr_well_holds_what_its_shape_holds_not_a_cylinder() -> None:
    info = load_labware("nest_96_wellplate_100ul_pcr_full_skirt")
    well = info.wells["A1"]
    cylinder = math.pi * (well.diameter / 2) ** 2 * well.depth
    assert well.nominal_ul == 100
    assert 200 < well.capacity_ul < 230 < cylinder  # 217.3 uL vs 329 uL for the cylinder


def test_definition_without_geometry_falls_back_to_the_prism() -> None:
    well = {"depth": 10.0, "shape": "rectangular", "xDimension": 8.0, "yDimension": 7.0}
    assert well_capacity(well, {}) == pytest.approx(560.0)
    well = {"depth": 10.0, "shape": "circular", "diameter": 2.0, "geometryDefinitionId": "missing"}
    assert well_capacity(well, {"innerLabwareGeometry": {}}) == pytest.approx(math.pi * 10)


def test_unknown_section_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="hexagonal"):
        section_volume({"shape": "hexagonal", "topHeight": 1, "bottomHeight": 0})
