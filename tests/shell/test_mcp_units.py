"""`labwright mcp` before any session: options checked at start (exit 2 with a hint, no server
started), how protocol text is recognised, the private folder scrubbed from messages, and the
catalogue's search semantics on the real Opentrons definitions."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from labwright.protocols.errors import UnusableInputError
from typer.testing import CliRunner

from labwright.cli import app
from labwright.commands.mcp_server import server as mcp_server
from labwright.commands.mcp_server.catalogue import CatalogueArgs, search
from labwright.commands.mcp_server.config import ServerConfig
from labwright.commands.mcp_server.documents import ProtocolArgs, detect_format, protocol_file
from labwright.commands.mcp_server.guard import ToolFailure

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("a server was started")

    monkeypatch.setattr(mcp_server, "serve_stdio", started)
    monkeypatch.setattr(mcp_server, "serve_http", started)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--approver", "Dr A. Smith"], "--approver applies to dispatch, which is off"),
        (["--allow-dispatch", "--approver", "  "], "--approver needs a name"),
        (["--robot", "10.0.0.2"], "--robot applies to dispatch"),
        (["--http", "8765"], "is not HOST:PORT"),
        (["--http", "127.0.0.1:99999"], "is not HOST:PORT"),
        (["--policy", "/nonexistent/policy.yaml"], "policy file not found"),
        (["--allow-dispatch", "--backend", "ftp"], "no backend named 'ftp'"),
        (["--allow-dispatch", "--backend", "opentrons-http"], "needs the robot's address"),
        (["--time-budget", "1"], "Invalid value for '--time-budget'"),
    ],
)
def test_unusable_options_exit_2_before_serving(args: list[str], message: str, no_server: None) -> None:
    result = CliRunner().invoke(app, ["mcp", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_ledger_that_cannot_be_opened_and_a_port_in_use(tmp_path: Path, no_server: None) -> None:
    result = CliRunner().invoke(app, ["mcp", "--allow-dispatch", "--store", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["mcp", "--http", f"127.0.0.1:{port}"])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another port" in result.stderr


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("labwright: labwright/1\nmetadata: {}\n", None, "yaml"),
        ('  {"labwright": "labwright/1"}', None, "json"),
        ("from opentrons import protocol_api\n", None, "python"),
        ('metadata = {"apiLevel": "2.20"}\n\ndef run(protocol):\n    pass\n', None, "python"),
        ("labwright: labwright/1\n", "x.py", "python"),  # the name's suffix wins
        ("{}", "x.yml", "yaml"),
        ("# def run( in a YAML comment\nlabwright: labwright/1\n", None, "yaml"),
    ],
)
def test_format_from_name_and_content(text: str, filename: str | None, expected: str) -> None:
    assert detect_format(ProtocolArgs(protocol=text, filename=filename)) == expected


def test_the_private_folder_is_private_removed_and_never_named() -> None:
    config = ServerConfig()
    args = ProtocolArgs(protocol="a: [", filename="../../etc/my protocol.yaml")
    with pytest.raises(UnusableInputError) as caught, protocol_file(args, config) as doc:
        assert doc.shown == "my_protocol.yaml" and doc.path.parent == doc.folder
        assert doc.folder.stat().st_mode & 0o777 == 0o700 and doc.path.stat().st_mode & 0o777 == 0o600
        folder = doc.folder
        raise UnusableInputError(f"{doc.path}: broken", hint=f"see {doc.folder}")
    assert not folder.exists()
    assert str(folder) not in caught.value.message + caught.value.hint
    assert caught.value.message == "my_protocol.yaml: broken"
    with pytest.raises(ToolFailure, match="over this server's limit of 10 bytes"):
        with protocol_file(ProtocolArgs(protocol="x" * 11), ServerConfig(max_document_bytes=10)):
            pass


def test_catalogue_criteria() -> None:
    flex_5ul = search(CatalogueArgs(volume_ul=5, robot="flex"))
    assert flex_5ul.labware == [] and flex_5ul.matches["labware"] == 0  # robot: pipettes only
    assert {p.robot for p in flex_5ul.pipettes} == {"flex"}
    assert all(p.min_volume_ul <= 5 <= p.max_volume_ul for p in flex_5ul.pipettes)
    plates = search(CatalogueArgs(wells=384, limit=3))
    assert plates.pipettes == [] and len(plates.labware) == 3 < plates.matches["labware"]
    assert all(e.wells == 384 for e in plates.labware)
    nothing = search(CatalogueArgs(query="no-such-vendor-xyz"))
    assert nothing.labware == [] and nothing.pipettes == []
    reservoir = search(CatalogueArgs(query="NEST_12_reservoir", volume_ul=10_000))
    assert [e.load_name for e in reservoir.labware] == ["nest_12_reservoir_15ml", "nest_12_reservoir_22ml"]


def test_a_result_lists_at_most_max_findings_and_counts_them_all() -> None:
    """Thousands of faulty steps would answer with megabytes: the list stops at MAX_FINDINGS,
    ``counts`` and ``findings_omitted`` say how many there are."""
    import yaml

    from labwright.commands.mcp_server.protocol_tools import MAX_FINDINGS, ValidateArgs, run_validate
    from labwright.commands.mcp_server.spec import CallContext

    doc = yaml.safe_load((ROOT / "examples" / "protocols" / "serial_dilution.yaml").read_text())
    step = {"op": "transfer", "pipette": "p300", "volume": "1 uL", "source": "reservoir:A1"}
    step["dest"] = "plate:B2"
    doc["steps"] = [dict(step) for _ in range(150)]  # each below the P300's 20 uL minimum
    result = run_validate(ValidateArgs(protocol=yaml.safe_dump(doc)), CallContext(ServerConfig()))
    total = sum(result.counts.values())
    assert total > MAX_FINDINGS and len(result.findings) == MAX_FINDINGS
    assert result.findings_omitted == total - MAX_FINDINGS
    assert f"and {total - 40} more" in result.feedback  # the repair feedback counts them all too
