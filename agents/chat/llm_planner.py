"""A language model as the planner: structured output, read-only tool calls, malformed JSON.

- *understand*: structured output of :data:`UNDERSTANDING_SCHEMA` (``with_structured_output``,
  JSON-schema response format where the provider has one, tool calling otherwise); an answer
  that does not parse is sent back with the parse error, a few times at most.
- *draft* and *repair*: a tool-calling loop. The model may call the read-only tools
  (:mod:`labwright.agents.chat.tools`) and finishes by calling ``submit_protocol``, whose
  parameters are the project's published JSON Schema of the protocol language
  (``labwright.protocols.io.json_schema``). Arguments that are not valid JSON come back as an
  error for that call; a model that answers in plain text with a JSON object (no tool support)
  is read too. A model that never submits within its turns is a :class:`PlannerFailedError`.

Repair feedback is the verifier's findings (``verifiers.render.findings_for_llm``), fenced as
data together with the previous draft (:mod:`labwright.agents.chat.prompts`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from labwright.agents.chat import prompts
from labwright.agents.chat.planners import Draft, PlannerFailedError, Understanding
from labwright.agents.chat.providers import ModelSpec, provider_error
from labwright.agents.chat.tools import call_tool, read_only_tools, tool_spec
from labwright.protocols.findings import Finding
from pydantic import ValidationError

log = logging.getLogger(__name__)

SUBMIT = "submit_protocol"
MAX_TURNS = 8
MAX_MALFORMED = 3

UNDERSTANDING_SCHEMA: dict[str, Any] = {
    "title": "report_understanding",
    "description": "What you understood of the request, its purpose, a short plan, what you did "
    "not understand, and a refusal reason (null unless the request must not be carried out).",
    "type": "object",
    "properties": {
        "understood": {"type": "string"},
        "purpose": {"type": "string"},
        "plan": {"type": "array", "items": {"type": "string"}},
        "not_understood": {"type": "array", "items": {"type": "string"}},
        "refusal": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["understood", "purpose", "plan", "not_understood", "refusal"],
    "additionalProperties": False,
}


@lru_cache(maxsize=1)
def submit_spec() -> dict[str, Any]:
    """The ``submit_protocol`` tool: a protocol document (the published schema) and changes."""
    from labwright.protocols.io import json_schema

    schema = json_schema()
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    parameters = {
        "type": "object",
        "properties": {
            "document": schema,
            "changes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "when repairing: what you changed and why, one line each",
            },
        },
        "required": ["document"],
        "$defs": defs,
    }
    return {
        "type": "function",
        "function": {
            "name": SUBMIT,
            "description": "Submit the complete protocol document (labwright protocol language) for "
            "verification. This is the only way to hand in a protocol.",
            "parameters": parameters,
        },
    }


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a plain-text answer (a fenced block or the outermost braces)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _submission(args: Any) -> Draft | None:
    """A Draft from ``submit_protocol`` arguments (a document given as a JSON string is read)."""
    if not isinstance(args, dict):
        return None
    document = args.get("document")
    if isinstance(document, str):
        document = _json_object(document)
    if document is None and ("metadata" in args or "steps" in args):
        document = {k: v for k, v in args.items() if k != "changes"}
    if not isinstance(document, dict):
        return None
    changes = args.get("changes") or []
    return Draft(document=document, changes=[str(c) for c in changes] if isinstance(changes, list) else [])


def _text_submission(text: str) -> Draft | None:
    """A protocol written as JSON in a plain-text answer (a model without tool calls); any other
    JSON in the text (a claimed certificate, a summary) is not a submission."""
    found = _json_object(text)
    if found is None:
        return None
    draft = _submission(found if "document" in found else {"document": found})
    if draft is None or not isinstance(draft.document, dict):
        return None
    return draft if {"metadata", "steps"} & set(draft.document) else None


class LlmPlanner:
    """A LangChain chat model as the graph's planner."""

    def __init__(
        self,
        model: Any,
        spec: ModelSpec,
        *,
        tools: dict[str, Any] | None = None,
        max_turns: int = MAX_TURNS,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.spec = spec
        self.name = spec.label()
        self.tools = read_only_tools() if tools is None else tools
        self.max_turns = max_turns
        self.on_event = on_event or (lambda _text: None)

    # ------------------------------------------------------------------------------ calls

    def _invoke(self, runnable: Any, messages: list[Any]) -> Any:
        try:
            return runnable.invoke(messages)
        except Exception as exc:
            mapped = provider_error(exc, self.spec)
            if mapped is not None:
                raise mapped from exc
            raise

    def understand(self, request: str) -> Understanding:
        from langchain_core.messages import HumanMessage, SystemMessage

        structured = self.model.with_structured_output(
            UNDERSTANDING_SCHEMA, method="json_schema", include_raw=True
        )
        messages: list[Any] = [
            SystemMessage(prompts.RULES + "\n\n" + prompts.UNDERSTAND_TASK),
            HumanMessage(request),
        ]
        for _attempt in range(MAX_MALFORMED):
            self.on_event("asking the model what it understood")
            out = self._invoke(structured, messages)
            parsed, error = out.get("parsed"), out.get("parsing_error")
            if isinstance(parsed, dict):
                try:
                    return Understanding.model_validate({**parsed, "document": None})
                except ValidationError as exc:
                    error = exc
            messages.append(HumanMessage(f"Your answer did not match the schema ({error}). Answer again."))
        raise PlannerFailedError(
            f"the model did not report its understanding in the requested form after {MAX_MALFORMED} tries",
            hint="try another model, or the offline planner (--model offline)",
        )

    def draft(self, request: str, understanding: Understanding) -> Draft:
        from langchain_core.messages import HumanMessage, SystemMessage

        summary = prompts.understanding_summary(
            understanding.understood, understanding.purpose, understanding.plan
        )
        messages: list[Any] = [
            SystemMessage(prompts.RULES),
            HumanMessage(f"{prompts.DRAFT_TASK}\n\nRequest:\n{request}\n\n{summary}"),
        ]
        return self._submit_loop(messages)

    def repair(self, request: str, document: dict[str, Any], findings: list[Finding], round: int) -> Draft:
        from langchain_core.messages import HumanMessage, SystemMessage

        messages: list[Any] = [
            SystemMessage(prompts.RULES),
            HumanMessage(f"Request:\n{request}"),
            HumanMessage(
                prompts.fenced_json("your previous draft", document)
                + "\n\n"
                + prompts.repair_feedback(findings, round)
            ),
        ]
        return self._submit_loop(messages)

    # --------------------------------------------------------------------------- the loop

    def _submit_loop(self, messages: list[Any]) -> Draft:
        from langchain_core.messages import HumanMessage, ToolMessage

        bound = self.model.bind_tools([*(tool_spec(t) for t in self.tools.values()), submit_spec()])
        malformed = 0
        for _turn in range(self.max_turns):
            self.on_event("the model is drafting")
            reply = self._invoke(bound, messages)
            messages.append(reply)
            for call in reply.tool_calls:
                if call["name"] == SUBMIT:
                    draft = _submission(call["args"])
                    if draft is not None:
                        return draft
            answers, bad = self._answer_calls(reply)
            malformed += bad
            messages.extend(ToolMessage(content=text, tool_call_id=cid) for cid, text in answers)
            if not reply.tool_calls and not reply.invalid_tool_calls:
                draft = _text_submission(str(reply.content or ""))
                if draft is not None:
                    return draft
                malformed += 1 if "{" in str(reply.content or "") else 0
                messages.append(HumanMessage(f"Call {SUBMIT} with the complete protocol document."))
            if malformed >= MAX_MALFORMED:
                raise PlannerFailedError(
                    f"the model sent malformed protocol JSON {malformed} times",
                    hint="try another model, or the offline planner (--model offline)",
                )
        raise PlannerFailedError(
            f"the model did not submit a protocol within {self.max_turns} turns",
            hint="try another model, or the offline planner (--model offline)",
        )

    def _answer_calls(self, reply: Any) -> tuple[list[tuple[str, str]], int]:
        """An answer for every tool call of ``reply`` (the API requires one per call id)."""
        answers: list[tuple[str, str]] = []
        bad = 0
        for call in reply.tool_calls:
            if call["name"] == SUBMIT:
                bad += 1
                answers.append((call["id"], json.dumps({"error": "no protocol document in the arguments"})))
                continue
            result = call_tool(
                self.tools, call["name"], call["args"], on_call=lambda n: self.on_event(f"tool {n}")
            )
            answers.append((call["id"], prompts.fenced(f"result of {call['name']}", result)))
        for call in reply.invalid_tool_calls:
            bad += 1
            answers.append(
                (
                    call.get("id") or "",
                    json.dumps(
                        {
                            "error": f"the arguments of {call.get('name')} are not valid JSON "
                            f"({call.get('error') or 'parse error'}); call it again with valid JSON"
                        }
                    ),
                )
            )
        return answers, bad
