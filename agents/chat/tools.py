"""The read-only tools a language model may call while it plans, and nothing else.

Each is an agent tool (``labwright.protocols.tooling``: pydantic in, pydantic out, provenance):

- ``labware_catalogue``: Opentrons labware and pipettes (well volumes, tip sizes, volume ranges);
- ``chemical_lookup``: one chemical's identity, reactive groups, physical data, policy status;
- ``safety_pair_check``: whether two chemicals may meet in one vessel;
- ``verify_protocol``: the verifier's findings on a draft, *without a certificate* (a
  certificate is issued only by the graph's verify node, for the protocol it dispatches);
- ``simulate_protocol``: what a draft leaves in each well;
- the computational modules' tools (``molecular_design``, ``structure_search``), imported on
  first use so that a chat that never calls them never loads them.

None of them writes anything or reaches a robot: dispatch is a node of the graph, not a tool.
``mlip_predict`` is not offered: it loads a model file (a pickle) from a path the model would
choose. A call the model makes to any other name (``dispatch``, ``approve``...) is answered
with an error and changes nothing.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from typing import Any

from labwright.protocols.errors import LabwrightError
from labwright.protocols.tooling import Tool, ToolInput, ToolOutput, ToolProvenance, agent_tool
from pydantic import Field, ValidationError

log = logging.getLogger(__name__)

#: longest tool result (characters) handed back to a model
MAX_RESULT_CHARS = 12_000


# ------------------------------------------------------------------------------- catalogue


class CatalogueInput(ToolInput):
    kind: str = Field("labware", pattern="^(labware|pipette)$", description="'labware' or 'pipette'")
    query: str = Field("", max_length=200, description="words the load name must contain, e.g. '96 pcr'")
    limit: int = Field(20, ge=1, le=100)


class CatalogueOutput(ToolOutput):
    entries: list[dict[str, Any]]
    total_matches: int


def _labware_entry(name: str) -> dict[str, Any] | None:
    from labwright.simulators.deck.definitions import load_labware

    try:
        info = load_labware(name)
    except LabwrightError:
        return None
    first = next(iter(info.wells.values()), None)
    return {
        "load_name": info.load_name,
        "display_name": info.display_name,
        "category": info.category,
        "wells": len(info.wells),
        "well_nominal_ul": first.nominal_ul if first else None,
        "well_capacity_ul": round(first.capacity_ul, 1) if first else None,
        "tip_volume_ul": info.tip_volume_ul,
    }


def _pipette_entry(name: str) -> dict[str, Any] | None:
    from labwright.simulators.deck.definitions import load_pipette

    try:
        info = load_pipette(name)
    except LabwrightError:
        return None
    return {
        "model": info.name,
        "robot": info.robot,
        "channels": info.channels,
        "min_volume_ul": info.min_volume_ul,
        "max_volume_ul": info.max_volume_ul,
        "tip_volumes_ul": list(info.tip_volumes_ul),
        "default_tip_racks": list(info.default_tipracks),
    }


@agent_tool(
    "labware_catalogue",
    "Search the Opentrons catalogue: labware (load name, wells, well volume, tip size) or "
    "pipettes (model, robot, channels, volume range, tip racks). Read-only.",
    packages=("labwright", "opentrons-shared-data"),
)
def labware_catalogue(request: CatalogueInput) -> CatalogueOutput:
    from labwright.simulators.deck.definitions import all_labware_names, pipette_api_names

    words = [w for w in request.query.lower().replace("_", " ").split() if w]
    names = all_labware_names() if request.kind == "labware" else tuple(sorted(pipette_api_names()))
    matches = [n for n in names if all(w in n.lower().replace("_", " ") for w in words)]
    entry = _labware_entry if request.kind == "labware" else _pipette_entry
    entries = [e for e in (entry(n) for n in matches[: request.limit]) if e is not None]
    return CatalogueOutput(entries=entries, total_matches=len(matches), provenance=ToolProvenance())


# -------------------------------------------------------------------------------- chemistry


class ChemicalInput(ToolInput):
    name: str = Field(min_length=1, max_length=300, description="name, abbreviation, CAS or SMILES")


class ChemicalOutput(ToolOutput):
    known: bool
    report: dict[str, Any] | None = None
    message: str = ""


@agent_tool(
    "chemical_lookup",
    "Identity (CAS, SMILES, formula), EPA reactive groups, boiling/flash points and lab-policy "
    "status of one chemical. Unknown names are reported as unknown. Read-only.",
    packages=("labwright", "rdkit", "chemicals"),
)
def chemical_lookup(request: ChemicalInput) -> ChemicalOutput:
    from labwright.verifiers.safety.pair import chemical_report

    try:
        return ChemicalOutput(known=True, report=chemical_report(request.name), provenance=ToolProvenance())
    except LabwrightError as exc:
        return ChemicalOutput(known=False, message=str(exc), provenance=ToolProvenance())


class PairInput(ToolInput):
    a: str = Field(min_length=1, max_length=300)
    b: str = Field(min_length=1, max_length=300)


class PairOutput(ToolOutput):
    compatible: bool | None = Field(description="None when a name is unknown (never safe)")
    summary: str = ""
    hazards: list[dict[str, Any]] = Field(default_factory=list)


@agent_tool(
    "safety_pair_check",
    "May chemicals A and B meet in one vessel? Hazards (heat, toxic gas, fire...) with sources, "
    "from the EPA compatibility chart and specific rules. Read-only.",
    packages=("labwright", "rdkit"),
)
def safety_pair_check(request: PairInput) -> PairOutput:
    from labwright.verifiers.safety.pair import check_pair

    try:
        result = check_pair(request.a, request.b)
    except LabwrightError as exc:
        return PairOutput(compatible=None, summary=str(exc), provenance=ToolProvenance())
    hazards = [{"code": h.code, "text": h.text, "source": h.source} for h in result.hazards]
    return PairOutput(
        compatible=result.compatible, summary=result.summary(), hazards=hazards, provenance=ToolProvenance()
    )


# ------------------------------------------------------------------------ verify, simulate


class DocumentInput(ToolInput):
    document: dict[str, Any] = Field(description="a protocol in the labwright protocol language")


class VerifyOutput(ToolOutput):
    ok: bool
    findings: str = Field(description="one line per finding: severity, code, where, what, fix")


@agent_tool(
    "verify_protocol",
    "Run the labwright verifier (schema, references, hardware, state replay, safety, policy) on "
    "a draft protocol and return its findings. Issues no certificate. Read-only.",
    packages=("labwright",),
)
def verify_protocol(request: DocumentInput) -> VerifyOutput:
    from labwright.verifiers.render import findings_for_llm
    from labwright.verifiers.verifier import VerifyOptions, verify_document

    report = verify_document(request.document, VerifyOptions(certify=False))
    return VerifyOutput(ok=report.ok, findings=findings_for_llm(report.findings), provenance=ToolProvenance())


class SimulateOutput(ToolOutput):
    ok: bool
    end_state: dict[str, Any] | None = None
    message: str = ""


@agent_tool(
    "simulate_protocol",
    "Replay a draft protocol on the deck twin and return what each well holds at the end "
    "(volume interval and composition per liquid) and the duration. Read-only.",
    packages=("labwright",),
)
def simulate_protocol(request: DocumentInput) -> SimulateOutput:
    from labwright.agents.chat.deck import end_state
    from labwright.protocols.io import parse_protocol

    try:
        protocol = parse_protocol(request.document)
    except ValidationError as exc:
        return SimulateOutput(
            ok=False, message=f"not a valid protocol: {exc.errors()[0]['msg']}", provenance=ToolProvenance()
        )
    return SimulateOutput(ok=True, end_state=end_state(protocol), provenance=ToolProvenance())


# ---------------------------------------------------------------------------- the registry

#: tool name -> where it lives ("module:attribute"); compute tools are imported on first use
COMPUTE_TOOLS: dict[str, str] = {
    "molecular_design": "labwright.simulators.compute.design.tool:run_design_tool",
    "structure_search": "labwright.simulators.compute.structure.tool:run_structure_search_tool",
}
LAB_TOOLS: tuple[Tool[Any, Any], ...] = (
    labware_catalogue,
    chemical_lookup,
    safety_pair_check,
    verify_protocol,
    simulate_protocol,
)


def _load(path: str) -> Tool[Any, Any]:
    module, attr = path.split(":")
    return getattr(importlib.import_module(module), attr)


def read_only_tools(*, compute: bool = True) -> dict[str, Tool[Any, Any]]:
    """Every tool a model may call, by name."""
    tools = {t.name: t for t in LAB_TOOLS}
    if compute:
        for name, path in COMPUTE_TOOLS.items():
            try:
                tools[name] = _load(path)
            except ImportError as exc:  # the compute extra is not installed
                log.info("tool %s unavailable: %s", name, exc)
    return tools


def tool_spec(tool: Tool[Any, Any]) -> dict[str, Any]:
    """The tool in the chat-completions function format LangChain chat models accept."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.input_model.model_json_schema(),
        },
    }


def call_tool(
    tools: dict[str, Tool[Any, Any]], name: str, args: Any, *, on_call: Callable[[str], None] | None = None
) -> str:
    """Run one tool call of the model; the result (or the error) as JSON text, size-limited.

    Whatever the model asked for, the answer is data: a name that is not a read-only tool is
    an error message, bad arguments are an error message, a tool that fails is an error message.
    """
    tool = tools.get(name)
    if tool is None:
        return json.dumps(
            {
                "error": f"there is no tool named {name!r}; the tools are {', '.join(sorted(tools))}. "
                "Dispatch and approval are not tools: the protocol you submit is verified by labwright "
                "and a person decides."
            }
        )
    if on_call is not None:
        on_call(name)
    try:
        output = tool(args if isinstance(args, dict) else {})
    except ValidationError as exc:
        return json.dumps({"error": f"invalid arguments for {name}: {exc.errors()[0]['msg']}"})
    except LabwrightError as exc:
        return json.dumps({"error": str(exc)})
    except Exception as exc:  # a tool's failure is reported to the model, never raised into the graph
        log.warning("tool %s failed: %s", name, exc)
        return json.dumps({"error": f"{name} failed: {type(exc).__name__}: {exc}"})
    text = output.model_dump_json(exclude={"provenance"})
    if len(text) > MAX_RESULT_CHARS:
        text = text[:MAX_RESULT_CHARS] + f"... [truncated at {MAX_RESULT_CHARS} characters]"
    return text
