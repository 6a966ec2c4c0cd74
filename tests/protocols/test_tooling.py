"""The agent-tool convention (labwright.protocols.tooling) and version provenance, defined once."""

from __future__ import annotations

import platform
from importlib import metadata

import pytest
from labwright.protocols.provenance import labwright_version, package_versions
from labwright.protocols.tooling import (
    Tool,
    ToolInput,
    ToolOutput,
    ToolProvenance,
    agent_tool,
)
from pydantic import BaseModel, Field, ValidationError


class EchoInput(ToolInput):
    text: str = Field(..., min_length=1)


class EchoProvenance(ToolProvenance):
    length: int


class EchoOutput(ToolOutput):
    echoed: str
    stopped_early: bool
    provenance: EchoProvenance


@agent_tool("echo", "Echo a text back, one character per budget check.", packages=("pydantic", "nope-x"))
def echo(request: EchoInput, *, upper: bool = False) -> EchoOutput:
    deadline = request.deadline()
    out = ""
    for ch in request.text:
        if out and deadline.expired():
            break
        out += ch
    return EchoOutput(
        echoed=out.upper() if upper else out,
        stopped_early=len(out) < len(request.text),
        provenance=EchoProvenance(length=len(out)),
    )


def test_a_tool_validates_its_input_and_fills_provenance() -> None:
    assert isinstance(echo, Tool) and echo.name == "echo" and echo.__name__ == "echo"
    assert echo.input_model is EchoInput and echo.output_model is EchoOutput
    out = echo({"text": "abc", "time_budget_s": 5}, upper=True)  # a dict, as an LLM sends it
    assert out.echoed == "ABC" and not out.stopped_early
    p = out.provenance
    assert (p.tool, p.time_budget_s, p.length) == ("echo", 5.0, 3)
    assert p.elapsed_s is not None and 0 <= p.elapsed_s < 5
    assert p.python == platform.python_version()
    assert p.versions == {"pydantic": metadata.version("pydantic")}  # absent packages left out


def test_a_tool_stops_at_its_deadline() -> None:
    out = echo(EchoInput(text="abcdef", time_budget_s=1e-9))
    assert out.echoed == "a" and out.stopped_early  # one unit of work, then the deadline
    assert out.provenance.time_budget_s == 1e-9


def test_a_tool_refuses_unknown_fields_and_bad_budgets() -> None:
    with pytest.raises(ValidationError):
        echo({"text": "abc", "colour": "red"})
    for budget in (0, -1, 10 * 24 * 3600):
        with pytest.raises(ValidationError):
            echo({"text": "abc", "time_budget_s": budget})


def test_a_tool_schema_is_what_an_llm_is_shown() -> None:
    schema = echo.schema()
    assert schema["name"] == "echo" and schema["description"].startswith("Echo")
    assert {"text", "time_budget_s"} <= set(schema["input_schema"]["properties"])


def test_models_outside_the_convention_are_refused() -> None:
    class Plain(BaseModel):
        x: int = 0

    with pytest.raises(TypeError, match="ToolInput"):
        Tool("bad", "", Plain, EchoOutput, lambda r: r)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ToolOutput"):
        Tool("bad", "", EchoInput, Plain, lambda r: r)  # type: ignore[arg-type]


def test_package_versions_and_labwright_version() -> None:
    assert package_versions("pydantic", "nope-x") == {"pydantic": metadata.version("pydantic")}
    assert package_versions("nope-x", missing="missing") == {"nope-x": "missing"}
    assert list(package_versions("pyyaml", "pydantic")) == ["pyyaml", "pydantic"]
    assert labwright_version() == metadata.version("labwright")


def test_certificates_name_the_installed_verifier_version() -> None:
    from labwright.verifiers.certificate import VERIFIER_VERSION

    import labwright

    assert VERIFIER_VERSION == f"labwright-verifier/{labwright_version()}"
    assert labwright.__version__ == labwright_version()
