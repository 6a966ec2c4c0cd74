"""Real MCP client sessions from the SDK against `labwright mcp`: spawned over stdio
(``stdio_client``), started as an HTTP server subprocess on 127.0.0.1 (``streamable_http_client``),
or in memory (the SDK's memory streams) for tests of the SDK wiring itself.

The SDK client checks a tool's structured result against the tool's ``outputSchema`` with
``jsonschema.validate(..., registry=referencing.Registry())``: that call needs jsonschema >= 4.18
(and its ``referencing`` package), while opentrons 9.0.0 pins jsonschema < 4.18. Where
``referencing`` is missing, ``Session`` is the SDK's ``ClientSession`` with that one check done
with the installed jsonschema (4.17.3) instead; everything else is the SDK's own. (The server's
checks, arguments against ``inputSchema`` and results against ``outputSchema``, are plain
``jsonschema.validate`` calls and run unchanged.)
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import jsonschema
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "protocols"
LABWRIGHT = Path(sys.executable).parent / "labwright"


def server_command(*args: str) -> list[str]:
    """``labwright mcp ARGS`` as the console script (as an assistant starts it)."""
    if LABWRIGHT.exists():
        return [str(LABWRIGHT), "mcp", *args]
    return [sys.executable, "-m", "labwright.cli", "mcp", *args]


if importlib.util.find_spec("referencing") is not None:
    Session = ClientSession
else:

    class Session(ClientSession):  # type: ignore[no-redef]
        """The SDK's client session; its output-schema check made with the installed jsonschema."""

        async def _validate_tool_result(self, name: str, result: types.CallToolResult) -> None:
            if name not in self._tool_output_schemas:
                await self.list_tools()
            schema = self._tool_output_schemas.get(name)
            if schema is not None:
                if result.structuredContent is None:
                    raise RuntimeError(f"tool {name} has an output schema but returned no structured content")
                jsonschema.validate(result.structuredContent, schema)


@asynccontextmanager
async def stdio_session(*args: str, env: dict[str, str], errlog: Path) -> AsyncIterator[ClientSession]:
    """A session with ``labwright mcp ARGS`` spawned over stdio (its stderr to ``errlog``)."""
    command = server_command(*args)
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    with errlog.open("a") as err:
        async with stdio_client(params, errlog=err) as (read, write):
            async with Session(read, write) as session:
                await session.initialize()
                yield session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def http_server(*args: str, env: dict[str, str], errlog: Path) -> Iterator[str]:
    """``labwright mcp --http 127.0.0.1:PORT ARGS`` as a subprocess; yields its URL."""
    port = free_port()
    with errlog.open("a") as err:
        proc = subprocess.Popen(
            server_command("--http", f"127.0.0.1:{port}", *args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
        )
    try:
        deadline = time.monotonic() + 120
        while "labwright MCP server: http://" not in errlog.read_text():
            assert proc.poll() is None, f"the server exited ({proc.returncode}): {errlog.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[ClientSession]:
    from mcp.client.streamable_http import streamable_http_client

    async with streamable_http_client(url) as (read, write, _):
        async with Session(read, write) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def memory_session(server: Any) -> AsyncIterator[ClientSession]:
    """A session with an in-process low-level ``Server`` over the SDK's memory streams."""
    import anyio
    from mcp.shared.memory import create_client_server_memory_streams

    async with create_client_server_memory_streams() as (client_streams, server_streams):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: server.run(*server_streams, server.create_initialization_options()))
            async with Session(*client_streams) as session:
                await session.initialize()
                yield session
            tg.cancel_scope.cancel()


def structured(result: types.CallToolResult) -> dict[str, Any]:
    """The structured result of a call that must have succeeded."""
    assert not result.isError, result.content[0].text if result.content else result
    assert result.structuredContent is not None
    return result.structuredContent


def error_text(result: types.CallToolResult) -> str:
    """The text of a call that must have failed."""
    assert result.isError, result.structuredContent
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def env_for(home: Path) -> dict[str, str]:
    return dict(os.environ, LABWRIGHT_HOME=str(home))
