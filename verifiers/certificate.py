"""Certificates: proof that this verifier found no errors in exactly these protocol bytes.

A certificate binds the protocol's SHA-256 (of its canonical JSON), the verifier version, the
policy's SHA-256 and the passes that ran, signed with HMAC-SHA256 under a local key. The key
lives in the labwright home (``$LABWRIGHT_HOME`` or the user data dir), created on first use
with mode 0600. Any change to the protocol changes its hash and voids the certificate.

A protocol imported from an Opentrons file (a Python protocol or a Protocol Designer JSON file)
is certified twice over: ``protocol_sha256`` is the hash of the converted labwright protocol
(what the deck twin runs and every pass checked), and ``source`` (a ``SourceBinding``) names the
exact file: the SHA-256 of its bytes, its kind, the runtime parameter values its analysis used
and the hashes of the custom labware definitions given with it. What reaches the simulator or
the robot is that file, unchanged: the dispatcher refuses a file whose bytes, parameter values
or labware differ from the certificate's (``source_problem``). The same file with other
parameter values is another certified thing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from labwright.protocols.errors import ConfigurationError
from labwright.protocols.provenance import labwright_version
from pydantic import BaseModel, ConfigDict, Field

VERIFIER_VERSION = f"labwright-verifier/{labwright_version()}"


def labwright_home() -> Path:
    env = os.environ.get("LABWRIGHT_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("labwright", appauthor=False))


def key_path() -> Path:
    return labwright_home() / "certificate.key"


def load_or_create_key(path: Path | None = None) -> bytes:
    path = path or key_path()
    if path.exists():
        try:
            data = path.read_bytes().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the certificate key {path}: {exc.strerror or exc}",
                hint="the key must be a readable file; move what is there away and a new key is "
                "created (existing certificates become invalid)",
            ) from None
        if len(data) < 32:
            raise ConfigurationError(
                f"the certificate key {path} is too short ({len(data)} bytes)",
                hint="delete it to have a new one created (existing certificates become invalid)",
            )
        return data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the certificate key at {path}: {exc}",
            hint="set LABWRIGHT_HOME to a writable directory",
        ) from exc
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"labwright-key-id:" + key).hexdigest()[:16]


# Every certificate names these passes: a protocol is certified only after the formal passes,
# the chemical safety pass and the lab-policy pass all ran on it. Nothing issues or accepts a
# certificate without them.
REQUIRED_PASSES: tuple[str, ...] = ("schema", "references", "hardware", "replay", "safety", "policy")


def missing_passes(passes: list[str] | tuple[str, ...]) -> list[str]:
    return [p for p in REQUIRED_PASSES if p not in passes]


def labware_sha256(definition: dict[str, Any]) -> str:
    """The identity of a custom labware definition: SHA-256 of its canonical JSON (sorted keys)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceBinding(BaseModel):
    """The Opentrons file a certificate covers (``Certificate.source``), when the certified
    protocol was converted from one: what is dispatched to a simulator or robot is this file."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["opentrons-python", "opentrons-json"] = Field(
        description="an Opentrons Python protocol or a Protocol Designer JSON protocol"
    )
    sha256: str = Field(description="SHA-256 of the file's exact bytes")
    runtime_parameters: dict[str, bool | int | float | str] = Field(
        default_factory=dict,
        description="the value of every runtime parameter the analysis used (from --param, or the default)",
    )
    custom_labware_sha256: tuple[str, ...] = Field(
        default=(), description="labware_sha256 of each custom labware definition sent with the file, sorted"
    )


class Certificate(BaseModel):
    model_config = ConfigDict(frozen=True)

    protocol_sha256: str
    verifier_version: str
    policy_sha256: str
    passes: list[str]
    issued_at: str
    key_id: str
    signature: str
    approvals_required: tuple[str, ...] = ()
    """Findings a person must approve before dispatch (e.g. a CWC Schedule 3 chemical)."""
    source: SourceBinding | None = None
    """The exact Opentrons file (bytes, runtime parameter values, custom labware) the protocol
    was converted from; None for a protocol written in the protocol language."""

    def payload(self) -> bytes:
        # the optional fields are signed only when set: without them the payload is what it was
        # before they existed, so older certificates keep verifying
        exclude = {"signature"}
        if not self.approvals_required:
            exclude.add("approvals_required")
        if self.source is None:
            exclude.add("source")
        body = self.model_dump(mode="json", exclude=exclude)
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def issue_certificate(
    protocol_sha256: str,
    policy_sha256: str,
    passes: list[str],
    key: bytes | None = None,
    approvals_required: tuple[str, ...] = (),
    source: SourceBinding | None = None,
) -> Certificate:
    if missing := missing_passes(passes):
        raise ValueError(f"a certificate needs every required pass; missing: {', '.join(missing)}")
    key = key if key is not None else load_or_create_key()
    unsigned = Certificate(
        protocol_sha256=protocol_sha256,
        verifier_version=VERIFIER_VERSION,
        policy_sha256=policy_sha256,
        passes=passes,
        issued_at=datetime.now(UTC).isoformat(timespec="seconds"),
        key_id=key_id(key),
        signature="",
        approvals_required=tuple(approvals_required),
        source=source,
    )
    sig = hmac.new(key, unsigned.payload(), hashlib.sha256).hexdigest()
    return unsigned.model_copy(update={"signature": sig})


def check_certificate(cert: Certificate, protocol_sha256: str, key: bytes | None = None) -> str | None:
    """None if valid for these bytes; otherwise the reason it is not."""
    key = key if key is not None else load_or_create_key()
    expected = hmac.new(key, cert.payload(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, cert.signature):
        return "the certificate's signature does not match (tampered, or signed with another key)"
    if cert.verifier_version != VERIFIER_VERSION:
        return f"the certificate was issued by {cert.verifier_version}, not {VERIFIER_VERSION}"
    if cert.protocol_sha256 != protocol_sha256:
        return "the protocol changed after it was certified (its SHA-256 differs)"
    if missing := missing_passes(cert.passes):
        return f"the certificate does not cover the {', '.join(missing)} pass(es)"
    return None


def source_problem(cert: Certificate, sent: SourceBinding | None) -> str | None:
    """None if ``sent`` (what is about to be dispatched: an Opentrons file, or None for the
    labwright protocol itself) is what the certificate covers; otherwise the reason it is not."""
    if cert.source is None:
        if sent is None:
            return None
        return "the certificate covers a labwright protocol, not an Opentrons file; validate the file itself"
    if sent is None:
        return (
            f"the certificate covers an Opentrons file ({cert.source.kind}); dispatch that file, "
            "not only its converted protocol"
        )
    if sent.kind != cert.source.kind:
        return f"the certificate covers an {cert.source.kind} file, not an {sent.kind} file"
    if sent.sha256 != cert.source.sha256:
        return "the file changed after it was certified (the SHA-256 of its bytes differs)"
    if _canonical(sent.runtime_parameters) != _canonical(cert.source.runtime_parameters):  # True is not 1
        return (
            f"the runtime parameter values {_values(sent.runtime_parameters)} are not the certified "
            f"{_values(cert.source.runtime_parameters)}"
        )
    if tuple(sorted(sent.custom_labware_sha256)) != tuple(sorted(cert.source.custom_labware_sha256)):
        return "the custom labware definitions differ from those the file was certified with"
    return None


def _canonical(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def _values(values: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in sorted(values.items())) + "}" if values else "(defaults)"
