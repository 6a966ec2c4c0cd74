"""`labwright chat`: plan, verify, repair, approve and dispatch from plain English.

    labwright chat                                   # interactive (twin backend by default)
    labwright chat --message "..." --approve auto --json
    labwright chat --resume RUN_ID [--approved-by NAME | --reject]
    labwright chat -m "Run the campaign examples/campaigns/colour_match.yaml with a budget of 4 experiments" \
        --approve auto --json

A campaign request (a campaign file, or a goal such as "optimise a mix of three dyes to match the
colour Lab 60 25 10") is shown with its first experiment's verified protocol and, once approved,
started: with --message it runs here and its result is reported (``campaign`` in the JSON); in
the interactive conversation it runs in a detached process and its run id is printed
(``labwright campaign show RUN_ID`` follows it).

Every run is stored (``--store``, default the run ledger in ``$LABWRIGHT_HOME``) node by node;
``--resume`` continues it where it stopped, also after the process was killed. Exit codes:
0 the protocol was dispatched and succeeded (a campaign: started and not failed), or was
certified in a dry run, or waits for a person's approval; 1 refused, not approved, still faulty
after the repair rounds, or the run failed; 2 unusable input (an option, a missing API key, an
unreachable model server, a run another process holds, a run started by another graph version).
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from labwright.commands.common import ExitCode, console, fail, fail_with

app = typer.Typer()

_APPROVE_HELP = (
    "ask: a person approves (interactive prompt, or --resume with --approved-by); auto: "
    "certified protocols with no finding that needs a person; never: dry run"
)


@app.command("chat")
def chat(
    ctx: typer.Context,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="one request; no prompt loop")
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="continue the run RUN_ID where it stopped")
    ] = None,
    approve: Annotated[str, typer.Option("--approve", help=_APPROVE_HELP)] = "ask",
    approved_by: Annotated[
        str | None, typer.Option("--approved-by", help="with --resume: NAME approves the waiting protocol")
    ] = None,
    reject: Annotated[
        bool, typer.Option("--reject", help="with --resume: reject the waiting protocol")
    ] = False,
    backend: Annotated[
        str, typer.Option("--backend", "-b", help="twin | opentrons-sim | opentrons-http")
    ] = "twin",
    robot: Annotated[str | None, typer.Option("--robot", help="robot HOST[:PORT] (opentrons-http)")] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="chat store and run ledger (default LABWRIGHT_HOME/ledger.sqlite)"),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="offline (default) or provider:model, e.g. openai:gpt-4o-mini"),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible server URL")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="config TOML (default LABWRIGHT_HOME/config.toml)")
    ] = None,
    max_rounds: Annotated[int, typer.Option("--max-rounds", help="repair rounds at most")] = 3,
    policy: Annotated[Path | None, typer.Option("--policy", help="lab policy YAML (safety limits)")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="warnings count as errors")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="also write the deck map as SVG here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object on stdout")] = False,
) -> None:
    """Chat-driven planning: a request becomes a verified protocol, approved, then dispatched.

    A campaign request ("run the campaign examples/campaigns/colour_match.yaml with a budget of 12
    experiments", "optimise a mix of three dyes to match the colour Lab 60 25 10") shows the
    campaign and its first experiment's verified protocol, and starts the campaign once approved.

    With --resume, the run keeps its own request, planner, repair rounds, policy and strictness
    (giving one of those options is refused); --approve, --backend and --robot change the run
    while its approval is not decided yet; --approved-by, --reject, --json and --svg apply."""
    from labwright.agents.chat.durability import ChatStore
    from labwright.agents.chat.providers import resolve_spec
    from labwright.agents.chat.state import APPROVE_MODES, ChatSettings
    from labwright.hardware.registry import BACKEND_NAMES
    from labwright.protocols.errors import LabwrightError

    if approve not in APPROVE_MODES:
        fail(f"--approve {approve!r} is not a mode", f"choose one of {', '.join(APPROVE_MODES)}", as_json)
    if backend not in BACKEND_NAMES:
        fail(f"no backend named {backend!r}", f"choose one of {', '.join(BACKEND_NAMES)}", as_json)
    if (approved_by or reject) and not resume:
        fail("--approved-by and --reject answer a waiting approval", "use them with --resume RUN_ID", as_json)
    if approved_by is not None and reject:
        fail("--approved-by and --reject contradict each other", "give one of them", as_json)
    if approved_by is not None and not approved_by.strip():
        fail("--approved-by needs a name", "--approved-by 'A. Person'", as_json)
    if not 0 <= max_rounds <= 10:
        fail(f"--max-rounds {max_rounds} is out of range", "choose 0 to 10", as_json)
    if message is not None and not message.strip():
        fail("--message is empty", 'describe the experiment, e.g. --message "transfer 50 uL ..."', as_json)
    try:
        chat_store = ChatStore(store)
    except LabwrightError as exc:
        fail_with(exc, as_json)
    session = _Session(chat_store, as_json=as_json, svg=svg)
    if resume is not None:  # the run's own settings are stored with it; some may change (below)
        given = {name for name in ctx.params if _given(ctx, name)}
        refused = _refused_at_resume(given)
        if refused is not None:
            fail(refused[0], refused[1], as_json, extra={"run_id": resume})
        changes = {
            name: value
            for name, value in (("approve", approve), ("backend", backend), ("robot", robot))
            if name in given
        }
        decision = None
        if approved_by is not None or reject:
            decision = {
                "approved": not reject,
                "by": (approved_by or "").strip(),
                "reason": "rejected with --reject" if reject else "",
            }
        session.finish(
            session.call(lambda runner: runner.resume(resume, decision=decision, changes=changes), resume)
        )
    try:
        spec = resolve_spec(model, base_url, config)
        if not spec.offline:
            from labwright.agents.chat.providers import make_chat_model

            make_chat_model(spec)  # a missing extra or key is reported before anything starts
        settings = ChatSettings(
            approve=approve,
            backend=backend,
            robot=robot,
            max_rounds=max_rounds,
            model=f"{spec.provider}:{spec.model}" if not spec.offline else "offline",
            base_url=spec.base_url,
            policy_path=str(policy) if policy else None,
            strict=strict,
        )
    except LabwrightError as exc:
        fail_with(exc, as_json)
    if message is not None:
        session.finish(session.call(lambda runner: runner.start(message, settings), None))
    session.loop(settings)


#: options a resumed run never takes, and why (``--approve``, ``--backend``, ``--robot`` may change
#: a run whose approval is not decided yet; ``--store``, ``--json``, ``--svg``, ``--approved-by``
#: and ``--reject`` apply to any resume)
_FIXED_AT_RESUME: dict[str, tuple[str, str]] = {
    "message": ("--message", "a resumed run continues its own request"),
    "model": ("--model", "the run's drafts and repairs come from the planner it was started with"),
    "base_url": ("--base-url", "the run's drafts and repairs come from the planner it was started with"),
    "config": ("--config", "the run's planner was chosen when it started"),
    "max_rounds": ("--max-rounds", "the repair rounds decide what the run certifies, fixed when it started"),
    "policy": ("--policy", "the run is verified under the lab policy it was started with"),
    "strict": ("--strict", "the run is verified under the strictness it was started with"),
}


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option was given on the command line (not its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in {"DEFAULT", "DEFAULT_MAP"}


def _refused_at_resume(given: set[str]) -> tuple[str, str] | None:
    """(message, hint) for the first option given with --resume that a resumed run cannot take."""
    for name, (option, why) in _FIXED_AT_RESUME.items():
        if name in given:
            return (
                f"{option} cannot be used with --resume: {why}",
                f"resume without {option}, or start a new run with it (no --resume)",
            )
    return None


class _Session:
    """One `labwright chat` process: the runner, the consoles, the way a person is asked."""

    def __init__(self, store: Any, *, as_json: bool, svg: Path | None) -> None:
        self.store = store
        self.as_json = as_json
        self.svg = svg
        self.out = console()
        self.err = console(stderr=True)
        self.interactive = sys.stdin.isatty() and not as_json
        self.status: Any = None

    def runner(self) -> Any:
        from labwright.agents.chat.runner import ChatRunner

        return ChatRunner(self.store, on_progress=self.progress, ask=self.ask if self.interactive else None)

    # ------------------------------------------------------------------------- progress

    def progress(self, node: str, text: str) -> None:
        if node == "run":
            self.err.print(f"chat run {text} (store {escape(str(self.store.path))})", highlight=False)
            return
        if text == "done":
            self.err.print(f"[green]✓[/green] {node}", highlight=False)
            return
        if self.status is not None:
            self.status.update(f"{node}: {escape(text)}")
        else:
            self.err.print(f"  {node}: {escape(text)}", highlight=False)

    def ask(self, request: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        """Show what will run and ask a person; the answer names the protocol's hash."""
        from labwright.commands import chat_view as view

        self._pause_status()
        outcome = dict(state)
        view.show_understanding(self.out, outcome)
        view.show_campaign(self.out, outcome.get("campaign"))
        view.show_repairs(self.out, outcome)
        view.show_protocol(self.out, outcome.get("protocol"))
        view.show_findings(self.out, outcome)
        robot = ((outcome.get("protocol") or {}).get("metadata") or {}).get("robot", "ot2")
        view.show_deck(self.out, outcome.get("end_state"), robot)
        self._write_svg(outcome)
        needs = request.get("approvals_required") or []
        for item in needs:
            self.out.print(f"[yellow]needs a person's approval[/yellow] {escape(str(item))}")
        sha = str(request.get("protocol_sha256"))
        backend = (state.get("settings") or {}).get("backend", "twin")
        question = f"Dispatch protocol {sha[:12]} to the {escape(str(backend))} backend? \\[y/N] "
        if request.get("kind") == "campaign_approval":
            budget = (request.get("campaign") or {}).get("budget")
            question = (
                f"Start the campaign ({budget} experiments, first protocol {sha[:12]}) on the "
                f"{escape(str(backend))} backend? \\[y/N] "
            )
        answer = self.out.input(question).strip().lower()
        approved = answer in {"y", "yes"}
        by = getpass.getuser()
        if approved and needs:
            by = self.out.input("Your name (recorded in the run ledger): ").strip()
        self._resume_status()
        return {
            "approved": approved,
            "by": by,
            "protocol_sha256": sha,
            "reason": "" if approved else f"declined at the prompt ({answer or 'no answer'})",
        }

    def _pause_status(self) -> None:
        if self.status is not None:
            self.status.stop()

    def _resume_status(self) -> None:
        if self.status is not None:
            self.status.start()

    def _write_svg(self, outcome: dict[str, Any]) -> None:
        if self.svg is None or not outcome.get("protocol"):
            return
        from labwright.agents.chat.deck import deck_svg
        from labwright.protocols.io import parse_protocol

        drawing = deck_svg(parse_protocol(outcome["protocol"]))
        if drawing is None:
            self.err.print("[yellow]the SVG deck map needs `labwright simulate`, not installed here[/yellow]")
            return
        self.svg.write_text(drawing, encoding="utf-8")
        self.err.print(f"deck map written to {self.svg}")

    # -------------------------------------------------------------------------- running

    def call(self, work: Any, run_id: str | None) -> Any:
        """Run ``work(runner)``; a LabwrightError is reported (exit 2) with how to resume."""
        from labwright.protocols.errors import LabwrightError

        try:
            if self.interactive:
                with self.err.status("working…") as status:
                    self.status = status
                    return work(self.runner())
            return work(self.runner())
        except LabwrightError as exc:
            self.status = None
            run = run_id or self._latest_run()
            hint = exc.hint
            if run and "chat --resume" not in hint:
                hint = f"{hint}; the run is kept: `labwright chat --resume {run}` continues it".lstrip("; ")
            fail(exc.message, hint, self.as_json, extra={"run_id": run} if run else None)
        except KeyboardInterrupt:
            self.err.print("[yellow]interrupted[/yellow]: `labwright chat --resume RUN_ID` continues the run")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        finally:
            self.status = None

    def _latest_run(self) -> str | None:
        row = self.store._db.execute(
            "SELECT run_id FROM chat_runs ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def render(self, outcome: Any) -> None:
        from labwright.commands import chat_view as view

        data = outcome.model_dump(mode="json")
        if not outcome.awaiting_approval:
            view.show_understanding(self.out, data)
            view.show_campaign(self.out, data.get("campaign"))
            view.show_repairs(self.out, data)
            view.show_protocol(self.out, data.get("protocol"))
            if data.get("protocol") is not None or data.get("findings"):
                view.show_findings(self.out, data)
            robot = ((data.get("protocol") or {}).get("metadata") or {}).get("robot", "ot2")
            view.show_deck(self.out, data.get("end_state"), robot)
            self._write_svg(data)
        view.show_outcome(self.out, data)
        if outcome.awaiting_approval:
            self.out.print(
                f"[yellow]waiting for approval[/yellow]: `labwright chat --resume {outcome.run_id} "
                "--approved-by NAME` dispatches it, `--reject` declines it"
            )

    def finish(self, outcome: Any) -> None:
        if self.as_json:
            sys.stdout.write(json.dumps(outcome.model_dump(mode="json")) + "\n")
        else:
            self.render(outcome)
        code = exit_code(outcome)
        self.store.close()
        raise typer.Exit(code)

    def loop(self, settings: Any) -> None:
        """The interactive conversation: one request per prompt, until `quit` or end of input.

        An approved campaign runs in a detached process (the conversation goes on; its run id is
        printed), not inside the prompt."""
        settings = settings.model_copy(update={"campaign_background": True})
        self.out.print(
            "[bold]labwright chat[/bold]: describe an experiment; `quit` ends. "
            f"Planner: {settings.model}; backend: {settings.backend}; approval: {settings.approve}."
        )
        while True:
            try:
                line = self.out.input("[bold cyan]> [/bold cyan]")
            except EOFError:
                break
            if line.strip().lower() in {"quit", "exit", "/quit", "/exit"}:
                break
            if not line.strip():
                continue
            try:
                outcome = self.call(lambda runner, text=line: runner.start(text, settings), None)
            except typer.Exit as stop:
                if stop.exit_code == ExitCode.UNUSABLE:
                    continue  # reported (e.g. the model server is down): the conversation goes on
                raise
            self.render(outcome)
        raise typer.Exit(ExitCode.OK)


def exit_code(outcome: Any) -> ExitCode:
    if outcome.awaiting_approval:
        return ExitCode.OK
    if outcome.dispatched and outcome.campaign is not None:
        return ExitCode.FAILED if outcome.campaign.get("state") == "failed" else ExitCode.OK
    if outcome.dispatched:
        ok = (outcome.results or {}).get("state") == "succeeded"
        return ExitCode.OK if ok else ExitCode.FAILED
    if outcome.certificate is not None and (outcome.approval or {}).get("mode") == "never":
        return ExitCode.OK
    return ExitCode.FAILED
