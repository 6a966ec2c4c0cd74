"""Hardware facts from the Opentrons definitions shipped in ``opentrons_shared_data``.

Nothing here is hand-copied: well volumes and geometry, tip capacities, pipette volume ranges
and nozzle layouts, module limits and allowed slots all come from the JSON definitions that the
pinned ``opentrons==9.0.0`` ships. Only ``opentrons_shared_data`` is imported (not the
``opentrons`` package), which keeps validation fast.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from labwright.protocols.errors import DefinitionNotFoundError
from labwright.simulators.deck.well_volume import well_capacity

# ------------------------------------------------------------------------------ data roots


@lru_cache(maxsize=1)
def shared_data_root() -> Path:
    from opentrons_shared_data import get_shared_data_root

    return Path(get_shared_data_root())


# ---------------------------------------------------------------------------------- labware


@dataclass(frozen=True)
class WellGeometry:
    name: str
    x: float
    y: float
    z: float  # bottom of the well, from the labware's bottom
    depth: float
    nominal_ul: float  # totalLiquidVolume: the label
    capacity_ul: float  # geometric volume up to the rim (inner-well geometry when defined)
    shape: str
    diameter: float | None = None
    x_dim: float | None = None
    y_dim: float | None = None

    def contains_xy(self, x: float, y: float, tol: float = 0.5) -> bool:
        if self.shape == "circular" and self.diameter is not None:
            return math.hypot(x - self.x, y - self.y) <= self.diameter / 2 + tol
        hx = (self.x_dim or 0) / 2 + tol
        hy = (self.y_dim or 0) / 2 + tol
        return abs(x - self.x) <= hx and abs(y - self.y) <= hy


@dataclass(frozen=True)
class LabwareInfo:
    load_name: str
    namespace: str
    version: int
    display_name: str
    category: str
    is_tiprack: bool
    height_mm: float
    ordering: tuple[tuple[str, ...], ...]  # columns of well names
    wells: dict[str, WellGeometry] = field(repr=False)
    tip_volume_ul: float | None = None
    is_adapter: bool = False
    quirks: tuple[str, ...] = ()
    definition: dict[str, Any] = field(repr=False, default_factory=dict)
    roles: tuple[str, ...] = ()  # allowedRoles: labware, adapter, lid, fixture, system
    # stackingOffsetWithLabware keys: the labware it may sit on ("default": any, unless
    # compatibleParentLabware lists them)
    stacks_on: tuple[str, ...] = ()
    compatible_parents: tuple[str, ...] | None = None  # compatibleParentLabware (lids)

    @property
    def is_lid(self) -> bool:
        return "lid" in self.roles

    @property
    def gripper_compatible(self) -> bool:
        """Opentrons' ``validate_gripper_compatible``: no ``gripperIncompatible`` quirk."""
        return "gripperIncompatible" not in self.quirks

    @property
    def well_names(self) -> list[str]:
        return [w for column in self.ordering for w in column]

    def well_at(self, x: float, y: float) -> str | None:
        for w in self.wells.values():
            if w.contains_xy(x, y):
                return w.name
        return None


def labware_info_from_definition(defn: dict[str, Any]) -> LabwareInfo:
    wells: dict[str, WellGeometry] = {}
    for name, w in defn.get("wells", {}).items():
        wells[name] = WellGeometry(
            name=name,
            x=float(w["x"]),
            y=float(w["y"]),
            z=float(w["z"]),
            depth=float(w["depth"]),
            nominal_ul=float(w.get("totalLiquidVolume", 0.0)),
            capacity_ul=max(well_capacity(w, defn), float(w.get("totalLiquidVolume", 0.0))),
            shape=w.get("shape", "circular"),
            diameter=w.get("diameter"),
            x_dim=w.get("xDimension"),
            y_dim=w.get("yDimension"),
        )
    params = defn.get("parameters", {})
    is_tiprack = bool(params.get("isTiprack"))
    tip_volume = None
    if is_tiprack and wells:
        tip_volume = next(iter(wells.values())).nominal_ul
    category = defn.get("metadata", {}).get("displayCategory", "")
    roles = tuple(defn.get("allowedRoles") or ())
    parents = defn.get("compatibleParentLabware")
    return LabwareInfo(
        load_name=params.get("loadName", ""),
        namespace=defn.get("namespace", "custom_beta"),
        version=int(defn.get("version", 1)),
        display_name=defn.get("metadata", {}).get("displayName", ""),
        category=category,
        is_tiprack=is_tiprack,
        height_mm=float(defn.get("dimensions", {}).get("zDimension", 0.0)),
        ordering=tuple(tuple(col) for col in defn.get("ordering", [])),
        wells=wells,
        tip_volume_ul=tip_volume,
        # Opentrons tells an adapter by its allowedRoles (an aluminium block is one too)
        is_adapter=category == "adapter" or "adapter" in roles,
        quirks=tuple(params.get("quirks") or ()),
        definition=defn,
        roles=roles,
        stacks_on=tuple(defn.get("stackingOffsetWithLabware") or ()),
        compatible_parents=tuple(parents) if isinstance(parents, list) else None,
    )


def labware_versions(load_name: str, namespace: str = "opentrons") -> list[int]:
    base = shared_data_root() / "labware" / "definitions" / "2" / load_name
    if namespace != "opentrons" or not base.is_dir():
        return []
    return sorted(int(p.stem) for p in base.glob("*.json") if p.stem.isdigit())


@lru_cache(maxsize=512)
def _shipped_labware(load_name: str, version: int | None) -> LabwareInfo:
    versions = labware_versions(load_name)
    if not versions:
        raise DefinitionNotFoundError(
            f"no Opentrons labware definition named {load_name!r}",
            hint=f"check the load name; close matches: {', '.join(close_labware(load_name)) or 'none'}"
            "; or supply a custom definition (custom_labware / --custom-labware)",
        )
    chosen = version if version is not None else versions[-1]
    if chosen not in versions:
        raise DefinitionNotFoundError(
            f"labware {load_name!r} has no version {version}; shipped: {versions}",
            hint="omit `version` to use the newest",
        )
    path = shared_data_root() / "labware" / "definitions" / "2" / load_name / f"{chosen}.json"
    return labware_info_from_definition(json.loads(path.read_text()))


def load_labware(
    load_name: str,
    namespace: str = "opentrons",
    version: int | None = None,
    custom: dict[str, dict[str, Any]] | None = None,
) -> LabwareInfo:
    """The labware's facts: a custom definition wins over a shipped one of the same name."""
    if custom and load_name in custom:
        try:
            return labware_info_from_definition(custom[load_name])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
            raise DefinitionNotFoundError(
                f"custom labware definition {load_name!r} is malformed ({what})",
                hint="supply a complete Opentrons labware definition (schema 2): every well needs "
                "x, y, z, depth, shape and a diameter or xDimension/yDimension",
            ) from None
    return _shipped_labware(load_name, version)


@lru_cache(maxsize=1)
def all_labware_names() -> tuple[str, ...]:
    base = shared_data_root() / "labware" / "definitions" / "2"
    return tuple(sorted(p.name for p in base.iterdir() if p.is_dir()))


def close_labware(load_name: str, n: int = 3) -> list[str]:
    import difflib

    return difflib.get_close_matches(load_name, all_labware_names(), n=n, cutoff=0.6)


# ---------------------------------------------------------------------------------- pipettes


@dataclass(frozen=True)
class PipetteInfo:
    name: str  # API name as written in protocols, e.g. p300_single_gen2
    shared_name: str  # shared-data name, e.g. p300_single_gen2 / p1000_single_flex
    channels: int
    min_volume_ul: float
    max_volume_ul: float
    tip_volumes_ul: tuple[float, ...]  # supported tip sizes
    default_tipracks: tuple[str, ...]  # load names
    nozzle_offsets: tuple[tuple[float, float], ...]  # (dx, dy) of each channel from the first
    robot: str  # "ot2" or "flex"
    nozzle_names: tuple[str, ...] = ("A1",)  # the name of each nozzle, in nozzle_offsets' order


@lru_cache(maxsize=1)
def pipette_api_names() -> dict[str, str]:
    from opentrons_shared_data.pipette.types import PIPETTE_API_NAMES_MAP

    return {api: str(v.value) for api, v in PIPETTE_API_NAMES_MAP.items()}


@lru_cache(maxsize=1)
def _successors() -> dict[str, tuple[str, ...]]:
    """API name -> the newer pipettes that run protocols written for it (the definitions'
    ``backCompatNames``: a P20 Single GEN2 runs a protocol that loads ``p10_single``)."""
    from opentrons_shared_data.pipette import load_data
    from opentrons_shared_data.pipette import pipette_load_name_conversions as conv
    from opentrons_shared_data.pipette.types import PipetteOEMType

    out: dict[str, tuple[str, ...]] = {}
    for api, shared in pipette_api_names().items():
        mv = conv.convert_pipette_name(shared)  # type: ignore[arg-type]
        cfg = load_data.load_definition(
            mv.pipette_type, mv.pipette_channels, mv.pipette_version, PipetteOEMType.OT
        )
        for old in cfg.pipette_backcompat_names or []:
            out[str(old)] = (*out.get(str(old), ()), api)
    return out


def successor_pipettes(name: str) -> tuple[str, ...]:
    """The API names of the pipettes that may be attached when a protocol loads ``name``."""
    return _successors().get(name, ())


@lru_cache(maxsize=64)
def load_pipette(name: str) -> PipetteInfo:
    from opentrons_shared_data.pipette import load_data
    from opentrons_shared_data.pipette import pipette_load_name_conversions as conv
    from opentrons_shared_data.pipette.types import PipetteOEMType

    names = pipette_api_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, list(names), n=3)
        raise DefinitionNotFoundError(
            f"no Opentrons pipette named {name!r}",
            hint=f"use an API name such as {', '.join(close or list(names)[:4])}",
        )
    shared = names[name]
    mv = conv.convert_pipette_name(shared)  # type: ignore[arg-type]
    cfg = load_data.load_definition(
        mv.pipette_type, mv.pipette_channels, mv.pipette_version, PipetteOEMType.OT
    )
    props = next(iter(cfg.liquid_properties.values()))
    for key, value in cfg.liquid_properties.items():
        if str(getattr(key, "name", key)) == "default":
            props = value
    tips = tuple(sorted(float(t.value) for t in props.supported_tips))
    racks = tuple(r.split("/")[1] for r in (props.default_tipracks or []))
    nozzles = list(cfg.nozzle_map.items())
    x0, y0 = nozzles[0][1][0], nozzles[0][1][1]
    channels = int(cfg.channels)
    if channels == 8:
        nozzles.sort(key=lambda item: -item[1][1])  # back (A) to front (H)
    offsets = tuple((round(p[0] - x0, 3), round(p[1] - y0, 3)) for _, p in nozzles)
    return PipetteInfo(
        name=name,
        shared_name=shared,
        channels=channels,
        min_volume_ul=float(props.min_volume),
        max_volume_ul=float(props.max_volume),
        tip_volumes_ul=tips,
        default_tipracks=racks,
        nozzle_offsets=offsets[:channels] if channels > 1 else ((0.0, 0.0),),
        robot="flex" if name.startswith("flex") else "ot2",
        nozzle_names=tuple(n for n, _ in nozzles[:channels]) if channels > 1 else ("A1",),
    )


# ---------------------------------------------------------------------------------- modules

DEFAULT_MODULE_MODEL = {
    "temperature": "temperatureModuleV2",
    "magnetic": "magneticModuleV2",
    "magnetic_block": "magneticBlockV1",
    "heater_shaker": "heaterShakerModuleV1",
    "thermocycler": "thermocyclerModuleV2",
    "plate_reader": "absorbanceReaderV1",
}
MODULE_TYPE_OF_DEF = {
    "temperatureModuleType": "temperature",
    "magneticModuleType": "magnetic",
    "magneticBlockType": "magnetic_block",
    "heaterShakerModuleType": "heater_shaker",
    "thermocyclerModuleType": "thermocycler",
    "absorbanceReaderType": "plate_reader",
}
# Opentrons API load names (ProtocolContext.load_module) of each model.
MODULE_API_NAME = {
    "temperatureModuleV1": "temperature module",
    "temperatureModuleV2": "temperature module gen2",
    "magneticModuleV1": "magnetic module",
    "magneticModuleV2": "magnetic module gen2",
    "magneticBlockV1": "magneticBlockV1",
    "heaterShakerModuleV1": "heaterShakerModuleV1",
    "thermocyclerModuleV1": "thermocycler module",
    "thermocyclerModuleV2": "thermocycler module gen2",
    "absorbanceReaderV1": "absorbanceReaderV1",
}


@dataclass(frozen=True)
class ModuleInfo:
    model: str
    type: str
    display_name: str
    config: dict[str, float]
    allowed_slots: dict[str, tuple[str, ...]]  # deck ("ot2"/"flex") -> slots
    height_mm: float
    labware_offset_z: float
    definition: dict[str, Any] = field(repr=False, default_factory=dict)

    def limits(self, quantity: str) -> tuple[float, float] | None:
        """(min, max) of temperature/lid/speed/engage height, from the definition's config."""
        c = self.config
        keys = {
            "temperature": [
                ("minTemperature", "maxTemperature"),
                ("minPlateTemperature", "maxPlateTemperature"),
                ("minBlockTemperature", "maxBlockTemperature"),
            ],
            "lid": [("minLidTemperature", "maxLidTemperature")],
            "speed": [("minShakeSpeed", "maxShakeSpeed")],
        }.get(quantity, [])
        for lo, hi in keys:
            if lo in c and hi in c:
                return float(c[lo]), float(c[hi])
        if quantity == "engage" and "maxEngageHeight" in c:
            # GEN2 magnets reach 2.5 mm below the labware bottom (Opentrons API docs: engage).
            low = -2.5 if self.model == "magneticModuleV2" else 0.0
            return low, float(c["maxEngageHeight"])
        return None


@lru_cache(maxsize=32)
def load_module(module_type: str, model: str | None = None) -> ModuleInfo:
    model = model or DEFAULT_MODULE_MODEL.get(module_type)
    path = shared_data_root() / "module" / "definitions" / "3" / f"{model}.json"
    if model is None or not path.exists():
        known = [m for m, t in _module_types().items() if t == module_type]
        raise DefinitionNotFoundError(
            f"no Opentrons module model {model!r} for a {module_type} module",
            hint=f"use one of {', '.join(known) or sorted(DEFAULT_MODULE_MODEL)} or omit `model`",
        )
    d = json.loads(path.read_text())
    actual_type = MODULE_TYPE_OF_DEF.get(d["moduleType"], d["moduleType"])
    if actual_type != module_type:
        raise DefinitionNotFoundError(
            f"module model {model!r} is a {actual_type} module, not a {module_type} module",
            hint=f"set type: {actual_type} or choose a {module_type} model",
        )
    return ModuleInfo(
        model=model,
        type=actual_type,
        display_name=d.get("displayName", model),
        config={k: float(v) for k, v in d.get("config", {}).items() if isinstance(v, int | float)},
        allowed_slots=_module_slots(model, d),
        height_mm=float(d["dimensions"].get("bareOverallHeight", 0.0)),
        labware_offset_z=float(d.get("labwareOffset", {}).get("z", 0.0)),
        definition=d,
    )


@lru_cache(maxsize=1)
def _module_types() -> dict[str, str]:
    out = {}
    for p in (shared_data_root() / "module" / "definitions" / "3").glob("*.json"):
        d = json.loads(p.read_text())
        out[p.stem] = MODULE_TYPE_OF_DEF.get(d["moduleType"], d["moduleType"])
    return out


def _module_slots(model: str, d: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    incompatible = set(d.get("incompatibleWithDecks", []))
    if "ot2_standard" not in incompatible:
        deck = deck_definition("ot2")
        mtype = d["moduleType"]
        out["ot2"] = tuple(
            a["id"]
            for a in deck["locations"]["addressableAreas"]
            if mtype in (a.get("compatibleModuleTypes") or [])
        )
    if "ot3_standard" not in incompatible:
        deck = deck_definition("flex")
        slots: list[str] = []
        for fixture in deck["cutoutFixtures"]:
            if fixture["id"] in (model, f"{model}Front"):
                slots += [c.removeprefix("cutout") for c in fixture["mayMountTo"]]
        out["flex"] = tuple(slots)
    return out


# ------------------------------------------------------------------------------------ decks


@lru_cache(maxsize=2)
def deck_definition(robot: str) -> dict[str, Any]:
    name = "ot2_standard" if robot == "ot2" else "ot3_standard"
    return json.loads((shared_data_root() / "deck" / "definitions" / "5" / f"{name}.json").read_text())


@lru_cache(maxsize=2)
def deck_slots(robot: str) -> tuple[str, ...]:
    """Slots that can hold labware or a module (fixed-trash areas excluded)."""
    areas = deck_definition(robot)["locations"]["addressableAreas"]
    return tuple(a["id"] for a in areas if a.get("areaType") in ("slot", "stagingSlot"))


@lru_cache(maxsize=1)
def modules_beside_staging() -> frozenset[str]:
    """Module models that may share a Flex column-3 cutout with the staging slot beside it: a
    cutout fixture of the deck definition provides both (``stagingAreaSlotWithMagneticBlockV1``).
    Any other module there leaves no room for the staging area."""
    out: set[str] = set()
    for fixture in deck_definition("flex")["cutoutFixtures"]:
        for areas in fixture.get("providesAddressableAreas", {}).values():
            if any(len(a) == 2 and a[1] == "4" for a in areas):
                out |= {model for model in MODULE_API_NAME for a in areas if a.startswith(model)}
    return frozenset(out)


# The OT-2 fixed trash is slot 12; a Flex protocol names its trash bin's slot (default A3,
# where the Opentrons app places it).
DEFAULT_TRASH_SLOT = {"ot2": "12", "flex": "A3"}

# Slots a thermocycler covers besides its own (Opentrons API docs, "Thermocycler Module":
# OT-2 slots 7, 8, 10 and 11; Flex slots A1 and B1).
THERMOCYCLER_FOOTPRINT = {"ot2": ("7", "8", "10", "11"), "flex": ("A1", "B1")}
