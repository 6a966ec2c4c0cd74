"""`labwright mcp [--http HOST:PORT] [--allow-dispatch [--approver NAME]]`: labwright as an MCP
server (the official MCP Python SDK; ``labwright.commands.mcp_server``).

Without ``--http`` the server speaks MCP on stdin/stdout (what desktop assistants start); with it,
streamable HTTP at ``http://HOST:PORT/mcp``. Every option is checked before the server starts:
an unusable one exits 2 with a hint. The SDK is imported only when the server starts.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from labwright.commands.common import ExitCode, console, fail, fail_with

app = typer.Typer()


def parse_http(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) -> (host, port); ``UnusableInputError`` if not."""
    from labwright.protocols.errors import UnusableInputError

    host, sep, port = value.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UnusableInputError(
            f"--http {value!r} is not HOST:PORT",
            hint="e.g. --http 127.0.0.1:8765 (port 0: any free port)",
        )
    return host, int(port)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_policy(policy: Path | None) -> None:
    if policy is None:
        return
    from labwright.verifiers.safety.policy import load_policy

    load_policy(policy)  # LabwrightError with a hint if unusable


def _dispatch_state(backend: str, robot: str | None, store: Path | None):  # noqa: ANN202
    """The backend and the ledger a dispatch goes to, opened now: a bad one is an error at start."""
    from labwright.commands.mcp_server.dispatch_tools import DispatchState
    from labwright.hardware.ledger import Ledger
    from labwright.hardware.registry import make_backend

    return DispatchState(backend=make_backend(backend, robot=robot), ledger=Ledger(store))


@app.command("mcp")
def mcp(
    http: Annotated[
        str | None,
        typer.Option("--http", help="serve streamable HTTP on HOST:PORT (path /mcp) instead of stdio"),
    ] = None,
    allow_dispatch: Annotated[
        bool, typer.Option("--allow-dispatch", help="offer the dispatch tool (certified protocols only)")
    ] = False,
    approver: Annotated[
        str | None,
        typer.Option(
            "--approver",
            help="the person who approves findings that need approval (recorded in the ledger); "
            "without it such protocols are refused",
        ),
    ] = None,
    backend: Annotated[str, typer.Option("--backend", "-b", help="dispatch backend: twin | opentrons-sim | "
                                         "opentrons-http")] = "twin",
    robot: Annotated[str | None, typer.Option("--robot", help="robot HOST[:PORT] (opentrons-http)")] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="run ledger file (default: LABWRIGHT_HOME/ledger.sqlite)")
    ] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="lab policy YAML (safety limits)")] = None,
    max_certificate_age: Annotated[
        float | None, typer.Option("--max-certificate-age", help="refuse certificates older than this (s)")
    ] = None,
    time_budget: Annotated[
        float,
        typer.Option("--time-budget", min=5, help="seconds any one tool call may take; an Opentrons "
                     "analysis gets 10 s less"),
    ] = 90.0,
    analysis_memory_mb: Annotated[
        int, typer.Option("--analysis-memory-mb", min=64, help="memory an Opentrons analysis may use, MB")
    ] = 2048,
    max_document_kb: Annotated[
        int, typer.Option("--max-document-kb", min=1, help="largest protocol text accepted, kB")
    ] = 1000,
) -> None:
    """Serve the verifier, safety checker, deck twin and catalogue as MCP tools (stdio or HTTP)."""
    from labwright.commands.mcp_server.config import ServerConfig
    from labwright.protocols.errors import LabwrightError

    err = console(stderr=True)
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        fail(
            "the MCP Python SDK is not installed",
            "pip install -c constraints.txt -e '.[mcp]' && pip install --no-deps mcp==1.30.0 (README, "
            "'Installing the SDK'; `make` does both)",
            False,
        )
    if approver is not None and not approver.strip():
        fail("--approver needs a name", "e.g. --approver 'Dr A. Smith'", False)
    if approver and not allow_dispatch:
        fail("--approver applies to dispatch, which is off", "add --allow-dispatch or drop --approver", False)
    if robot and not allow_dispatch:
        fail("--robot applies to dispatch, which is off", "add --allow-dispatch, or drop --robot", False)
    state = None
    try:
        address = parse_http(http) if http is not None else None
        _check_policy(policy)
        if allow_dispatch:
            state = _dispatch_state(backend, robot, store)
        config = ServerConfig(
            transport="http" if address else "stdio",
            allow_dispatch=allow_dispatch,
            approver=approver.strip() if approver else None,
            backend=backend,
            robot=robot,
            store=store,
            policy=policy,
            max_certificate_age_s=max_certificate_age,
            time_budget_s=time_budget,
            analysis_memory_mb=analysis_memory_mb,
            max_document_bytes=max_document_kb * 1000,
        )
        if address is None:
            from labwright.commands.mcp_server.server import serve_stdio

            serve_stdio(config, state)
            raise typer.Exit(ExitCode.OK)
        from labwright.commands.mcp_server.server import bind, serve_http

        sock = bind(*address)
    except LabwrightError as exc:
        fail_with(exc, False)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    err.print(f"labwright MCP server: http://{shown}:{port}/mcp", highlight=False, soft_wrap=True)
    if not _loopback(host):
        err.print(
            f"[yellow]warning[/yellow]: {host} is reachable from the network and the server has no "
            "authentication: anyone who reaches it can call its tools"
            + (" and dispatch certified protocols" if allow_dispatch else ""),
            highlight=False,
        )
    try:
        serve_http(config, sock, state)
    except KeyboardInterrupt:
        pass
    raise typer.Exit(ExitCode.OK)
