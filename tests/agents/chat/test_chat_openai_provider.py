"""The OpenAI-compatible provider end to end, against a chat-completions server on 127.0.0.1.

The real provider package (``langchain-openai``) talks to ``chat_fake_openai.FakeOpenAI``, which
speaks and checks the wire format; the brain behind it is scripted. Then the same through the
real `labwright chat` command, and what a user sees when the model cannot be used.
"""

from __future__ import annotations

import socket

import pytest
from chat_cli import chat_env, only_json, run_chat
from chat_drafts import FAULTY, good
from chat_fake_openai import FakeOpenAI
from chat_llm_fakes import Brain, malformed, submit, tool_call, understanding
from chat_support import dispatches, settings
from labwright.agents.chat.durability import ChatStore
from labwright.agents.chat.runner import ChatRunner

pytest.importorskip("langchain_openai", reason="the openai extra is not installed")

REQUEST = "Make a 1:2 serial dilution of fluorescein in PBS down column 1, then read fluorescence."


def _brain() -> Brain:
    return Brain(
        understand=[understanding("a 1:2 fluorescein dilution series down column 1", "a calibration curve")],
        draft=[
            tool_call("labware_catalogue", {"query": "96 flat", "limit": 3}),
            malformed(FAULTY["tip"]),
            submit(FAULTY["tip"]),
        ],
        repair=[submit(good(), ["a fresh tip for every transfer"])],
    )


def test_the_openai_provider_plans_repairs_and_dispatches_through_a_compatible_server(
    store_path, monkeypatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    brain = _brain()
    with FakeOpenAI(brain) as server:
        store = ChatStore(store_path)
        outcome = ChatRunner(store).start(REQUEST, settings(approve="auto", base_url=server.url))
        store.close()
    assert server.errors == [], "every request was valid chat-completions"
    first = server.bodies[0]
    # structured output: the JSON-schema response format, named, with the understanding schema
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["name"] == "report_understanding"
    assert set(first["response_format"]["json_schema"]["schema"]["required"]) >= {
        "understood",
        "plan",
        "refusal",
    }
    drafts = [
        b
        for b in server.bodies
        if any(t["function"]["name"] == "submit_protocol" for t in b.get("tools", []))
    ]
    assert len(drafts) == 4  # three draft turns and one repair
    # the malformed arguments went back as the answer to that very call
    third = drafts[2]["messages"]
    call_id = third[-2]["tool_calls"][0]["id"]
    assert third[-1] == {"role": "tool", "tool_call_id": call_id, "content": third[-1]["content"]}
    assert "not valid JSON" in third[-1]["content"]
    assert outcome.understood == "a 1:2 fluorescein dilution series down column 1"
    assert outcome.repair_rounds == 1 and outcome.dispatched and outcome.results["state"] == "succeeded"
    assert len(dispatches(store_path)) == 1


def test_labwright_chat_json_prints_one_object_with_the_outcome(store_path):
    with FakeOpenAI(_brain()) as server:
        done = run_chat(
            store_path, server.url, "--message", REQUEST, "--approve", "auto", "--backend", "twin", "--json"
        )
    assert done.returncode == 0, done.stderr[-3000:]
    out = only_json(done.stdout)
    for key in (
        "understood",
        "plan",
        "protocol",
        "findings",
        "repair_rounds",
        "certificate",
        "dispatched",
        "refused",
        "run_id",
        "results",
    ):
        assert key in out
    assert out["dispatched"] is True and out["refused"] is None and out["repair_rounds"] == 1
    assert out["protocol"]["metadata"]["name"] == "Fluorescein serial dilution"
    assert out["certificate"]["protocol_sha256"] == out["protocol_sha256"]
    assert out["results"]["state"] == "succeeded" and out["results"]["measurements"]
    assert f"chat run {out['run_id']}" in done.stderr
    [record] = dispatches(store_path)
    assert record.run_id == out["run_id"]


def test_never_is_a_dry_run_from_the_command_line(store_path):
    with FakeOpenAI(Brain(understand=[understanding("a dilution")], draft=[submit(good())])) as server:
        done = run_chat(store_path, server.url, "--message", REQUEST, "--approve", "never", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    out = only_json(done.stdout)
    assert out["certificate"] is not None and out["dispatched"] is False and out["refused"] is None
    assert dispatches(store_path) == []


def test_a_refusal_exits_1_and_names_the_reason(store_path):
    with FakeOpenAI(Brain(understand=[understanding("mix")], draft=[submit(FAULTY["safety"])])) as server:
        done = run_chat(
            store_path, server.url, "--message", "add bleach to the acid wells", "--approve", "auto", "--json"
        )
    assert done.returncode == 1
    out = only_json(done.stdout)
    assert out["dispatched"] is False and "SAFETY_INCOMPATIBLE" in out["refused"]
    assert "chlorine" in out["refused"]
    assert dispatches(store_path) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_a_clear_message_and_the_run_is_kept(store_path):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    done = run_chat(store_path, url, "--message", REQUEST, "--json")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    out = only_json(done.stdout)
    assert out["ok"] is False and out["error"].startswith(
        "cannot reach the model server (openai:scripted at "
    )
    assert "--model offline" in out["hint"] and f"chat --resume {out['run_id']}" in out["hint"]


def test_a_missing_api_key_is_reported_before_anything_starts(store_path):
    done = run_chat(store_path, None, "--model", "openai:gpt-4o-mini", "--message", REQUEST)
    assert done.returncode == 2
    assert "no API key for openai:gpt-4o-mini: $OPENAI_API_KEY is not set" in done.stderr
    assert "--model offline" in done.stderr and "Traceback" not in done.stderr


def test_a_refused_key_and_an_unknown_model_are_clear_messages(store_path, tmp_path):
    brain = Brain(understand=[understanding("x")], draft=[submit(good())])
    with FakeOpenAI(brain, api_key="sk-right") as server:
        wrong = run_chat(
            store_path, server.url, "--message", REQUEST, env=chat_env(OPENAI_API_KEY="sk-wrong")
        )
        unknown = run_chat(
            tmp_path / "other.sqlite",
            None,
            "--model",
            "openai:no-such-model",
            "--base-url",
            server.url,
            "--message",
            REQUEST,
            env=chat_env(OPENAI_API_KEY="sk-right"),
        )
    assert wrong.returncode == 2 and "the model server refused the API key" in wrong.stderr
    assert unknown.returncode == 2 and "does not know this model" in unknown.stderr
    assert "Traceback" not in wrong.stderr + unknown.stderr


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--model", "gpt4"], "names no provider"),
        (["--model", "mystery:model"], "unknown model provider 'mystery'"),
        (["--approve", "maybe"], "--approve 'maybe' is not a mode"),
        (["--approved-by", "A"], "use them with --resume"),
        (["--max-rounds", "11"], "out of range"),
        (["--backend", "robotx"], "no backend named 'robotx'"),
    ],
)
def test_bad_options_exit_2_with_the_fix(args, expected, store_path):
    done = run_chat(store_path, None, "--message", REQUEST, *args)
    assert done.returncode == 2 and expected in done.stderr and "hint" in done.stderr
    assert "Traceback" not in done.stderr
