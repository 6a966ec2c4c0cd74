"""A small OpenAI-compatible chat-completions server on 127.0.0.1, answering from a Brain.

It speaks the wire format a real server (OpenAI, vLLM, llama.cpp) speaks and refuses what they
refuse, so the provider package is exercised as it is in production:

- ``POST /v1/chat/completions``: ``model``, ``messages`` (roles; every tool call answered by
  one ``tool`` message; arguments as strings), ``tools`` (function name pattern, object
  parameters), ``tool_choice`` (none/auto/required or a named function that was offered),
  ``response_format`` (``text``, ``json_object`` - which needs the word JSON in the messages -,
  ``json_schema`` with a ``name`` and a ``schema``), ``stream`` (server-sent events, chunks
  with deltas, ``[DONE]``; a usage chunk with ``stream_options.include_usage``). Answers are
  ``chat.completion`` objects with ``choices``, ``finish_reason`` (``tool_calls`` or ``stop``)
  and ``usage``. Errors are ``{"error": {"message", "type", "param", "code"}}`` with 400/401/404.
- ``GET /v1/models``: the model list.
- An API key, when the server is given one, is required as ``Authorization: Bearer KEY``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chat_llm_fakes import Brain, ConversationError

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class RequestError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def _validate_tools(body: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for i, tool in enumerate(body.get("tools") or []):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise RequestError(400, f"Invalid value at tools[{i}]: expected a function tool", f"tools[{i}]")
        if not NAME_RE.match(str(fn.get("name", ""))):
            raise RequestError(
                400,
                f"Invalid 'tools[{i}].function.name': must match ^[a-zA-Z0-9_-]{{1,64}}$",
                f"tools[{i}].function.name",
            )
        params = fn.get("parameters", {"type": "object"})
        if not isinstance(params, dict) or params.get("type") != "object":
            raise RequestError(
                400,
                f"Invalid schema for function '{fn['name']}': type must be 'object'",
                f"tools[{i}].function.parameters",
            )
        names.add(fn["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        if wanted not in names:
            raise RequestError(
                400, f"Invalid value for 'tool_choice': no function named '{wanted}' in tools", "tool_choice"
            )
    elif choice not in (None, "none", "auto", "required"):
        raise RequestError(400, f"Invalid value for 'tool_choice': {choice!r}", "tool_choice")
    return names


def _validate_format(body: dict[str, Any]) -> None:
    fmt = body.get("response_format")
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind not in {"text", "json_object", "json_schema"}:
        raise RequestError(400, f"Invalid value for 'response_format.type': {kind!r}", "response_format.type")
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        if not NAME_RE.match(str(spec.get("name", ""))) or not isinstance(spec.get("schema"), dict):
            raise RequestError(
                400,
                "'response_format.json_schema' needs a valid 'name' and a 'schema' object",
                "response_format.json_schema",
            )
    if kind == "json_object":
        text = json.dumps(body.get("messages")).lower()
        if "json" not in text:
            raise RequestError(
                400,
                "'messages' must contain the word 'json' in some form, to use "
                "'response_format' of type 'json_object'.",
                "messages",
            )


def validate(body: Any) -> None:
    if not isinstance(body, dict):
        raise RequestError(400, "We could not parse the JSON body of your request.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise RequestError(400, "you must provide a model parameter", "model")
    if not isinstance(body.get("messages"), list):
        raise RequestError(400, "Missing required parameter: 'messages'.", "messages")
    _validate_tools(body)
    _validate_format(body)
    try:
        from chat_llm_fakes import check_conversation

        check_conversation(body["messages"])
    except ConversationError as exc:
        raise RequestError(400, str(exc), "messages") from None


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)


def completion(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    message = {"role": "assistant", "content": reply.get("content"), "refusal": None}
    if reply.get("tool_calls"):
        message["tool_calls"] = reply["tool_calls"]
    prompt, done = _tokens(body["messages"]), _tokens(reply)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done},
    }


def chunks(body: dict[str, Any], reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The completion as ``chat.completion.chunk`` deltas (content in pieces, tool calls by index)."""
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fp_fake",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    text = reply.get("content") or ""
    out += [chunk({"content": text[i : i + 16]}) for i in range(0, len(text), 16)]
    for index, call in enumerate(reply.get("tool_calls") or []):
        out.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        args = call["function"]["arguments"]
        out += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": args[i : i + 64]}}]})
            for i in range(0, len(args), 64)
        ]
    out.append(chunk({}, "tool_calls" if reply.get("tool_calls") else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        prompt, done = _tokens(body["messages"]), _tokens(reply)
        out.append(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done},
            }
        )
    return out


class FakeOpenAI:
    """The server, in a thread: ``with FakeOpenAI(brain) as server: server.url``."""

    def __init__(self, brain: Brain, *, api_key: str | None = None, model: str = "scripted") -> None:
        self.brain = brain
        self.api_key = api_key
        self.model = model
        self.bodies: list[dict[str, Any]] = []
        self.errors: list[tuple[int, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, exc: RequestError) -> None:
                server.errors.append((exc.status, exc.message))
                kind = "invalid_request_error" if exc.status != 401 else "authentication_error"
                self._send(
                    exc.status,
                    {"error": {"message": exc.message, "type": kind, "param": exc.param, "code": exc.code}},
                )

            def _authorised(self) -> bool:
                if server.api_key is None:
                    return True
                if self.headers.get("Authorization") == f"Bearer {server.api_key}":
                    return True
                self._error(RequestError(401, "Incorrect API key provided.", code="invalid_api_key"))
                return False

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                if self.path.rstrip("/") == "/v1/models":
                    self._send(
                        200,
                        {
                            "object": "list",
                            "data": [
                                {"id": server.model, "object": "model", "created": 0, "owned_by": "fake"}
                            ],
                        },
                    )
                else:
                    self._error(
                        RequestError(404, f"Unknown request URL: GET {self.path}", code="unknown_url")
                    )

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._error(
                        RequestError(404, f"Unknown request URL: POST {self.path}", code="unknown_url")
                    )
                    return
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                    validate(body)
                    if body["model"] != server.model:
                        raise RequestError(
                            404, f"The model `{body['model']}` does not exist", "model", "model_not_found"
                        )
                    server.bodies.append(body)
                    reply = server.brain.answer(body)
                except json.JSONDecodeError:
                    self._error(RequestError(400, "We could not parse the JSON body of your request."))
                    return
                except RequestError as exc:
                    self._error(exc)
                    return
                except ConversationError as exc:
                    self._error(RequestError(400, str(exc), "messages"))
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._send(200, completion(body, reply))

            def _stream(self, body: dict[str, Any], reply: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for item in chunks(body, reply):
                    self.wfile.write(f"data: {json.dumps(item)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler
