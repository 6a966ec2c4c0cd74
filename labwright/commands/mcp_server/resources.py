"""Resources: the bundled example protocols (clean and faulty on purpose), the example lab
policies and the protocol language's JSON Schema.

Only the files listed here can be read, by their exact URI: a URI is looked up in the listing,
never turned into a path, so no URI reaches any other file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SCHEME = "labwright"
SCHEMA_URI = f"{SCHEME}://schema/protocol.json"
_MIME = {".yaml": "application/yaml", ".yml": "application/yaml", ".json": "application/json",
         ".py": "text/x-python"}


@dataclass(frozen=True)
class ResourceFile:
    uri: str
    name: str
    description: str
    mime_type: str
    path: Path | None  # None: generated (the JSON Schema)


def _describe(path: Path, kind: str) -> str:
    if kind == "policy":
        return "example lab policy (labwright validate --policy; labwright mcp --policy)"
    if path.parent.name == "faulty":
        return f"example protocol with a fault on purpose ({path.stem.split('_', 1)[0]})"
    return "example Opentrons Python protocol" if path.suffix == ".py" else "example labwright protocol"


def listing(examples: Path) -> dict[str, ResourceFile]:
    """URI -> resource, for every bundled example protocol and policy (sorted)."""
    out: dict[str, ResourceFile] = {
        SCHEMA_URI: ResourceFile(
            SCHEMA_URI, "protocol.json", "JSON Schema of the labwright protocol language",
            "application/schema+json", None,
        )
    }
    folders = [
        (examples / "protocols", "protocols", "protocol"),
        (examples / "protocols" / "faulty", "protocols/faulty", "protocol"),
        (examples / "policies", "policies", "policy"),
    ]
    for folder, prefix, kind in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in _MIME:
                uri = f"{SCHEME}://examples/{prefix}/{path.name}"
                name, mime = f"{prefix}/{path.name}", _MIME[path.suffix]
                out[uri] = ResourceFile(uri, name, _describe(path, kind), mime, path)
    return out


def read(resource: ResourceFile) -> str:
    if resource.path is None:
        from labwright.protocols import json_schema

        return json.dumps(json_schema(), indent=2)
    return resource.path.read_text(encoding="utf-8")
