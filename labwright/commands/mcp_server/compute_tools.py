"""The computational modules' read-only agent tools (``labwright.protocols.tooling``): structure
search, inverse molecular design and MACE predictions, served as they are.

An agent tool already is what an MCP tool needs: a pydantic input model (its schema is the
tool's ``inputSchema``; unknown fields refused; a cooperative ``time_budget_s``), a pydantic
output model with provenance (the ``outputSchema``), and ``run_tool`` to call it. The server
caps ``time_budget_s`` so that a call ends within its own budget: the tool stops cooperatively
at ``time_budget_s``, and the call is given ``COMPUTE_GRACE_S`` more (imports, one unit of work).
A tool is offered only when every package it records in its provenance is installed (the
``compute`` and ``chem`` extras): a tool that would fail on its first call is not listed.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from labwright.commands.mcp_server.config import COMPUTE_GRACE_S, ServerConfig
from labwright.commands.mcp_server.guard import ToolFailure
from labwright.commands.mcp_server.spec import CallContext, ToolSpec

log = logging.getLogger(__name__)

#: (module, attribute) of every registered agent tool
AGENT_TOOLS = (
    ("labwright.simulators.compute.structure.tool", "run_structure_search_tool"),
    ("labwright.simulators.compute.design.tool", "run_design_tool"),
    ("labwright.simulators.compute.mlip.tool", "run_mlip_predict_tool"),
)


def _spec(tool: Any) -> ToolSpec:
    from labwright.protocols.tooling import run_tool

    def run(request: Any, ctx: CallContext) -> Any:
        cap = ctx.config.compute_budget_max_s
        if request.time_budget_s > cap:
            raise ToolFailure(
                "invalid arguments",
                f"time_budget_s {request.time_budget_s:g} s is over this server's limit of {cap:g} s",
                "ask for less, or start the server with a larger --time-budget (it keeps "
                f"{COMPUTE_GRACE_S:g} s for imports and the last unit of work)",
            )
        return run_tool(tool, request)

    def defaults(config: ServerConfig) -> dict[str, Any]:
        default = tool.input_model.model_fields["time_budget_s"].default
        return {"time_budget_s": min(default, config.compute_budget_max_s)}

    return ToolSpec(
        name=tool.name,
        title=tool.name.replace("_", " "),
        description=tool.description + " Runs on the server; paths name files on the server.",
        input_model=tool.input_model,
        output_model=tool.output_model,
        run=run,
        budget_s=lambda request, config: request.time_budget_s + COMPUTE_GRACE_S,
        defaults=defaults,
    )


def _missing(packages: tuple[str, ...]) -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    for name in packages:
        try:
            version(name)
        except PackageNotFoundError:
            missing.append(name)
    return missing


def compute_specs() -> list[ToolSpec]:
    """A spec for every agent tool whose module imports here and whose packages are installed."""
    specs = []
    for module, attribute in AGENT_TOOLS:
        try:
            tool = getattr(importlib.import_module(module), attribute)
        except ImportError as exc:
            log.info("agent tool %s is not served: %s", attribute, exc)
            continue
        if missing := _missing(tool.packages):
            log.info("agent tool %s is not served: %s not installed", tool.name, ", ".join(missing))
            continue
        specs.append(_spec(tool))
    return specs
