"""Protocol drafts for the chat tests: one that verifies clean, and first drafts that are faulty
in each verifier category (what a language model's first attempt often gets wrong)."""

from __future__ import annotations

import copy
from typing import Any


def good() -> dict[str, Any]:
    """Fluorescein 1:2 serial dilution in PBS down column 1 of a flat 96-well plate, then read."""
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "Fluorescein serial dilution", "robot": "ot2"},
        "labware": [
            {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
            {"id": "reservoir", "load_name": "nest_12_reservoir_15ml", "slot": "2"},
            {"id": "plate", "load_name": "corning_96_wellplate_360ul_flat", "slot": "3"},
        ],
        "pipettes": [{"id": "p300", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
        "liquids": [
            {"id": "pbs", "name": "water", "smiles": "O", "initial_volumes": {"reservoir:A1": "10 mL"}},
            {
                "id": "dye",
                "name": "fluorescein",
                "cas": "2321-07-5",
                "concentration": "10 uM",
                "initial_volumes": {"reservoir:A2": "1 mL"},
            },
        ],
        "steps": [
            {
                "op": "transfer",
                "pipette": "p300",
                "volume": "200 uL",
                "source": "reservoir:A2",
                "dest": "plate:A1",
            },
            {
                "op": "distribute",
                "pipette": "p300",
                "volume": "100 uL",
                "source": "reservoir:A1",
                "dest": ["plate:B1", "plate:C1", "plate:D1", "plate:E1"],
            },
            {
                "op": "transfer",
                "pipette": "p300",
                "volume": "100 uL",
                "source": ["plate:A1", "plate:B1", "plate:C1", "plate:D1"],
                "dest": ["plate:B1", "plate:C1", "plate:D1", "plate:E1"],
                "mix_after": {"repetitions": 3, "volume": "50 uL"},
            },
            {
                "op": "measure",
                "labware": "plate",
                "wells": ["A1", "B1", "C1", "D1", "E1"],
                "kind": "fluorescence",
                "wavelength": "520 nm",
            },
        ],
    }


def _with(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(good())
    change(doc)
    return doc


def _set(path: list[Any], value: Any):
    def change(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _add_liquid(liquid: dict[str, Any], step: dict[str, Any]):
    def change(doc: dict[str, Any]) -> None:
        doc["liquids"].append(liquid)
        doc["steps"].append(step)

    return change


def _append_step(step: dict[str, Any]):
    def change(doc: dict[str, Any]) -> None:
        doc["steps"].append(step)

    return change


def _temperature(doc: dict[str, Any]) -> None:
    doc["modules"] = [{"id": "temp", "type": "temperature", "slot": "4"}]
    doc["steps"].append({"op": "set_temperature", "module": "temp", "temperature": "150 degC"})


def _hazard(doc: dict[str, Any]) -> None:
    """Bleach dispensed onto hydrochloric acid: chlorine."""
    doc["liquids"] += [
        {
            "id": "acid",
            "name": "hydrochloric acid",
            "concentration": "1 M",
            "initial_volumes": {"reservoir:A3": "5 mL"},
        },
        {
            "id": "bleach",
            "name": "sodium hypochlorite",
            "concentration": "6%",
            "initial_volumes": {"reservoir:A4": "5 mL"},
        },
    ]
    doc["steps"] += [
        {
            "op": "transfer",
            "pipette": "p300",
            "volume": "50 uL",
            "source": "reservoir:A3",
            "dest": "plate:A3",
        },
        {
            "op": "transfer",
            "pipette": "p300",
            "volume": "50 uL",
            "source": "reservoir:A4",
            "dest": "plate:A3",
            "new_tip": "always",
        },
    ]


class _Fresh(dict):
    """A mapping whose every lookup is a fresh deep copy: a test may change what it gets."""

    def __getitem__(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(super().__getitem__(key))


#: category -> a first draft with an error of that category (a model's typical first attempt)
FAULTY: dict[str, dict[str, Any]] = _Fresh(
    {
        "schema": _with(_set(["steps", 0, "op"], "teleport")),
        "reference": _with(_set(["steps", 0, "dest"], "plate:Z99")),
        "deck": _with(_set(["labware", 2, "slot"], "1")),
        "pipette": _with(_set(["pipettes", 0, "model"], "p20_single_gen2")),
        "volume": _with(_set(["steps", 0, "volume"], "900 uL")),
        "tip": _with(_set(["steps", 2, "new_tip"], "never")),
        "location": _with(_set(["steps", 0, "aspirate_offset_mm"], -5)),
        "temperature": _with(_temperature),
        "safety": _with(_hazard),
        "policy": _with(
            _add_liquid(
                {
                    "id": "standard",
                    "name": "sarin",
                    "concentration": "1 uM",
                    "initial_volumes": {"reservoir:A4": "5 mL"},
                },
                {
                    "op": "transfer",
                    "pipette": "p300",
                    "volume": "50 uL",
                    "source": "reservoir:A4",
                    "dest": "plate:A3",
                },
            )
        ),
    }
)
