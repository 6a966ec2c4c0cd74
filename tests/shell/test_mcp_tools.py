"""Issue 17, must-have 2: every tool of a default `labwright mcp` (no dispatch) through a real SDK
client session over stdio, on real inputs: the SDK's schema checks of arguments (jsonschema
4.17.3, as installed beside opentrons 9.0.0), the safety checker, the catalogue against the
Opentrons definitions, export, the protocol language's schema, the bundled resources, and a
computational agent tool. Also in memory: a structured result that does not match its tool's
``outputSchema`` is caught by the SDK's own output validation (so the check is real)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import anyio
import pytest
import yaml
from labwright.protocols import json_schema
from labwright.simulators.deck.definitions import load_labware, load_pipette
from mcp.shared.exceptions import McpError
from mcp_support import EXAMPLES, env_for, error_text, memory_session, stdio_session, structured
from pydantic import BaseModel

from labwright.commands.mcp_server import server as mcp_server
from labwright.commands.mcp_server.compute_tools import compute_specs
from labwright.commands.mcp_server.config import ServerConfig
from labwright.commands.mcp_server.spec import Args, ToolSpec

ROOT = EXAMPLES.parents[1]
COMPUTE = {spec.name for spec in compute_specs()}  # those whose packages are installed here


async def check_arguments_are_validated_by_the_sdk(session) -> None:  # noqa: ANN001
    cases = {
        "missing": ("validate", {}, "'protocol' is a required property"),
        "unknown": ("validate", {"protocol": "x", "protocl": "y"}, "Additional properties are not allowed"),
        "enum": ("validate", {"protocol": "x", "format": "xml"}, "'xml' is not one of"),
        "type": ("catalogue_search", {"limit": "ten"}, "'ten' is not of type 'integer'"),
        "range": ("catalogue_search", {"limit": 0}, "0 is less than the minimum of 1"),
    }
    for name, (tool, arguments, expected) in cases.items():
        text = error_text(await session.call_tool(tool, arguments))
        assert text.startswith("Input validation error") and expected in text, (name, text)


async def check_safety(session) -> None:  # noqa: ANN001
    pair = structured(await session.call_tool("safety_pair", {"a": "bleach", "b": "1 M HCl"}))
    assert not pair["compatible"] and "GT" in pair["codes"]
    assert any("chlorine" in h["text"].lower() for h in pair["hazards"])
    assert {g["id"] for g in pair["groups_a"]} & {104}  # strong oxidizer (hypochlorite)
    acetone = structured(await session.call_tool("chemical_lookup", {"name": "acetone"}))
    assert acetone["components"][0]["cas"] == "67-64-1" and not acetone["policy"]["refused"]
    unknown = error_text(await session.call_tool("safety_pair", {"a": "bleach", "b": "zzqx-not-a-chemical"}))
    assert "unknown chemical" in unknown and "hint:" in unknown
    too_long = error_text(await session.call_tool("chemical_lookup", {"name": "x" * 10_000}))
    assert "at most 500" in too_long and len(too_long) < 1000


async def check_catalogue(session) -> None:  # noqa: ANN001
    plates = structured(
        await session.call_tool("catalogue_search", {"query": "96 flat", "volume_ul": 300, "kind": "labware"})
    )
    assert plates["labware"] and plates["pipettes"] == []
    names = [e["load_name"] for e in plates["labware"]]
    assert "corning_96_wellplate_360ul_flat" in names and "nest_96_wellplate_200ul_flat" not in names
    for entry in plates["labware"]:  # what the Opentrons definitions say
        info = load_labware(entry["load_name"])
        assert len(info.wells) == entry["wells"] == 96
        assert min(w.nominal_ul for w in info.wells.values()) == entry["well_volume_ul"] >= 300
    volumes = [e["well_volume_ul"] for e in plates["labware"]]
    assert volumes == sorted(volumes)  # smallest wells that hold it first
    tips = structured(
        await session.call_tool("catalogue_search", {"query": "tiprack 20ul", "kind": "labware"})
    )
    assert tips["labware"] and all(e["is_tiprack"] and e["tip_volume_ul"] == 20 for e in tips["labware"])
    small = structured(await session.call_tool("catalogue_search", {"volume_ul": 2, "robot": "ot2"}))
    assert small["labware"] == [] and small["pipettes"]
    for p in small["pipettes"]:
        info = load_pipette(p["name"])
        assert info.robot == "ot2" and info.min_volume_ul <= 2 <= info.max_volume_ul
    assert "p20_single_gen2" in {p["name"] for p in small["pipettes"]}
    assert "p300_single_gen2" not in {p["name"] for p in small["pipettes"]}


async def check_json_form(session) -> None:  # noqa: ANN001
    """The same protocol as YAML and as JSON is the same protocol (one SHA-256, one verdict)."""
    clean = (EXAMPLES / "serial_dilution.yaml").read_text()
    as_yaml = structured(await session.call_tool("validate", {"protocol": clean}))
    as_json = structured(await session.call_tool("validate", {"protocol": json.dumps(yaml.safe_load(clean))}))
    assert as_json["format"] == "json" and as_json["certified"]
    assert as_json["protocol_sha256"] == as_yaml["protocol_sha256"]


async def check_export_and_schema(session) -> None:  # noqa: ANN001
    clean = (EXAMPLES / "serial_dilution.yaml").read_text()
    exported = structured(await session.call_tool("export_opentrons", {"protocol": clean}))
    assert exported["exported"] and exported["robot"] == "ot2" and exported["steps"] == 3
    tree = ast.parse(exported["python"])
    assert any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body)
    faulty = (EXAMPLES / "faulty" / "safety_incompatible_bleach_into_acid.yaml").read_text()
    refused = structured(await session.call_tool("export_opentrons", {"protocol": faulty}))
    assert not refused["exported"] and refused["python"] is None
    assert "SAFETY_INCOMPATIBLE" in {f["code"] for f in refused["findings"]}
    python = error_text(
        await session.call_tool("export_opentrons", {"protocol": "x", "filename": "p.py"})
    )
    assert "export takes a labwright protocol" in python
    schema = structured(await session.call_tool("protocol_schema", {}))
    assert schema["schema"] == json.loads(json.dumps(json_schema()))


async def check_resources(session) -> None:  # noqa: ANN001
    listed = {str(r.uri): r for r in (await session.list_resources()).resources}
    for uri in (
        "labwright://examples/protocols/serial_dilution.yaml",
        "labwright://examples/protocols/serial_dilution.py",
        "labwright://examples/protocols/faulty/safety_incompatible_bleach_into_acid.yaml",
        "labwright://examples/policies/strict_lab.yaml",
        "labwright://schema/protocol.json",
    ):
        assert uri in listed, uri
    policy = await session.read_resource("labwright://examples/policies/strict_lab.yaml")
    assert policy.contents[0].text == (ROOT / "examples" / "policies" / "strict_lab.yaml").read_text()
    schema = await session.read_resource("labwright://schema/protocol.json")
    assert json.loads(schema.contents[0].text) == json.loads(json.dumps(json_schema()))
    for uri in ("labwright://examples/../../pyproject.toml", "labwright://examples/protocols/nope.yaml"):
        with pytest.raises(McpError, match="no resource"):
            await session.read_resource(uri)


async def check_compute_tool(session) -> None:  # noqa: ANN001
    found = structured(
        await session.call_tool("structure_search", {"composition": "LJ7", "steps": 20, "time_budget_s": 15})
    )
    # the global minimum of the 7-atom Lennard-Jones cluster (pentagonal bipyramid), reduced units
    assert found["best_energy"] == pytest.approx(-16.505384, abs=1e-5)
    assert found["provenance"]["tool"] == "structure_search" and found["provenance"]["elapsed_s"] > 0
    too_long = {"composition": "LJ7", "time_budget_s": 3000}
    over = error_text(await session.call_tool("structure_search", too_long))
    assert "over this server's limit" in over


def test_read_only_server_tools_and_resources(tmp_path: Path, labwright_home: Path) -> None:
    async def scenario() -> None:
        async with stdio_session(env=env_for(labwright_home), errlog=tmp_path / "server.log") as session:
            tools = {t.name for t in (await session.list_tools()).tools}
            assert "dispatch" not in tools
            assert {"validate", "protocol_schema", "simulate", "export_opentrons", "safety_pair",
                    "chemical_lookup", "catalogue_search"} <= tools
            assert tools & {"structure_search", "molecular_design", "mlip_predict"} == COMPUTE
            absent = error_text(await session.call_tool("dispatch", {"protocol": "x"}))
            assert "no tool named 'dispatch'" in absent
            await check_arguments_are_validated_by_the_sdk(session)
            await check_safety(session)
            await check_catalogue(session)
            await check_json_form(session)
            await check_export_and_schema(session)
            await check_resources(session)
            if "structure_search" in COMPUTE:
                await check_compute_tool(session)

    anyio.run(scenario)


class Promised(BaseModel):
    count: int


class Delivered(BaseModel):
    count: str


def test_sdk_checks_structured_results_against_the_output_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool whose result does not match its outputSchema is answered with the SDK's own
    ``Output validation error`` (jsonschema 4.17.3 ran the check), and a matching one passes."""
    real = mcp_server.tool_specs

    def with_two_more(config: ServerConfig) -> dict[str, ToolSpec]:
        specs = real(config)
        for name, result in (("broken", Delivered(count="three")), ("honest", Promised(count=3))):
            specs[name] = ToolSpec(name, name, "test", Args, Promised, lambda args, ctx, r=result: r)
        return specs

    monkeypatch.setattr(mcp_server, "tool_specs", with_two_more)
    server = mcp_server.build_server(ServerConfig())

    async def scenario() -> None:
        async with memory_session(server) as session:
            text = error_text(await session.call_tool("broken", {}))
            assert text.startswith("Output validation error") and "'three' is not of type 'integer'" in text
            assert structured(await session.call_tool("honest", {})) == {"count": 3}

    anyio.run(scenario)
