"""Language-model providers: one setting picks a LangChain chat model, or the offline planner.

The setting is ``provider:model`` (``openai:gpt-4o-mini``, ``anthropic:claude-sonnet-4-5``,
``ollama:llama3.1``) or ``offline`` (the built-in planner, the default). It is read, first found
wins, from ``--model``, ``$LABWRIGHT_MODEL``, then the ``[chat]`` table of the config file
(``--config``, else ``$LABWRIGHT_HOME/config.toml``)::

    [chat]
    model = "openai:qwen2.5-7b-instruct"
    base_url = "http://127.0.0.1:8000/v1"   # any OpenAI-compatible server: vLLM, llama.cpp ...

``base_url`` (``--base-url``, ``$LABWRIGHT_BASE_URL``) points ``openai:`` at a local
OpenAI-compatible server (no key needed there) and ``ollama:`` at another Ollama host.

Each provider is an optional extra (``pip install 'labwright[openai]'``...). A provider that is
not installed, a missing API key or a server that cannot be reached is a
:class:`ProviderUnavailableError` naming the problem and the fix; the offline planner stays
available (``--model offline``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from labwright.protocols.errors import ConfigurationError
from labwright.verifiers.certificate import labwright_home
from pydantic import BaseModel, ConfigDict

OFFLINE = "offline"
#: seconds a model call may take before it counts as unreachable
REQUEST_TIMEOUT_S = 120.0


class ProviderUnavailableError(ConfigurationError):
    """The configured model cannot be used (not installed, no key, server unreachable)."""


class ProviderInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    module: str
    cls: str
    extra: str
    key_env: str | None


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo(
        module="langchain_openai", cls="ChatOpenAI", extra="openai", key_env="OPENAI_API_KEY"
    ),
    "anthropic": ProviderInfo(
        module="langchain_anthropic", cls="ChatAnthropic", extra="anthropic", key_env="ANTHROPIC_API_KEY"
    ),
    "ollama": ProviderInfo(module="langchain_ollama", cls="ChatOllama", extra="ollama", key_env=None),
}
OFFLINE_HINT = "or use the built-in offline planner: --model offline"


class ModelSpec(BaseModel):
    """Which planner: ``offline``, or a provider's model (with a base URL for local servers)."""

    model_config = ConfigDict(frozen=True)

    provider: str = OFFLINE
    model: str = ""
    base_url: str | None = None

    @property
    def offline(self) -> bool:
        return self.provider == OFFLINE

    def label(self) -> str:
        if self.offline:
            return OFFLINE
        at = f" at {self.base_url}" if self.base_url else ""
        return f"{self.provider}:{self.model}{at}"


def parse_spec(text: str, base_url: str | None = None) -> ModelSpec:
    """``offline`` or ``provider:model``; a ConfigurationError that names the fix otherwise."""
    text = text.strip()
    if text in ("", OFFLINE):
        return ModelSpec()
    provider, sep, model = text.partition(":")
    provider = provider.strip().lower()
    if not sep or not model.strip():
        raise ConfigurationError(
            f"model {text!r} names no provider",
            hint="write provider:model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, "
            "ollama:llama3.1, or 'offline'",
        )
    if provider not in PROVIDERS:
        raise ConfigurationError(
            f"unknown model provider {provider!r} in {text!r}",
            hint=f"choose one of {', '.join(PROVIDERS)} (an OpenAI-compatible server is openai: with "
            "--base-url), or 'offline'",
        )
    return ModelSpec(provider=provider, model=model.strip(), base_url=base_url or None)


def config_path() -> Path:
    return labwright_home() / "config.toml"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The ``[chat]`` table of the config file ({} when there is none)."""
    explicit = path is not None
    path = path or config_path()
    if not path.exists():
        if explicit:
            raise ConfigurationError(
                f"config file {path} does not exist", hint="pass an existing --config file"
            )
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"cannot read the config file {path}: {exc}",
            hint='it is TOML, e.g.\n[chat]\nmodel = "openai:gpt-4o-mini"',
        ) from None
    chat = data.get("chat", {})
    if not isinstance(chat, dict):
        raise ConfigurationError(f"{path}: [chat] must be a table", hint='[chat]\nmodel = "offline"')
    return chat


def resolve_spec(
    model: str | None = None, base_url: str | None = None, config: Path | None = None
) -> ModelSpec:
    """The model setting from the flag, the environment or the config file (first found wins)."""
    table = read_config(config)
    text = model or os.environ.get("LABWRIGHT_MODEL") or str(table.get("model", "") or "")
    url = base_url or os.environ.get("LABWRIGHT_BASE_URL") or table.get("base_url")
    return parse_spec(text, str(url) if url else None)


def make_chat_model(spec: ModelSpec) -> Any:
    """The LangChain chat model of ``spec``; ProviderUnavailableError when it cannot be had."""
    if spec.offline:
        raise ValueError("the offline planner has no chat model")
    info = PROVIDERS[spec.provider]
    try:
        module = __import__(info.module, fromlist=[info.cls])
    except ImportError:
        raise ProviderUnavailableError(
            f"the {spec.provider} provider is not installed (no module {info.module})",
            hint=f"pip install 'labwright[{info.extra}]', {OFFLINE_HINT}",
        ) from None
    kwargs: dict[str, Any] = {"model": spec.model}
    if spec.provider == "ollama":
        if spec.base_url:
            kwargs["base_url"] = spec.base_url
        return getattr(module, info.cls)(**kwargs)
    key = os.environ.get(info.key_env or "")
    if not key and not (spec.provider == "openai" and spec.base_url):
        raise ProviderUnavailableError(
            f"no API key for {spec.label()}: ${info.key_env} is not set",
            hint=f"export {info.key_env}=..., {OFFLINE_HINT}",
        )
    kwargs.update(api_key=key or "not-needed", timeout=REQUEST_TIMEOUT_S, max_retries=1)
    if spec.base_url:
        kwargs["base_url"] = spec.base_url
    return getattr(module, info.cls)(**kwargs)


# what a provider's exception means, by its class name (each SDK has its own classes)
_MEANINGS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("APIConnectionError", "ConnectError", "ConnectTimeout", "APITimeoutError", "ReadTimeout"),
        "cannot reach the model server",
        "start the server or check --base-url / the network",
    ),
    (
        ("AuthenticationError", "PermissionDeniedError"),
        "the model server refused the API key",
        "check the API key",
    ),
    (("NotFoundError",), "the model server does not know this model", "check the model name"),
    (("RateLimitError",), "the model server is rate-limiting or out of quota", "wait, or check the quota"),
    (
        ("ResponseError", "APIStatusError", "InternalServerError", "BadRequestError"),
        "the model server returned an error",
        "check the server's log and the model name",
    ),
)


def provider_error(exc: BaseException, spec: ModelSpec) -> ProviderUnavailableError | None:
    """A clear error for a provider's failure (network, key, model name), or None if it is not one."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    for markers, what, fix in _MEANINGS:
        if names & set(markers):
            detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            return ProviderUnavailableError(
                f"{what} ({spec.label()}): {detail}", hint=f"{fix}, {OFFLINE_HINT}"
            )
    return None
