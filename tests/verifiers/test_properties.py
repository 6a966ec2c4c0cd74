"""Property-based tests of the verifier and of `labwright validate`.

1. Random well-formed protocols, built from real Opentrons labware, pipette and module names
   with random steps, volumes and wells, never crash the verifier: it returns a Report whose
   findings are well-formed (findings are allowed; that is the point of the verifier).
2. Random malformed input (random YAML/JSON structures, mutated valid protocols, random unit
   strings, huge/negative/non-finite numbers, garbage bytes) through `labwright validate --json`
   (in process, typer's CliRunner) always ends in exit 2 (unusable input) or a findings report
   (exit 0/1, one JSON object), never a traceback.

Default run: a few hundred examples in total, no deadline (the first verification loads the
Opentrons definitions).
"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from faulty_corpus import CLEAN, FAULTY, expected
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labwright.protocols.findings import Category, Finding, Severity
from labwright.protocols.io import read_document
from labwright.simulators.deck.definitions import load_labware, load_pipette
from labwright.verifiers.verifier import Report, VerifyOptions, verify_document
from typer.testing import CliRunner

from labwright.cli import app

ROOT = Path(__file__).resolve().parents[2]
# LABWRIGHT_PROPERTY_EXAMPLES=2000 for a deeper run; the default keeps the file under a minute
EXAMPLES = int(os.environ.get("LABWRIGHT_PROPERTY_EXAMPLES", "120"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    derandomize=False,
)

# ------------------------------------------------------------------------------ real hardware

OT2_SLOTS = [str(i) for i in range(1, 12)]
FLEX_SLOTS = ["A1", "A2", "B1", "B2", "B3", "C1", "C2", "C3", "D1", "D2", "D3"]
PLATES = [
    "corning_96_wellplate_360ul_flat",
    "nest_96_wellplate_100ul_pcr_full_skirt",
    "nest_96_wellplate_2ml_deep",
    "nest_12_reservoir_15ml",
    "nest_1_reservoir_195ml",
    "opentrons_24_tuberack_eppendorf_1.5ml_safelock_snapcap",
    "corning_384_wellplate_112ul_flat",
    "opentrons_15_tuberack_falcon_15ml_conical",
    "biorad_96_wellplate_200ul_pcr",
]
PIPETTES = {
    "ot2": ["p20_single_gen2", "p300_single_gen2", "p1000_single_gen2", "p20_multi_gen2", "p300_multi_gen2"],
    "flex": ["flex_1channel_50", "flex_1channel_1000", "flex_8channel_50", "flex_8channel_1000"],
}
MODULES = {
    "ot2": [
        ("temperature", "opentrons_96_aluminumblock_nest_wellplate_100ul"),
        ("magnetic", "nest_96_wellplate_100ul_pcr_full_skirt"),
        ("heater_shaker", "nest_96_wellplate_2ml_deep"),
        ("thermocycler", "nest_96_wellplate_100ul_pcr_full_skirt"),
    ],
    "flex": [
        ("temperature", "opentrons_96_aluminumblock_nest_wellplate_100ul"),
        ("heater_shaker", "nest_96_wellplate_2ml_deep"),
        ("thermocycler", "nest_96_wellplate_100ul_pcr_full_skirt"),
        ("magnetic_block", "nest_96_wellplate_100ul_pcr_full_skirt"),
    ],
}


@cache
def wells_of(load_name: str) -> tuple[str, ...]:
    return tuple(load_labware(load_name).well_names)


@cache
def tiprack_for(pipette: str) -> str:
    return load_pipette(pipette).default_tipracks[0]


# a short key (`volume:`) takes a value with its unit
volumes = st.one_of(
    st.floats(min_value=0.0, max_value=2500.0, allow_nan=False).map(lambda v: f"{v:.4g} uL"),
    st.integers(min_value=0, max_value=1500).map(lambda v: f"{v} uL"),
    st.floats(min_value=0.0, max_value=2.0, allow_nan=False).map(lambda v: f"{v:.3f} mL"),
    st.just({"value": 25, "unit": "uL"}),
)


@st.composite
def well_formed_protocols(draw: st.DrawFn) -> dict[str, Any]:
    robot = draw(st.sampled_from(["ot2", "flex"]))
    slots = list(OT2_SLOTS if robot == "ot2" else FLEX_SLOTS)
    slots = draw(st.permutations(slots))
    take = iter(slots)
    pipettes: list[dict[str, Any]] = []
    labware: list[dict[str, Any]] = []
    for mount in draw(st.sampled_from([["left"], ["right"], ["left", "right"]])):
        model = draw(st.sampled_from(PIPETTES[robot]))
        rack = f"tips_{mount}"
        labware.append({"id": rack, "load_name": tiprack_for(model), "slot": next(take)})
        pipettes.append({"id": f"p_{mount}", "model": model, "mount": mount, "tip_racks": [rack]})
    modules: list[dict[str, Any]] = []
    for k, (mtype, on_it) in enumerate(
        draw(st.lists(st.sampled_from(MODULES[robot]), max_size=2, unique=True))
    ):
        mod: dict[str, Any] = {"id": f"mod{k}", "type": mtype}
        if mtype != "thermocycler":
            mod["slot"] = next(take)
        modules.append(mod)
        labware.append({"id": f"on_mod{k}", "load_name": on_it, "module": f"mod{k}"})
    for k in range(draw(st.integers(min_value=1, max_value=3))):
        slot = next(take)
        if robot == "ot2" and draw(st.booleans()):
            slot = int(slot)  # YAML users write `slot: 3`
        labware.append({"id": f"lw{k}", "load_name": draw(st.sampled_from(PLATES)), "slot": slot})
    holders = [lw for lw in labware if not lw["id"].startswith("tips_")]

    def location() -> str:
        lw = draw(st.sampled_from(holders))
        return f"{lw['id']}:{draw(st.sampled_from(wells_of(lw['load_name'])))}"

    liquids = []
    for k in range(draw(st.integers(min_value=0, max_value=3))):
        spots = {location(): draw(volumes) for _ in range(draw(st.integers(min_value=1, max_value=3)))}
        liquids.append(
            {
                "id": f"liq{k}",
                "name": draw(st.sampled_from(["water", "buffer", "dye", "sample"])),
                "initial_volumes": spots,
            }
        )

    pip_ids = [p["id"] for p in pipettes]
    steps: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        op = draw(
            st.sampled_from(
                [
                    "transfer",
                    "distribute",
                    "consolidate",
                    "aspirate",
                    "dispense",
                    "mix",
                    "pick_up_tip",
                    "drop_tip",
                    "return_tip",
                    "blow_out",
                    "touch_tip",
                    "air_gap",
                    "delay",
                    "comment",
                    "module",
                    "measure",
                ]
            )
        )
        pip = draw(st.sampled_from(pip_ids))
        if op == "transfer":
            n = draw(st.integers(min_value=1, max_value=4))
            steps.append(
                {
                    "op": op,
                    "pipette": pip,
                    "volume": draw(volumes),
                    "source": [location() for _ in range(n)],
                    "dest": [location() for _ in range(n)],
                    "new_tip": draw(st.sampled_from(["once", "always", "never"])),
                    "air_gap": draw(st.sampled_from(["0 uL", "2 uL", "10 uL"])),
                    "mix_after": draw(
                        st.none()
                        | st.builds(lambda r, v: {"repetitions": r, "volume": v}, st.integers(1, 3), volumes)
                    ),
                }
            )
            if steps[-1]["mix_after"] is None:
                del steps[-1]["mix_after"]
        elif op == "distribute":
            steps.append(
                {
                    "op": op,
                    "pipette": pip,
                    "volume": draw(volumes),
                    "source": location(),
                    "dest": [location() for _ in range(draw(st.integers(1, 5)))],
                }
            )
        elif op == "consolidate":
            steps.append(
                {
                    "op": op,
                    "pipette": pip,
                    "volume": draw(volumes),
                    "source": [location() for _ in range(draw(st.integers(1, 5)))],
                    "dest": location(),
                }
            )
        elif op in ("aspirate", "dispense"):
            step = {
                "op": op,
                "pipette": pip,
                "volume": draw(volumes),
                "location": location(),
                "position": draw(st.sampled_from(["bottom", "top", "center"])),
            }
            if draw(st.booleans()):
                step["offset"] = f"{draw(st.floats(min_value=-5, max_value=20)):.2f} mm"
            steps.append(step)
        elif op == "mix":
            steps.append(
                {
                    "op": op,
                    "pipette": pip,
                    "volume": draw(volumes),
                    "location": location(),
                    "repetitions": draw(st.integers(1, 5)),
                }
            )
        elif op in ("pick_up_tip", "drop_tip", "return_tip"):
            steps.append({"op": op, "pipette": pip})
        elif op in ("blow_out", "touch_tip"):
            steps.append({"op": op, "pipette": pip, "location": location()})
        elif op == "air_gap":
            steps.append({"op": op, "pipette": pip, "volume": draw(volumes)})
        elif op == "delay":
            steps.append({"op": op, "duration": f"{draw(st.integers(0, 600))} s"})
        elif op == "comment":
            steps.append({"op": op, "text": draw(st.text(max_size=30))})
        elif op == "measure":
            lw = draw(st.sampled_from(holders))
            steps.append({"op": op, "labware": lw["id"], "kind": "absorbance", "wavelength": "450 nm"})
        elif modules:
            mod = draw(st.sampled_from(modules))
            kind = draw(
                st.sampled_from(
                    ["set_temperature", "deactivate", "engage_magnets", "shake", "open_lid", "close_lid"]
                )
            )
            step = {"op": kind, "module": mod["id"]}
            if kind == "set_temperature":
                step["temperature"] = f"{draw(st.integers(-10, 130))} degC"
            if kind == "shake":
                step |= {"speed": f"{draw(st.integers(0, 4000))} rpm", "duration": "10 s"}
            steps.append(step)
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "random protocol", "robot": robot},
        "labware": labware,
        "modules": modules,
        "pipettes": pipettes,
        "liquids": liquids,
        "steps": steps,
    }


def _check_report(report: Report, doc: Any) -> None:
    assert isinstance(report, Report)
    n_steps = len(doc.get("steps") or []) if isinstance(doc, dict) else 0
    for f in report.findings:
        assert isinstance(f, Finding)
        assert isinstance(f.category, Category) and isinstance(f.severity, Severity)
        assert f.message
        assert f.pointer == "" or f.pointer.startswith("/")
        if f.step is not None:
            assert 0 <= f.step < max(n_steps, 1)
    assert report.ok == all(f.severity is not Severity.ERROR for f in report.findings)
    json.dumps(report.to_json())  # machine output always serialises


@SETTINGS
@given(doc=well_formed_protocols())
def test_random_well_formed_protocols_never_crash_the_verifier(doc: dict[str, Any]) -> None:
    options = VerifyOptions(certify=True)
    report = verify_document(doc, options, source="random")
    _check_report(report, doc)
    assert report.protocol is not None, [f.message for f in report.findings]  # well-formed: parses
    if report.ok:
        assert report.certificate is not None
    again = verify_document(doc, VerifyOptions(certify=False))
    assert [f.model_dump() for f in again.findings] == [f.model_dump() for f in report.findings]


# --------------------------------------------------------------------------- malformed, via CLI

RUNNER = CliRunner()
KEYS = [
    "labwright",
    "metadata",
    "name",
    "robot",
    "labware",
    "modules",
    "pipettes",
    "liquids",
    "steps",
    "op",
    "volume",
    "volume_ul",
    "source",
    "dest",
    "location",
    "pipette",
    "slot",
    "load_name",
    "id",
    "custom_labware",
    "parameters",
    "loadName",
    "wells",
    "ordering",
    "x",
    "depth",
    "diameter",
]


def _custom_seed() -> dict[str, Any]:
    """A protocol using a custom labware definition (a real one, renamed), to mutate."""
    defn = json.loads(json.dumps(load_labware("nest_12_reservoir_15ml").definition))
    defn["parameters"]["loadName"] = "lab_trough_12"
    defn["namespace"] = "custom_beta"
    return {
        "labwright": "labwright/1",
        "metadata": {"name": "custom trough", "robot": "ot2"},
        "labware": [
            {"id": "tips", "load_name": "opentrons_96_tiprack_300ul", "slot": "1"},
            {"id": "trough", "load_name": "lab_trough_12", "slot": "2"},
        ],
        "pipettes": [{"id": "p", "model": "p300_single_gen2", "mount": "right", "tip_racks": ["tips"]}],
        "liquids": [{"id": "w", "name": "water", "initial_volumes": {"trough:A1": "5 mL"}}],
        "steps": [
            {
                "op": "transfer",
                "pipette": "p",
                "volume": "100 uL",
                "source": "trough:A1",
                "dest": ["trough:A2", "trough:A3"],
            }
        ],
        "custom_labware": [defn],
    }


def _seeds() -> list[dict[str, Any]]:
    docs = [read_document(p) for p in sorted(CLEAN.glob("*.yaml"))]
    docs += [read_document(FAULTY / n) for n in sorted(expected())[:20]]
    ex = ROOT / "examples" / "protocols"
    docs += [read_document(p) for p in sorted(ex.glob("*.yaml"))[:10]]
    return [*docs, _custom_seed()]


SEEDS = _seeds()

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "50 uL",
            "2 min",
            "37 degC",
            "-5 uL",
            "nan uL",
            "1e30 L",
            "50",
            "uL",
            "plate:A1",
            "10 furlongs",
            "5 parsec/fortnight",
            "°C",
            "1 2 3 uL",
            "inf",
            "0x10 uL",
            "1e400 uL",
        ]
    ),
)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_protocols(draw: st.DrawFn) -> Any:
    import copy

    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "unit", "number", "type"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(json_like)
        elif action == "unit":
            parent[last] = (
                draw(st.text(max_size=12))
                if draw(st.booleans())
                else f"{draw(st.floats())} {draw(st.text(max_size=6))}"
            )
        elif action == "number":
            parent[last] = draw(
                st.sampled_from([-1, -1e9, 1e300, 10**30, math.nan, math.inf, -math.inf, 0, 1e-300])
            )
        else:
            parent[last] = draw(st.sampled_from([[], {}, None, True, "", [1, 2], {"value": 5, "unit": "uL"}]))
    return doc


def _invoke(path: Path) -> None:
    result = RUNNER.invoke(app, ["validate", "--json", str(path)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback for {path.read_bytes()[:300]!r}: {result.exception!r}"
    )
    assert result.exit_code in (0, 1, 2), result.exit_code
    out = json.loads(result.stdout)  # one JSON object, nothing else on stdout
    if result.exit_code == 2:
        assert out["unusable"] is True and out["error"]
    else:
        assert set(out) >= {"ok", "protocol_sha256", "findings", "certificate"}
        assert out["ok"] is (result.exit_code == 0)
        if result.exit_code == 1:
            assert any(f["severity"] == "error" for f in out["findings"])


def _write(tmp: Path, doc: Any, as_json: bool) -> Path:
    path = tmp / ("doc.json" if as_json else "doc.yaml")
    if as_json:
        path.write_text(json.dumps(doc, allow_nan=True))
    else:
        path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


@SETTINGS
@given(doc=json_like, as_json=st.booleans())
def test_random_structures_give_exit_2_or_findings(doc: Any, as_json: bool, tmp_path: Path) -> None:
    _invoke(_write(tmp_path, doc, as_json))


@SETTINGS
@given(doc=mutated_protocols(), as_json=st.booleans())
def test_mutated_protocols_give_exit_2_or_findings(doc: Any, as_json: bool, tmp_path: Path) -> None:
    _invoke(_write(tmp_path, doc, as_json))


@settings(
    max_examples=max(EXAMPLES // 4, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    defn=json_like | mutated_protocols().map(lambda d: d.get("custom_labware") if isinstance(d, dict) else d)
)
def test_garbage_custom_labware_gives_exit_2_or_findings(defn: Any, tmp_path: Path) -> None:
    lw = tmp_path / "lw.json"
    lw.write_text(json.dumps(defn, allow_nan=True))
    result = RUNNER.invoke(
        app, ["validate", "--json", "-L", str(lw), str(CLEAN / "air_gap_and_pooling.yaml")]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2)
    json.loads(result.stdout)


@settings(
    max_examples=max(EXAMPLES // 2, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json", ".yml"]))
def test_garbage_bytes_give_exit_2_or_findings(data: bytes, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(data)
    _invoke(path)
