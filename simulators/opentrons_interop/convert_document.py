"""The protocol document a conversion writes: metadata, labware, modules, pipettes, liquids, steps.

Labware is placed where it is loaded (a slot, a module, another labware, or off the deck); an
adapter that carries one labware for the whole run becomes that labware's ``adapter``. Liquids are
the defined liquids loaded into wells, with the identity the export wrote into their description
(``liquid_identity``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from labwright.protocols.findings import finding
from labwright.simulators.opentrons_interop.convert_state import Conversion, LoadedLabware, slug, unique
from labwright.simulators.opentrons_interop.liquid_identity import decode_liquid_identity

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")


def document(conv: Conversion) -> dict[str, Any]:
    """The labwright protocol document of everything converted."""
    meta = conv.cap.metadata
    labware_docs = _labware_docs(conv)
    modules = [
        {"id": m.id, "type": m.type, "model": m.model, **({"slot": m.slot} if m.slot else {})}
        for m in conv.modules.values()
    ]
    pipettes = []
    for engine_id, p in conv.pipettes.items():
        racks = [conv.labware[r].id for r in conv.pip_racks.get(engine_id, []) if conv.labware[r].id]
        pipettes.append({**p, "tip_racks": racks})
    used_custom = [
        conv.custom[lw.load_name] for lw in conv.labware.values() if lw.load_name in conv.custom and lw.id
    ]
    doc: dict[str, Any] = {
        "labwright": "labwright/1",
        "metadata": {
            "name": str(meta.get("protocolName") or conv.name)[:200] or conv.name,
            "robot": conv.robot,
            "description": str(meta.get("description") or ""),
            "author": str(meta.get("author") or ""),
        },
        "labware": labware_docs,
        "modules": modules,
        "pipettes": pipettes,
        "liquids": _liquid_docs(conv),
        "steps": conv.steps,
    }
    if used_custom:
        doc["custom_labware"] = list({id(d): d for d in used_custom}.values())
    return doc


# ------------------------------------------------------------------------------- labware


def _labware_docs(conv: Conversion) -> list[dict[str, Any]]:
    """Each labware where it is loaded: a slot (staging slots included), a module, another
    labware, or off the deck; ``move_labware`` steps take it from there."""
    docs: list[dict[str, Any]] = []
    for lw in conv.labware.values():
        if not lw.id or conv.folded(lw):
            continue
        where, adapter = _load_place(conv, lw)
        if where is None:
            continue
        doc: dict[str, Any] = {"id": lw.id, "load_name": lw.load_name, **where}
        doc.update(_labware_extras(lw, adapter))
        docs.append(doc)
    return docs


def _load_place(
    conv: Conversion, lw: LoadedLabware, depth: int = 0
) -> tuple[dict[str, Any] | None, str | None]:
    """(the placement fields of ``lw`` at its load, the load name of a folded adapter under it)."""
    if lw.arrives_mid_run:
        return {"off_deck": True}, None
    kind, ref = lw.placement
    if kind == "slot":
        return {"slot": ref}, None
    if kind == "module":
        mod = conv.modules.get(ref)
        return ({"module": mod.id} if mod else None), None
    if kind == "labware":
        parent = conv.labware.get(ref)
        if parent is None or depth > 4:
            return None, None
        if conv.folded(parent):
            where, _ = _load_place(conv, parent, depth + 1)
            return where, parent.load_name
        return ({"on_labware": parent.id} if parent.id else None), None
    return {"off_deck": True}, None


def _labware_extras(lw: LoadedLabware, adapter: str | None) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if adapter:
        extras["adapter"] = adapter
    if lw.namespace != "opentrons":
        extras["namespace"] = lw.namespace
    if lw.version is not None:
        extras["version"] = int(lw.version)
    if lw.label:
        extras["label"] = lw.label
    return extras


# ------------------------------------------------------------------------------- liquids


def _loaded_volumes(conv: Conversion) -> dict[str, dict[str, float]]:
    """Liquid engine id -> {``labware_id:WELL``: µL} of every load into a placed well."""
    by_liquid: dict[str, dict[str, float]] = defaultdict(dict)
    for liquid_id, lw_engine, well, volume in conv.loads:
        if liquid_id == "EMPTY":
            continue
        location = conv.loc(lw_engine, well)
        if location is None:
            continue
        by_liquid[liquid_id][location] = volume
    return by_liquid


def _liquid_docs(conv: Conversion) -> list[dict[str, Any]]:
    defined = {str(liq.get("id")): liq for liq in conv.cap.liquids}
    by_liquid = _loaded_volumes(conv)
    docs: list[dict[str, Any]] = []
    taken: set[str] = set(conv.taken_ids)
    for liquid_id, liq in defined.items():
        name = str(liq.get("displayName") or liquid_id)
        if liquid_id not in by_liquid:
            conv.note(
                f"unloaded-{liquid_id}",
                finding(
                    "IMPORT_LIQUID_NOT_LOADED",
                    "reference",
                    "info",
                    f"liquid {name!r} is defined but never loaded into a well; it is left out",
                    "load it with load_liquid, or remove the definition",
                    pointer="/liquids",
                ),
            )
            continue
        description, identity = decode_liquid_identity(str(liq.get("description") or ""))
        wanted = identity.pop("id", "")
        ident = wanted if IDENT.match(wanted) and wanted not in taken else slug(name, 60)
        doc: dict[str, Any] = {
            "id": unique(ident, taken),
            "name": name,
            "initial_volumes_ul": by_liquid[liquid_id],
        }
        doc.update(identity)
        if description:
            doc["description"] = description
        color = _color(liq.get("displayColor"))
        if color:
            doc["color"] = color
        docs.append(doc)
    return docs


def _color(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("root")
    if isinstance(value, str) and re.match(r"^#[0-9A-Fa-f]{6}", value):
        return value[:7]
    return None
