"""The agent-tool convention, defined once.

An agent tool is a read-only function from one pydantic model to another, which an LLM (or a
planner) may call:

- its input derives from :class:`ToolInput`: unknown fields are refused and ``time_budget_s``
  bounds the wall-clock time it may take;
- its output derives from :class:`ToolOutput`, whose ``provenance`` derives from
  :class:`ToolProvenance`: the tool's name, its time budget and the seconds the call took, the
  Python version and the versions of the packages the result depends on;
- ``@agent_tool(name, description, packages=...)`` turns ``fn(request, **options) -> output``
  into a :class:`Tool`: still callable as before, it validates the request (a model or a plain
  dict, as an LLM sends it), runs the function and fills the provenance.

The time budget is cooperative (a thread cannot be stopped from outside safely): a tool starts
no new unit of work once its :class:`Deadline` has passed, so it ends within its budget plus one
unit (one frame, one relaxation, one batch of oracle calls). ``run_tool`` records budget and
elapsed time in the provenance and logs a warning when a tool overran it.

Light on purpose (pydantic and the standard library): the verifier, safety and deck tools use it
as well as the computational chemistry.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from labwright.protocols.provenance import package_versions, python_version
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

#: longest budget any tool accepts (a tool may lower it)
MAX_TIME_BUDGET_S = 24 * 3600.0
#: an overrun past the budget that is still "one more unit of work" (warning beyond it)
OVERRUN_GRACE_S = 5.0


class ToolInput(BaseModel):
    """Base of every tool's input: extra fields refused, a wall-clock time budget."""

    model_config = ConfigDict(extra="forbid")

    time_budget_s: float = Field(
        60.0,
        gt=0.0,
        le=MAX_TIME_BUDGET_S,
        description="wall-clock budget in seconds; the tool stops cleanly when it runs out",
    )

    def deadline(self) -> Deadline:
        """A deadline ``time_budget_s`` from now."""
        return Deadline(self.time_budget_s)


class ToolProvenance(BaseModel):
    """What every tool result records about how it was made (tools add their own fields)."""

    tool: str = Field("", description="name of the agent tool that produced the result")
    time_budget_s: float | None = Field(None, description="the budget the tool was given (s)")
    elapsed_s: float | None = Field(None, description="wall-clock seconds the call took")
    python: str = Field(default_factory=python_version)
    versions: dict[str, str] = Field(
        default_factory=dict, description="installed versions of the packages the result depends on"
    )


class ToolOutput(BaseModel):
    """Base of every tool's output: it carries its provenance."""

    provenance: ToolProvenance


@dataclass
class Deadline:
    """A wall-clock budget started now (monotonic clock)."""

    seconds: float
    start: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def expired(self) -> bool:
        return self.remaining() <= 0.0


In = TypeVar("In", bound=ToolInput)
Out = TypeVar("Out", bound=ToolOutput)


class Tool(Generic[In, Out]):
    """One agent tool: name, description, input and output models, the function, its packages.

    Calling the tool is :func:`run_tool`; ``schema()`` is what an LLM is shown.
    """

    def __init__(
        self,
        name: str,
        description: str,
        input_model: type[In],
        output_model: type[Out],
        fn: Callable[..., Out],
        packages: tuple[str, ...] = (),
    ) -> None:
        if not (isinstance(input_model, type) and issubclass(input_model, ToolInput)):
            raise TypeError(f"tool {name}: the input model must derive from ToolInput")
        if not (isinstance(output_model, type) and issubclass(output_model, ToolOutput)):
            raise TypeError(f"tool {name}: the output model must derive from ToolOutput")
        self.name = name
        self.description = description
        self.input_model = input_model
        self.output_model = output_model
        self.fn = fn
        self.packages = tuple(packages)
        functools.update_wrapper(self, fn)

    def __call__(self, request: In | Mapping[str, Any], /, **options: Any) -> Out:
        return run_tool(self, request, **options)

    def schema(self) -> dict[str, Any]:
        """Name, description and the input's JSON Schema (function-calling format)."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_model.model_json_schema(),
        }

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"


def run_tool(tool: Tool[In, Out], request: In | Mapping[str, Any], /, **options: Any) -> Out:
    """Validate the request, run the tool and fill the provenance (see the module docstring)."""
    if not isinstance(request, tool.input_model):
        request = tool.input_model.model_validate(request)
    started = time.perf_counter()
    output = tool.fn(request, **options)
    elapsed = time.perf_counter() - started
    budget = request.time_budget_s
    if elapsed > budget + OVERRUN_GRACE_S:
        log.warning("tool %s took %.1f s, over its budget of %.1f s", tool.name, elapsed, budget)
    provenance = output.provenance
    update: dict[str, Any] = {
        "tool": tool.name,
        "time_budget_s": budget,
        "elapsed_s": elapsed,
        "python": python_version(),
    }
    if not provenance.versions:
        update["versions"] = package_versions(*tool.packages)
    return output.model_copy(update={"provenance": provenance.model_copy(update=update)})


def agent_tool(
    name: str, description: str, *, packages: tuple[str, ...] = ()
) -> Callable[[Callable[..., Out]], Tool[Any, Out]]:
    """Decorator: ``fn(request: SomeInput, **options) -> SomeOutput`` becomes a :class:`Tool`.

    The input and output models are read from the function's annotations.
    """

    def wrap(fn: Callable[..., Out]) -> Tool[Any, Out]:
        hints = typing.get_type_hints(fn)
        first = next(iter(inspect.signature(fn).parameters))
        return Tool(name, description, hints[first], hints["return"], fn, packages)

    return wrap
