"""Typed views of the Opentrons protocol-engine commands the conversion reads.

The analysis returns each command as the JSON of its pydantic model
(``{"id", "commandType", "status", "params", "result", "createdAt", ...}``). ``EngineCommand``
names the fields the conversion uses (pipette, labware, well, module, volume, the well location
and the position the simulator reached), so that the converter reads attributes, not nested
dicts. ``Placement`` is where a labware is loaded or moved to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Placement(NamedTuple):
    """("slot", s) | ("module", engine id) | ("labware", engine id) | ("offdeck", "")."""

    kind: str
    ref: str

    @classmethod
    def of(cls, location: Any) -> Placement:
        """The placement of an engine ``location`` / ``newLocation`` parameter."""
        if isinstance(location, dict):
            if "slotName" in location:
                return cls("slot", str(location["slotName"]))
            if "addressableAreaName" in location:
                return cls("slot", str(location["addressableAreaName"]))
            if "moduleId" in location:
                return cls("module", str(location["moduleId"]))
            if "labwareId" in location:
                return cls("labware", str(location["labwareId"]))
        return OFF_DECK


OFF_DECK = Placement("offdeck", "")


@dataclass(frozen=True)
class WellLocation:
    """A command's ``wellLocation``: origin (top, bottom, center, meniscus, ...) and z offset."""

    origin: str | None = None  # None: the command names no origin
    z: float = 0.0

    @classmethod
    def of(cls, value: Any) -> WellLocation:
        wl = value or {}
        origin = wl.get("origin")
        return cls(None if origin is None else str(origin), float((wl.get("offset") or {}).get("z", 0.0)))

    def height(self, depth: float) -> float | None:
        """Height above the well bottom for an origin that does not depend on the liquid."""
        origin = self.origin or "top"
        if origin == "bottom":
            return self.z
        if origin == "top":
            return depth + self.z
        if origin == "center":
            return depth / 2 + self.z
        return None  # meniscus-relative


FIXED_ORIGINS = ("top", "bottom", "center")


@dataclass(frozen=True)
class EngineCommand:
    """One engine command, as the conversion reads it."""

    id: str
    command_type: str
    status: str | None
    params: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> EngineCommand:
        return cls(
            id=str(doc.get("id", "")),
            command_type=str(doc.get("commandType", "")),
            status=doc.get("status"),
            params=doc.get("params") or {},
            result=doc.get("result") or {},
            created_at=doc.get("createdAt"),
        )

    @property
    def succeeded(self) -> bool:
        return self.status in (None, "succeeded")

    @property
    def pipette_id(self) -> str:
        return str(self.params.get("pipetteId", ""))

    @property
    def labware_id(self) -> str:
        return str(self.params.get("labwareId", ""))

    @property
    def well_name(self) -> str:
        return str(self.params.get("wellName", ""))

    @property
    def module_id(self) -> str:
        return str(self.params.get("moduleId", ""))

    @property
    def volume(self) -> float:
        return float(self.params.get("volume", 0.0))

    @property
    def celsius(self) -> float:
        return float(self.params["celsius"])

    @property
    def well_location(self) -> WellLocation:
        return WellLocation.of(self.params.get("wellLocation"))

    @property
    def reached_z(self) -> float | None:
        """The z of the position the simulator moved the pipette to, when it reports one."""
        z = (self.result.get("position") or {}).get("z")
        return None if z is None else float(z)

    def result_id(self, key: str) -> str:
        """The id the command loaded (``labwareId``, ``moduleId``, ``pipetteId``)."""
        return str(self.result.get(key) or self.params.get(key) or self.id)
