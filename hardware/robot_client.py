"""A small HTTP client for the Opentrons robot server (port 31950), with an honest retry policy.

Every request carries the ``Opentrons-Version`` header (``*`` asks for the newest HTTP API
version the robot speaks; a number pins one). Errors come back as JSON:API error objects
(``{"errors": [{"id", "title", "detail", ...}]}``) and are raised as ``RobotHttpError`` with the
robot's own words.

What is retried, and why:

* ``GET`` requests are safe: retried on connection failures, timeouts, dropped connections
  and 5xx answers, with exponential back-off, up to ``RetryPolicy.attempts`` / ``deadline_s``.
* ``POST`` requests change the robot and are never retried here. ``post`` raises
  ``RequestNotSentError`` when the request certainly did not reach the robot (the connection
  could not be opened) and ``AmbiguousRequestError`` when it may have been processed (timeout
  waiting for the answer, connection dropped mid-way, 5xx). The caller decides, by reading the
  robot's state back, whether to send again (see ``opentrons_http``).
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from labwright.hardware.errors import BackendError, BackendUnavailableError, RobotHttpError
from labwright.protocols.errors import ConfigurationError
from pydantic import BaseModel

log = logging.getLogger(__name__)

DEFAULT_PORT = 31950
VERSION_HEADER = "Opentrons-Version"


class RetryPolicy(BaseModel):
    attempts: int = 5
    backoff_s: float = 0.2
    backoff_max_s: float = 2.0
    deadline_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.backoff_s * (2**attempt), self.backoff_max_s)


class RequestNotSentError(BackendError):
    """The request never reached the robot (connection refused / could not connect)."""


class AmbiguousRequestError(BackendError):
    """The request may or may not have been processed by the robot."""


def base_url(host: str, port: int | None = None) -> str:
    """``ROBOT_HOST`` / ``host:port`` / ``http://host:port`` -> ``http://host:port``."""
    text = host.strip().rstrip("/")
    hint = "pass --robot HOST, HOST:PORT or http://HOST:PORT (IPv6: http://[::1]:31950)"
    try:
        parts = urlsplit(text if "://" in text else f"http://{text}")
        explicit_port = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ConfigurationError(f"{host!r} is not a robot address ({exc})", hint=hint) from None
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"{host!r} is not a robot address", hint=hint)
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{name}:{port or explicit_port or DEFAULT_PORT}"


def _robot_errors(response: httpx.Response) -> tuple[str, list[dict[str, Any]]]:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase, []
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        msgs = []
        for e in errors:
            if isinstance(e, dict):
                title, detail = e.get("title") or e.get("id") or "error", e.get("detail") or ""
                msgs.append(f"{title}: {detail}" if detail else str(title))
        return "; ".join(msgs), [e for e in errors if isinstance(e, dict)]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"]), []
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"]), []
    return response.text.strip()[:300], []


class RobotClient:
    """HTTP access to one robot."""

    def __init__(
        self,
        host: str,
        *,
        port: int | None = None,
        api_version: str = "*",
        timeout_s: float = 10.0,
        connect_timeout_s: float = 3.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = base_url(host, port)
        self.api_version = api_version
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self.url,
            headers={VERSION_HEADER: api_version},
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        )

    def close(self) -> None:
        self._http.close()

    # ---------------------------------------------------------------------------------- GET

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET with retries on transport errors and 5xx; 4xx raises ``RobotHttpError`` at once."""
        start = time.monotonic()
        last: str = ""
        for attempt in range(self.retry.attempts):
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if response.status_code < 400:
                    return self._json(response, path)
                message, errors = _robot_errors(response)
                if response.status_code < 500:
                    raise RobotHttpError(
                        f"the robot answered GET {path} with HTTP {response.status_code}: {message}",
                        status_code=response.status_code,
                        errors=errors,
                    )
                last = f"HTTP {response.status_code}: {message}"
            if attempt + 1 < self.retry.attempts and time.monotonic() - start < self.retry.deadline_s:
                log.info("GET %s failed (%s); retrying", path, last)
                time.sleep(self.retry.delay(attempt))
            else:
                break
        raise BackendUnavailableError(
            f"the robot at {self.url} did not answer GET {path} ({last})",
            hint="check the robot is on and reachable (--robot HOST), then run again with the same --key",
        )

    # --------------------------------------------------------------------------------- POST

    def post(
        self,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        files: dict[str, Any] | list[tuple[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One POST, never retried: (status, body), or a ``RequestNotSent``/``Ambiguous`` error."""
        try:
            response = self._http.post(path, json=json, files=files, data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RequestNotSentError(f"POST {path} could not reach the robot at {self.url}: {exc}") from exc
        except httpx.TransportError as exc:
            raise AmbiguousRequestError(
                f"POST {path}: no complete answer from the robot ({type(exc).__name__}: {exc})".rstrip(": ")
            ) from exc
        if response.status_code >= 500:
            message, _ = _robot_errors(response)
            raise AmbiguousRequestError(
                f"POST {path}: the robot answered HTTP {response.status_code}: {message}"
            )
        if response.status_code >= 400:
            message, errors = _robot_errors(response)
            raise RobotHttpError(
                f"the robot refused POST {path} (HTTP {response.status_code}): {message}",
                status_code=response.status_code,
                errors=errors,
            )
        return response.status_code, self._json(response, path)

    def _json(self, response: httpx.Response, path: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise BackendError(f"the robot's answer to {path} is not JSON: {response.text[:200]!r}") from exc
        if not isinstance(body, dict):
            raise BackendError(f"the robot's answer to {path} is not a JSON object")
        return body
