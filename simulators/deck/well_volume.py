"""How much liquid a well holds, from the inner-well geometry of its labware definition.

Newer Opentrons labware definitions describe each well's inside as stacked sections
(``innerLabwareGeometry``): conical frusta, cuboidal frusta, spherical caps and "squared cones"
(a cone cut by a square), each repeated ``xCount x yCount`` times (the many pyramid bottoms of a
one-well reservoir). A conical PCR well then holds what it really holds (217 uL for the 100 uL
NEST plate) instead of the 331 uL of a cylinder as deep and as wide as its top.

The formulas are the textbook solids: frustum ``pi h (R^2 + R r + r^2) / 3``, the prismatoid rule
``h (A_bottom + 4 A_middle + A_top) / 6`` (exact for a cuboid whose sides change linearly) and
the spherical cap ``pi h^2 (3 R - h) / 3``. Opentrons computes the same volumes in
``opentrons.protocol_engine.state.inner_well_math_utils``; the tests compare both on every
shipped definition. That module is not imported here because importing it costs about a second.

A squared cone is bounded by the cuboid of its square section (an upper bound: capacity is used
to refuse overflows, so it errs on the lenient side there only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _count(section: Mapping[str, Any]) -> int:
    return int(section.get("xCount", 1)) * int(section.get("yCount", 1))


def section_volume(section: Mapping[str, Any]) -> float:
    """Volume (uL = mm^3) of one section, all its repeats included."""
    shape = section["shape"]
    h = float(section["topHeight"]) - float(section["bottomHeight"])
    if shape == "conical":
        r, big_r = float(section["bottomDiameter"]) / 2, float(section["topDiameter"]) / 2
        one = math.pi * h * (big_r * big_r + big_r * r + r * r) / 3
    elif shape == "cuboidal":
        bx, by = float(section["bottomXDimension"]), float(section["bottomYDimension"])
        tx, ty = float(section["topXDimension"]), float(section["topYDimension"])
        middle = (bx + tx) / 2 * (by + ty) / 2
        one = h * (bx * by + 4 * middle + tx * ty) / 6
    elif shape == "spherical":
        radius = float(section["radiusOfCurvature"])
        one = math.pi * h * h * (3 * radius - h) / 3
    elif shape == "squaredcone":
        one = h * float(section["rectangleXDimension"]) * float(section["rectangleYDimension"])
    else:
        raise ValueError(f"unknown inner-well section shape {shape!r}")
    return one * _count(section)


def _prism_volume(well: Mapping[str, Any], height: float) -> float:
    if well.get("shape") == "circular":
        return math.pi * (float(well["diameter"]) / 2) ** 2 * height
    return float(well["xDimension"]) * float(well["yDimension"]) * height


def well_capacity(well: Mapping[str, Any], definition: Mapping[str, Any]) -> float:
    """The volume of ``well`` (a definition's well entry) up to its rim, in uL.

    From its inner-well geometry when the definition has one for it (any depth above the top
    section is counted as a straight prism of the well's opening); otherwise the prism of the
    well's opening and depth, as older definitions only allow.
    """
    depth = float(well["depth"])
    geometry_id = well.get("geometryDefinitionId")
    geometry = (definition.get("innerLabwareGeometry") or {}).get(geometry_id) if geometry_id else None
    if not geometry or not geometry.get("sections"):
        return _prism_volume(well, depth)
    sections = geometry["sections"]
    top = max(float(s["topHeight"]) for s in sections)
    return sum(section_volume(s) for s in sections) + _prism_volume(well, max(0.0, depth - top))
