"""Running the real `labwright chat` in a subprocess (for the CLI, crash and terminal tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

LABWRIGHT = [sys.executable, "-c", "from labwright.cli import main; main()"]


def chat_env(**extra: str) -> dict[str, str]:
    """This environment without any model setting or key (each test sets what it needs)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "LABWRIGHT_MODEL",
            "LABWRIGHT_BASE_URL",
            "LABWRIGHT_CHAT_HOLD_AT",
        }
    }
    env.update(extra)
    return env


def chat_args(store: Path, url: str | None, *args: str) -> list[str]:
    model = ["--model", "openai:scripted", "--base-url", url] if url else []
    return [*LABWRIGHT, "chat", "--store", str(store), *model, *args]


def run_chat(
    store: Path, url: str | None, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        chat_args(store, url, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or chat_env(),
        stdin=subprocess.DEVNULL,
    )


def popen_chat(store: Path, url: str | None, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        chat_args(store, url, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def only_json(stdout: str) -> dict[str, Any]:
    """The one JSON object `--json` prints (and nothing else on stdout)."""
    import json

    lines = [line for line in stdout.splitlines() if line.strip()]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])
