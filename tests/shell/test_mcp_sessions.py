"""Issue 17, must-have 5: a real MCP client session from the SDK against `labwright mcp`, over
stdio (the server spawned by ``stdio_client``) and over streamable HTTP on 127.0.0.1 (the server
started as a subprocess): list the tools, validate a clean and a faulty protocol, simulate,
refuse uncertified dispatches, and dispatch a certified protocol to the twin, counted in the
run ledger (with its origin recorded as MCP); a protocol that needs a person's approval is
refused without an approver and dispatched with one.

Every structured result is checked against the tool's ``outputSchema`` by the server (the SDK)
and again by the client session (``mcp_support.Session``).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio
import pytest
from labwright.hardware.ledger import Ledger
from mcp import ClientSession
from mcp_support import (
    EXAMPLES,
    env_for,
    error_text,
    http_server,
    http_session,
    stdio_session,
    structured,
)

CLEAN = EXAMPLES / "serial_dilution.yaml"
FAULTY = EXAMPLES / "faulty" / "safety_incompatible_bleach_into_acid.yaml"
NEEDS_APPROVAL = EXAMPLES / "faulty" / "policy_approval_required_osmium.yaml"
ROOT = EXAMPLES.parents[1]
# Opentrons' public corpus, read in place (its Protocol Designer file is checked when present)
CORPUS = ROOT / ".." / "shared" / "corpora" / "opentrons-analyses" / "protocols"
PD = CORPUS / "OT2_S_v6_P1000S_None_SimpleTransfer.json"
READ_ONLY_TOOLS = {
    "validate",
    "protocol_schema",
    "simulate",
    "export_opentrons",
    "safety_pair",
    "chemical_lookup",
    "catalogue_search",
}


def session_factory(
    transport: str, args: tuple[str, ...], home: Path, tmp: Path
) -> Callable[[], AbstractAsyncContextManager[ClientSession]]:
    """A session with ``labwright mcp ARGS`` over ``transport`` (the HTTP server runs meanwhile)."""
    errlog = tmp / f"server-{transport}.log"

    @asynccontextmanager
    async def open_session() -> AsyncIterator[ClientSession]:
        if transport == "stdio":
            async with stdio_session(*args, env=env_for(home), errlog=errlog) as session:
                yield session
        else:
            with http_server(*args, env=env_for(home), errlog=errlog) as url:
                async with http_session(url) as session:
                    yield session

    return open_session


def runs(store: Path) -> list:
    with Ledger(store) as ledger:
        return ledger.list()


def check_end_state(result: dict) -> None:
    """The serial dilution's end state as physics has it: two-fold steps along row A."""
    wells = result["end_state"]["labware"]["plate"]["wells"]
    assert wells["A1"] == {"volume_ul": [100.0, 100.0], "composition_ul": {"dye": 100.0}}
    for n in range(2, 11):
        dye = 100.0 / 2 ** (n - 1)
        assert wells[f"A{n}"]["volume_ul"] == [100.0, 100.0]
        assert wells[f"A{n}"]["composition_ul"]["dye"] == pytest.approx(dye, rel=1e-5)
        assert wells[f"A{n}"]["composition_ul"]["diluent"] == pytest.approx(100.0 - dye, rel=1e-5)
    assert wells["A11"]["volume_ul"] == [200.0, 200.0]
    assert wells["A12"] == {"volume_ul": [100.0, 100.0], "composition_ul": {"diluent": 100.0}}
    svg = ET.fromstring(result["deck_svg"])
    assert svg.tag.endswith("svg") and len(svg.findall(".//{*}circle")) >= 96


async def item_five(session: ClientSession, store: Path, transport: str) -> None:
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert READ_ONLY_TOOLS | {"dispatch"} <= set(tools)
    for tool in tools.values():
        assert tool.inputSchema["type"] == "object" and tool.outputSchema["type"] == "object", tool.name
        assert tool.annotations.readOnlyHint is (tool.name != "dispatch")

    clean_text = CLEAN.read_text()
    clean = structured(await session.call_tool("validate", {"protocol": clean_text, "filename": CLEAN.name}))
    assert clean["ok"] and clean["certified"] and clean["file"] == CLEAN.name
    assert clean["certificate"]["protocol_sha256"] == clean["protocol_sha256"]
    assert {"schema", "references", "hardware", "replay", "safety", "policy"} <= set(clean["passes"])

    faulty_text = FAULTY.read_text()
    faulty = structured(
        await session.call_tool("validate", {"protocol": faulty_text, "filename": FAULTY.name})
    )
    assert not faulty["ok"] and not faulty["certified"] and faulty["certificate"] is None
    [incompatible] = [f for f in faulty["findings"] if f["code"] == "SAFETY_INCOMPATIBLE"]
    assert incompatible["severity"] == "error" and incompatible["hint"] and incompatible["step"] is not None
    assert "SAFETY_INCOMPATIBLE" in faulty["feedback"]

    check_end_state(structured(await session.call_tool("simulate", {"protocol": clean_text})))

    certificate = clean["certificate"]
    changed = clean_text.replace("volume: 100 uL", "volume: 90 uL", 1)
    refusals = {
        "faulty protocol": ({"protocol": faulty_text, "certificate": certificate}, "has errors"),
        "changed bytes": ({"protocol": changed, "certificate": certificate}, "changed after it was"),
        "forged signature": (
            {"protocol": clean_text, "certificate": {**certificate, "signature": "0" * 64}},
            "signature does not match",
        ),
    }
    for name, (arguments, reason) in refusals.items():
        text = error_text(await session.call_tool("dispatch", arguments))
        assert text.startswith("refused:") and reason in text, (name, text)
    missing = error_text(await session.call_tool("dispatch", {"protocol": clean_text}))
    assert "'certificate' is a required property" in missing  # the SDK's input validation
    assert runs(store) == []

    key = f"mcp-test-{transport}"
    certified = {"protocol": clean_text, "certificate": certificate, "idempotency_key": key}
    sent = structured(await session.call_tool("dispatch", certified))
    assert sent["ok"] and sent["created"] and sent["state"] == "succeeded" and sent["backend"] == "twin"
    assert sent["idempotency_key"] == key and sent["completed_steps"] == sent["total_steps"] == 3
    assert sent["origin"]["via"] == "mcp" and sent["origin"]["transport"] == transport
    again = structured(await session.call_tool("dispatch", certified))
    assert not again["created"] and again["run_id"] == sent["run_id"]
    [run] = runs(store)
    assert run.run_id == sent["run_id"] and run.protocol_sha256 == clean["protocol_sha256"]
    with Ledger(store) as ledger:
        origins = [e.data for e in ledger.events(run.run_id) if e.kind == "origin"]
    assert origins == [sent["origin"]]


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_session_validates_simulates_and_dispatches_only_what_is_certified(
    transport: str, tmp_path: Path, labwright_home: Path
) -> None:
    store = tmp_path / "ledger.sqlite"
    args = ("--allow-dispatch", "--store", str(store))
    open_session = session_factory(transport, args, labwright_home, tmp_path)

    async def scenario() -> None:
        async with open_session() as session:
            await item_five(session, store, transport)

    anyio.run(scenario)


def test_approval_is_refused_without_an_approver_and_recorded_with_one(
    tmp_path: Path, labwright_home: Path
) -> None:
    store = tmp_path / "ledger.sqlite"
    text = NEEDS_APPROVAL.read_text()

    async def scenario() -> None:
        args = ("--allow-dispatch", "--store", str(store))
        plain = session_factory("stdio", args, labwright_home, tmp_path)
        async with plain() as session:
            checked = structured(await session.call_tool("validate", {"protocol": text}))
            assert checked["certified"] and checked["certificate"]["approvals_required"]
            refused = error_text(
                await session.call_tool("dispatch", {"protocol": text, "certificate": checked["certificate"]})
            )
            assert "a person must approve" in refused and "osmium tetroxide" in refused
        assert runs(store) == []
        approver = ("--allow-dispatch", "--approver", "Dr A. Smith", "--store", str(store))
        async with session_factory("stdio", approver, labwright_home, tmp_path)() as session:
            sent = structured(
                await session.call_tool("dispatch", {"protocol": text, "certificate": checked["certificate"]})
            )
            assert sent["ok"] and sent["approved_by"] == "Dr A. Smith"
        [run] = runs(store)
        with Ledger(store) as ledger:
            approved = [e.data for e in ledger.events(run.run_id) if e.kind == "approved"]
        assert approved == [{"by": "Dr A. Smith", "items": checked["certificate"]["approvals_required"]}]

    anyio.run(scenario)


def test_opentrons_files_are_validated_and_dispatched_as_the_bytes_certified(
    tmp_path: Path, labwright_home: Path
) -> None:
    """An Opentrons Python protocol validated and dispatched through MCP as `labwright run` does
    it (the certificate names the file's exact bytes); a Protocol Designer JSON file (Opentrons'
    corpus) is certified as the file it is."""
    store = tmp_path / "ledger.sqlite"
    args = ("--allow-dispatch", "--store", str(store), "--time-budget", "60")
    python = (EXAMPLES / "serial_dilution.py").read_text()

    async def scenario() -> None:
        async with session_factory("stdio", args, labwright_home, tmp_path)() as session:
            checked = structured(await session.call_tool("validate", {"protocol": python}))
            assert checked["certified"] and checked["format"] == "python"
            source = checked["certificate"]["source"]
            assert source["kind"] == "opentrons-python"
            assert source["sha256"] == hashlib.sha256(python.encode()).hexdigest()
            certified = {"protocol": python, "certificate": checked["certificate"]}
            sent = structured(await session.call_tool("dispatch", certified))
            assert sent["ok"] and sent["state"] == "succeeded" and sent["origin"]["via"] == "mcp"
            if PD.exists():
                designer = structured(
                    await session.call_tool("validate", {"protocol": PD.read_text(), "filename": PD.name})
                )
                assert designer["certified"] and designer["passes"][0] == "opentrons-simulator"
                bound = designer["certificate"]["source"]
                assert bound["kind"] == "opentrons-json"
                assert bound["sha256"] == hashlib.sha256(PD.read_bytes()).hexdigest()
        assert [r.run_id for r in runs(store)] == [sent["run_id"]]

    anyio.run(scenario)
