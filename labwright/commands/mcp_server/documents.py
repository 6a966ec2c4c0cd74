"""Protocols arrive as text. The CLI's functions read files (their suffix says how), so the text
is written to a private file of the right suffix for them, in a folder only this user can read,
deleted when the call ends; messages name the client's file name, never that folder."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from labwright.commands.mcp_server.config import ServerConfig
from labwright.commands.mcp_server.guard import (
    ToolFailure,
    check_size,
    private_folder,
    safe_name,
    scrubbed_errors,
    write_private,
)
from labwright.commands.mcp_server.spec import Args

log = logging.getLogger(__name__)

Format = Literal["auto", "yaml", "json", "python"]
SUFFIX = {"yaml": ".yaml", "json": ".json", "python": ".py"}
_FROM_SUFFIX = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".py": "python"}
_PYTHON = re.compile(r"^\s*(def\s+run\s*\(|from\s+opentrons\b|import\s+opentrons\b)", re.MULTILINE)

PROTOCOL_HELP = (
    "the protocol's text: a labwright protocol (YAML or JSON), an Opentrons Python protocol, or a "
    "Protocol Designer JSON file; at most the server's --max-document-kb (default 1000 kB)"
)


class ProtocolArgs(Args):
    protocol: str = Field(description=PROTOCOL_HELP)
    format: Format = Field(
        "auto",
        description="how to read the text; auto: from the file name's suffix, else JSON when it "
        "starts with '{', Python when it defines run() or imports opentrons, else YAML",
    )
    filename: str | None = Field(
        None,
        description="the file's name, shown in findings (e.g. 'dilution.py'); its suffix sets the format",
    )


class ParameterArgs(Args):
    parameters: dict[str, str] = Field(
        default_factory=dict,
        description="runtime parameter values of an Opentrons Python protocol, as text by variable "
        "name (e.g. {\"volume\": \"50\"}; the labwright CLI's --param); others keep their defaults",
    )


class LabwareArgs(Args):
    custom_labware: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Opentrons labware definitions (schema 2 JSON objects) an Opentrons Python "
        "protocol loads besides the shipped ones",
    )


def detect_format(args: ProtocolArgs) -> str:
    """yaml, json or python (see ``ProtocolArgs.format``)."""
    if args.format != "auto":
        return args.format
    suffix = Path(args.filename or "").suffix.lower()
    if suffix in _FROM_SUFFIX:
        return _FROM_SUFFIX[suffix]
    text = args.protocol.lstrip()
    if text.startswith(("{", "[")):
        return "json"
    return "python" if _PYTHON.search(args.protocol) else "yaml"


@dataclass(frozen=True)
class ProtocolFile:
    """The private copy of a protocol: its path, the name shown for it and how it is read."""

    path: Path
    folder: Path
    shown: str
    format: str
    custom_labware: list[dict[str, Any]]

    @property
    def labware_paths(self) -> list[Path]:
        """The custom labware as the CLI's ``-L`` takes it (a folder of definition files)."""
        return [self.folder / "labware"] if self.custom_labware else []


@contextmanager
def protocol_file(args: ProtocolArgs, config: ServerConfig) -> Iterator[ProtocolFile]:
    """Write ``args.protocol`` (and any custom labware) to a private folder for the call."""
    check_size("protocol", len(args.protocol.encode("utf-8", "surrogatepass")), config.max_document_bytes)
    fmt = detect_format(args)
    labware = list(getattr(args, "custom_labware", []) or [])
    if labware:
        size = len(json.dumps(labware))
        check_size("custom labware", size, config.max_document_bytes)
    stem = Path(safe_name(args.filename)).stem or "protocol"
    shown = f"{stem}{SUFFIX[fmt]}"
    with private_folder() as folder:
        path = write_private(folder / shown, args.protocol)
        with scrubbed_errors(folder):
            yield ProtocolFile(path, folder, shown, fmt, _load_labware(folder, labware))


def _load_labware(folder: Path, definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The definitions, through the CLI's loader (``load_custom_labware``: the same checks)."""
    if not definitions:
        return []
    from labwright.commands.validate import load_custom_labware

    labware = folder / "labware"
    labware.mkdir(mode=0o700)
    for i, definition in enumerate(definitions):
        write_private(labware / f"definition_{i + 1}.json", json.dumps(definition))
    return load_custom_labware([labware])


@contextmanager
def analysis_errors(config: ServerConfig) -> Iterator[None]:
    """An Opentrons analysis past a limit becomes a ``limit`` error with this server's hint (the
    analyzer's hint names the CLI's options)."""
    from labwright.simulators.opentrons_interop.analyzer import AnalysisLimitExceeded

    try:
        yield
    except AnalysisLimitExceeded as exc:
        raise ToolFailure(
            "limit",
            exc.message,
            f"this server gives an Opentrons analysis at most {config.analysis_wall_s:g} s and "
            f"{config.analysis_memory_mb} MB (labwright mcp --time-budget / --analysis-memory-mb); "
            "a protocol that hits a limit is never certified",
        ) from None


# ------------------------------------------------------------------- the Opentrons analyzer

_WARMING = threading.Lock()
_WARM: list[bool] = []
_MINIMAL = 'metadata = {"apiLevel": "2.20"}\n\n\ndef run(protocol):\n    pass\n'


def needs_analysis(doc: ProtocolFile, text: str) -> bool:
    """Whether reading this file runs the Opentrons analysis (Python; Protocol Designer JSON)."""
    return doc.format == "python" or (doc.format == "json" and '"designerApplication"' in text)


def analysis_limits_for(doc: ProtocolFile, text: str, ctx: Any) -> Any:
    """The sandbox limits of this call's analysis (``ctx``: the ``CallContext``), after warming the
    analyzer when the file needs one."""
    if needs_analysis(doc, text):
        warm_analyzer(ctx.left_s() - 1.0)
    return ctx.config.analysis_limits(ctx.left_s())


def warm_analyzer(left_s: float) -> None:
    """Start the analyzer's fork server, which imports the Opentrons stack once per process, before
    a protocol's own analysis: the first analysis would otherwise spend ~10 s of its wall-time
    limit on that import. Concurrent calls wait for the one warming (within ``left_s``); a
    warm-up that fails is only logged: the protocol's analysis then reports what is wrong."""
    from labwright.simulators.opentrons_interop.analyzer import AnalysisLimits, analyze_opentrons_text

    if _WARM or not _WARMING.acquire(timeout=max(0.0, left_s)):
        return
    try:
        if not _WARM:
            limits = AnalysisLimits(wall_s=max(1.0, left_s))
            analyze_opentrons_text(_MINIMAL, filename="warm_up.py", limits=limits)
            _WARM.append(True)
    except Exception as exc:  # noqa: BLE001
        log.warning("the Opentrons analyzer did not warm up: %s", exc)
    finally:
        _WARMING.release()
