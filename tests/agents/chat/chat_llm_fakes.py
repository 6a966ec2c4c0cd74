"""Scripted language models for the chat tests: they stand in for what is outside this machine.

A :class:`Brain` answers chat-completions requests (OpenAI wire format: ``messages``, ``tools``,
``response_format``) from per-phase scripts:

- *understand*: the request asks for ``report_understanding`` (a JSON-schema response format,
  or a tool of that name when the client falls back to tool calling);
- *draft*: the ``submit_protocol`` tool is offered and no verifier findings were sent;
- *repair*: the ``submit_protocol`` tool is offered and the last message carries findings.

Each script entry is an assistant message (dict) or a function of the request returning one;
helpers build the usual ones (:func:`understanding`, :func:`submit`, :func:`tool_call`,
:func:`malformed`, :func:`say`). The brain checks every conversation as the real API does
(:func:`check_conversation`: every tool call answered once, no tool message without its call)
and records every request, so tests can assert on what the planner sent.

:class:`ScriptedChatModel` is a LangChain ``BaseChatModel`` driven by a brain in-process: it
converts LangChain messages to the wire format and the brain's answer back, parsing tool-call
arguments the way the provider packages do (bad JSON becomes an *invalid* tool call). The
same brain also drives the fake OpenAI-compatible HTTP server (``chat_fake_openai``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]
_ids = itertools.count(1)


class ConversationError(AssertionError):
    """A request the real API would refuse with HTTP 400."""


# ------------------------------------------------------------------------------- replies


def tool_call(name: str, args: Any, *, raw: str | None = None) -> dict[str, Any]:
    """An assistant message calling one tool (``raw``: the arguments text as sent, maybe broken)."""
    arguments = raw if raw is not None else json.dumps(args)
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{next(_ids)}",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        ],
    }


def submit(document: dict[str, Any], changes: list[str] | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"document": document}
    if changes is not None:
        args["changes"] = changes
    return tool_call("submit_protocol", args)


def malformed(document: dict[str, Any]) -> dict[str, Any]:
    """``submit_protocol`` with arguments cut short: not valid JSON."""
    text = json.dumps({"document": document})
    return tool_call("submit_protocol", None, raw=text[: len(text) // 2])


def say(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def understanding(
    understood: str,
    purpose: str = "",
    plan: list[str] | None = None,
    refusal: str | None = None,
    not_understood: list[str] | None = None,
) -> Reply:
    """What the model understood, in whichever form the request asked for."""
    body = {
        "understood": understood,
        "purpose": purpose,
        "plan": plan or ["draft the protocol"],
        "not_understood": not_understood or [],
        "refusal": refusal,
    }

    def reply(request: dict[str, Any]) -> dict[str, Any]:
        if (request.get("response_format") or {}).get("type") in {"json_schema", "json_object"}:
            return say(json.dumps(body))
        return tool_call("report_understanding", body)

    return reply


# --------------------------------------------------------------------------------- brain


def _tool_names(request: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools") or [] if t.get("type") == "function"}


def phase_of(request: dict[str, Any]) -> str:
    fmt = request.get("response_format") or {}
    names = _tool_names(request)
    if fmt.get("type") == "json_schema" or "report_understanding" in names:
        return "understand"
    if "submit_protocol" in names:
        texts = [str(m.get("content") or "") for m in request["messages"] if m.get("role") == "user"]
        return "repair" if any("verifier findings" in t for t in texts) else "draft"
    return "other"


def check_conversation(messages: list[dict[str, Any]]) -> None:
    """Raise ConversationError where the real chat-completions API answers 400."""
    if not messages:
        raise ConversationError("'messages' must be a non-empty array")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        role = m.get("role")
        if role not in {"system", "user", "assistant", "tool", "developer"}:
            raise ConversationError(f"messages[{i}].role {role!r} is not valid")
        if role == "tool":
            if m.get("tool_call_id") not in open_calls:
                raise ConversationError(
                    f"messages[{i}]: a 'tool' message must respond to a preceding 'tool_calls' id"
                )
            open_calls.discard(m["tool_call_id"])
            continue
        if open_calls:
            raise ConversationError(
                f"messages[{i}]: an assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id' (missing {sorted(open_calls)})"
            )
        if role == "assistant":
            for call in m.get("tool_calls") or []:
                if not isinstance(call.get("function", {}).get("arguments"), str):
                    raise ConversationError(f"messages[{i}]: tool call arguments must be a string")
                open_calls.add(call["id"])


class Brain:
    """Per-phase scripts of replies; the last reply of a phase repeats when its script runs out."""

    def __init__(
        self,
        *,
        understand: list[Reply] | None = None,
        draft: list[Reply] | None = None,
        repair: list[Reply] | None = None,
    ) -> None:
        self.scripts: dict[str, list[Reply]] = {
            "understand": list(understand or []),
            "draft": list(draft or []),
            "repair": list(repair or []),
        }
        self.used: dict[str, int] = {k: 0 for k in self.scripts}
        self.requests: list[dict[str, Any]] = []

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        check_conversation(request["messages"])
        self.requests.append(request)
        phase = phase_of(request)
        script = self.scripts.get(phase) or []
        if not script:
            raise ConversationError(f"no script for the {phase} phase")
        entry = script[min(self.used[phase], len(script) - 1)]
        self.used[phase] += 1
        return entry(request) if callable(entry) else entry

    def requests_of(self, phase: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if phase_of(r) == phase]


# ------------------------------------------------------------------------- LangChain model


def _wire(message: BaseMessage) -> dict[str, Any]:
    """A LangChain message in the chat-completions wire format (as the provider packages send it)."""
    if message.type == "system":
        return {"role": "system", "content": message.content}
    if message.type == "human":
        return {"role": "user", "content": message.content}
    if message.type == "tool":
        return {"role": "tool", "content": message.content, "tool_call_id": message.tool_call_id}
    calls = [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"])},
        }
        for c in message.tool_calls
    ]
    calls += [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["args"]}}
        for c in message.invalid_tool_calls
    ]
    out: dict[str, Any] = {"role": "assistant", "content": message.content or None}
    if calls:
        out["tool_calls"] = calls
    return out


def to_ai_message(reply: dict[str, Any]) -> AIMessage:
    """The brain's assistant message as a LangChain AIMessage (bad JSON -> invalid tool call)."""
    from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call

    calls, invalid = [], []
    for raw in reply.get("tool_calls") or []:
        try:
            calls.append(parse_tool_call(raw, return_id=True))
        except Exception as exc:
            invalid.append(make_invalid_tool_call(raw, str(exc)))
    return AIMessage(content=reply.get("content") or "", tool_calls=calls, invalid_tool_calls=invalid)


class ScriptedChatModel(BaseChatModel):
    """A chat model whose answers come from a :class:`Brain` (tools bound as a real model binds them)."""

    brain: Any
    bound_tools: list[dict[str, Any]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        specs = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=specs, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = {"model": "scripted", "messages": [_wire(m) for m in messages]}
        if kwargs.get("tools"):
            request["tools"] = kwargs["tools"]
        if kwargs.get("tool_choice") not in (None, "auto"):
            request["tool_choice"] = kwargs["tool_choice"]
        reply = self.brain.answer(request)
        return ChatResult(generations=[ChatGeneration(message=to_ai_message(reply))])
