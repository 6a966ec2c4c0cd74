"""Start and resume chat runs: the graph, its durable store, the lock, the approval loop.

:class:`ChatRunner` is what ``labwright chat``, the tests and the benchmark drive:

- ``start(request, settings)`` records a new run (locked for this process) and runs the graph
  with ``durability="sync"`` until it ends or waits for a person's approval;
- ``resume(run_id)`` checks the run's graph version, locks it (refused while another process
  holds it) and continues from the last checkpoint: a node that was cut short runs again (the
  dispatch node's idempotency key makes that safe), an approval interrupt is answered with the
  decision given, the decision recorded before the crash, or the ``ask`` callback's.
  ``resume(run_id, changes={...})`` changes the settings in :data:`RESUMABLE_SETTINGS` (the
  approval mode, the backend, the robot) while the run's approval is not decided yet; later
  they are refused (:class:`~labwright.agents.chat.durability.ResumeOptionError`). A change is
  written to the run table before the graph sees it (``Command(update=...)``), like an approval.

Progress (each node's messages, tool calls) goes to ``on_progress(node, message)`` as it
happens; ``on_progress("run", run_id)`` comes first, once the run is locked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labwright.agents.chat import nodes
from labwright.agents.chat.durability import ChatStore, ResumeOptionError, RunInfo, RunLock, new_run_id
from labwright.agents.chat.graph import build_graph, graph_version, recursion_limit
from labwright.agents.chat.planners import Draft, OfflinePlanner, Planner, Understanding
from labwright.agents.chat.state import ChatOutcome, ChatSettings
from labwright.protocols.findings import Finding

log = logging.getLogger(__name__)

#: settings a resumed run may change, as long as its approval is not decided: they choose whether
#: and where the certified protocol goes, not what is certified (the planner, the repair rounds,
#: the policy and strictness stay what the run was started with)
RESUMABLE_SETTINGS: tuple[str, ...] = ("approve", "backend", "robot")

Progress = Callable[[str, str], None]
Ask = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]


def make_planner(settings: ChatSettings) -> Planner:
    """The planner a run's settings name: the offline planner, or a provider's chat model."""
    from labwright.agents.chat.providers import make_chat_model, parse_spec

    spec = parse_spec(settings.model, settings.base_url)
    if spec.offline:
        return OfflinePlanner()
    from labwright.agents.chat.llm_planner import LlmPlanner

    return LlmPlanner(make_chat_model(spec), spec, on_event=lambda text: nodes.emit("model", text))


class LazyPlanner:
    """Creates the planner on first use: a run resumed at its approval needs no model (nor key)."""

    def __init__(self, name: str, factory: Callable[[], Planner]) -> None:
        self.name = name
        self._factory = factory
        self._planner: Planner | None = None

    def _get(self) -> Planner:
        if self._planner is None:
            self._planner = self._factory()
        return self._planner

    def understand(self, request: str) -> Understanding:
        return self._get().understand(request)

    def draft(self, request: str, understanding: Understanding) -> Draft:
        return self._get().draft(request, understanding)

    def repair(self, request: str, document: dict[str, Any], findings: list[Finding], round: int) -> Draft:
        return self._get().repair(request, document, findings, round)


class ChatRunner:
    """Runs chat graphs over one store."""

    def __init__(
        self,
        store: ChatStore,
        *,
        planner_factory: Callable[[ChatSettings], Planner] = make_planner,
        certificate_key: bytes | None = None,
        make_backend: Callable[[ChatSettings], Any] | None = None,
        on_progress: Progress | None = None,
        ask: Ask | None = None,
    ) -> None:
        self.store = store
        self.planner_factory = planner_factory
        self.certificate_key = certificate_key
        self.make_backend = make_backend
        self.on_progress = on_progress or (lambda _node, _message: None)
        self.ask = ask
        self.version = graph_version()
        self._graphs: dict[str, Any] = {}

    @property
    def ledger_path(self) -> Path:
        return self.store.path

    def _graph(self, settings: ChatSettings) -> Any:
        """The compiled graph for these settings (compiled once per runner: it takes ~50 ms)."""
        key = settings.model_dump_json()
        if key not in self._graphs:
            self._graphs[key] = self._build(settings)
        return self._graphs[key]

    def _build(self, settings: ChatSettings) -> Any:
        planner = LazyPlanner(settings.model, lambda: self.planner_factory(settings))
        services = nodes.Services(
            planner=planner,
            store_path=self.store.path,
            certificate_key=self.certificate_key,
            make_backend=self.make_backend,
        )
        return build_graph(services, self.store.checkpointer())

    @staticmethod
    def _config(run_id: str, settings: ChatSettings) -> dict[str, Any]:
        return {
            "configurable": {"thread_id": run_id},
            "recursion_limit": recursion_limit(settings.max_rounds),
        }

    # ------------------------------------------------------------------------------ API

    def start(self, request: str, settings: ChatSettings, *, run_id: str | None = None) -> ChatOutcome:
        run_id = run_id or new_run_id()
        lock = self.store.create_run(run_id, self.version, request, settings)
        initial = {
            "run_id": run_id,
            "request": request,
            "settings": settings.model_dump(mode="json"),
            "repair_rounds": 0,
            "changes": [],
            "findings": [],
            "dispatched": False,
            "events": [],
        }
        return self._run(run_id, settings, initial, lock, decision=None)

    def resume(
        self,
        run_id: str,
        *,
        decision: dict[str, Any] | None = None,
        changes: dict[str, Any] | None = None,
    ) -> ChatOutcome:
        info, lock = self.store.open_run(run_id, self.version)
        try:
            settings = self._changed_settings(info, changes or {})
        except BaseException:
            lock.release()
            raise
        graph = self._graph(settings)
        snapshot = graph.get_state(self._config(run_id, settings))
        if not snapshot.values:  # killed before the first checkpoint: start over from the request
            initial = {
                "run_id": run_id,
                "request": info.request,
                "settings": settings.model_dump(mode="json"),
                "repair_rounds": 0,
                "changes": [],
                "findings": [],
                "dispatched": False,
                "events": [],
            }
            return self._run(run_id, settings, initial, lock, decision=decision)
        return self._run(run_id, settings, None, lock, decision=decision or info.approval)

    def _changed_settings(self, info: RunInfo, changes: dict[str, Any]) -> ChatSettings:
        """The run's settings with ``changes`` applied and stored, or why they cannot apply."""
        unknown = sorted(set(changes) - set(RESUMABLE_SETTINGS))
        if unknown:
            raise ValueError(f"settings a resumed run cannot change: {unknown}")  # a caller's bug
        changed = {k: v for k, v in changes.items() if getattr(info.settings, k) != v}
        if not changed:
            return info.settings
        values, waiting, ended = self._where(info)
        approval = values.get("approval")
        why = None
        if ended:
            why = "the run has ended"
        elif approval is not None and not waiting:
            verdict = "approved" if approval.get("approved") else "declined"
            by = f" by {approval.get('by')}" if approval.get("by") else ""
            why = f"its approval was already decided ({verdict}{by}, mode {approval.get('mode')})"
        if why is not None:
            name, value = next(iter(changed.items()))
            raise ResumeOptionError(
                f"--{name} {value} cannot apply to chat run {info.run_id}: {why}",
                hint=f"resume without --{name} (the run keeps {getattr(info.settings, name)!r}), "
                "or start a new run with it",
            )
        settings = ChatSettings.model_validate({**info.settings.model_dump(), **changed})
        self.store.set_settings(info.run_id, settings)  # on disk before the graph sees it
        return settings

    def _where(self, info: RunInfo) -> tuple[dict[str, Any], bool, bool]:
        """The run's stored state, whether it waits for a person, whether it has ended."""
        snapshot = self._graph(info.settings).get_state(self._config(info.run_id, info.settings))
        values = dict(snapshot.values or {})
        return values, bool(snapshot.interrupts), bool(values) and not snapshot.next

    def outcome(self, run_id: str) -> ChatOutcome:
        """A run's outcome as stored (no lock needed: nothing runs)."""
        info = self.store.get_run(run_id)
        snapshot = self._graph(info.settings).get_state(self._config(run_id, info.settings))
        return self._outcome(snapshot)

    # ---------------------------------------------------------------------------- driving

    def _run(
        self,
        run_id: str,
        settings: ChatSettings,
        first_input: Any,
        lock: RunLock,
        decision: dict[str, Any] | None,
    ) -> ChatOutcome:
        from langgraph.types import Command

        graph = self._graph(settings)
        config = self._config(run_id, settings)
        pending: Any = first_input
        # resuming: a waiting approval is answered first (the decision recorded before anything runs)
        snapshot = graph.get_state(config) if first_input is None else None
        # resuming with settings the run table has and the graph's state not yet (changed at resume)
        update = self._settings_update(snapshot, settings)
        try:
            self.store.set_status(run_id, "running")
            self.on_progress("run", run_id)
            while True:
                if snapshot is not None and snapshot.interrupts:
                    # with changed settings the graph decides first (``never`` asks no one)
                    answer = self._answer(snapshot, decision, may_ask=update is None)
                    if answer is None and update is None:
                        break
                    if answer is not None:
                        self.store.record_approval(run_id, answer)  # on disk before the graph sees it
                        decision = None
                    pending = Command(resume=answer, update=update) if answer else Command(update=update)
                elif snapshot is not None and not snapshot.next:
                    break  # the run had already ended
                elif update is not None:
                    pending = Command(update=update)
                update = None
                self._stream(graph, pending, config)
                pending = None
                snapshot = graph.get_state(config)
                if not snapshot.interrupts:
                    break
            outcome = self._outcome(snapshot)
            status = (
                "awaiting_approval"
                if outcome.awaiting_approval
                else ("done" if outcome.finished else "stopped")
            )
            self.store.set_status(run_id, status)
            return outcome
        except BaseException:
            self.store.set_status(run_id, "stopped")
            raise
        finally:
            lock.release()

    def _stream(self, graph: Any, pending: Any, config: dict[str, Any]) -> None:
        """Run the graph until it ends or interrupts; the nodes' progress goes to ``on_progress``
        as it happens (``nodes.emit``), each node's end when its update comes out."""
        token = nodes.PROGRESS.set(self.on_progress)
        try:
            for chunk in graph.stream(pending, config, stream_mode="updates", durability="sync"):
                if isinstance(chunk, dict):
                    for node in chunk:
                        if node != "__interrupt__":
                            self.on_progress(node, "done")
        finally:
            nodes.PROGRESS.reset(token)

    @staticmethod
    def _settings_update(snapshot: Any, settings: ChatSettings) -> dict[str, Any] | None:
        """The state update that brings a resumed run's state to the stored settings, if needed."""
        if snapshot is None or not snapshot.values or not snapshot.next:
            return None
        before = ChatSettings.model_validate(snapshot.values.get("settings") or {})
        if before == settings:
            return None
        said = ", ".join(
            f"{k} {getattr(before, k)!r} -> {getattr(settings, k)!r}"
            for k in RESUMABLE_SETTINGS
            if getattr(before, k) != getattr(settings, k)
        )
        return {
            "settings": settings.model_dump(mode="json"),
            "events": nodes.event("resume", f"settings changed at resume: {said}"),
        }

    def _answer(
        self, snapshot: Any, decision: dict[str, Any] | None, *, may_ask: bool = True
    ) -> dict[str, Any] | None:
        """The decision for a waiting approval: the one given (if it is about this protocol), else
        the ``ask`` callback's (when ``may_ask``), else None (the run waits)."""
        request = snapshot.interrupts[0].value
        sha = request.get("protocol_sha256") if isinstance(request, dict) else None
        if decision is not None:
            decision = {"protocol_sha256": sha, **decision}  # a decision without a hash: the pending one
            if decision["protocol_sha256"] == sha:
                return decision
        if self.ask is not None and may_ask:
            return self.ask(request, dict(snapshot.values))
        return None

    def _outcome(self, snapshot: Any) -> ChatOutcome:
        return ChatOutcome.from_state(
            dict(snapshot.values),
            awaiting=bool(snapshot.interrupts),
            graph_version=self.version,
            finished=not snapshot.next,
        )
