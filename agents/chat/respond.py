"""The agent's last word: what happened to the request, in plain text (pure functions)."""

from __future__ import annotations

from typing import Any


def why_not_dispatched(state: dict[str, Any]) -> str | None:
    """The reason nothing was dispatched, when no other node gave one (None for a dry run)."""
    if state.get("dispatched"):
        return None
    approval = state.get("approval")
    if approval is not None and not approval.get("approved"):
        if approval.get("mode") == "never":
            return None
        who = f" by {approval['by']}" if approval.get("by") else ""
        reason = f": {approval['reason']}" if approval.get("reason") else ""
        return f"not approved{who}{reason}"
    if state.get("draft") is None and state.get("protocol") is None:
        missing = state.get("not_understood") or []
        if missing:
            return "not understood: " + "; ".join(missing)
        return state.get("draft_note") or "no protocol could be drafted from the request"
    return None


def _results_line(results: dict[str, Any]) -> str:
    line = f"Run {results.get('state')}: {results.get('completed_steps')}/{results.get('total_steps')} steps"
    measured = results.get("measurements") or []
    if measured:
        wells = sum(len(m.get("values") or {}) for m in measured)
        line += f", {len(measured)} measurement(s) over {wells} well(s)"
    error = results.get("error")
    if error:
        line += f"; error {error.get('code')}: {error.get('message')}"
    return line + "."


def _campaign_lines(state: dict[str, Any]) -> list[str]:
    asked = (state.get("campaign") or {}).get("summary") or {}
    run = state.get("campaign_run") or {}
    lines = []
    if asked:
        lines.append(
            f"Campaign {asked.get('name')}: {len(asked.get('space') or [])} parameter(s), "
            f"{'; '.join(asked.get('objectives') or [])}; budget {asked.get('budget')}, "
            f"{asked.get('optimizer')} optimiser, seed {asked.get('seed')}, {asked.get('backend')} backend."
        )
    if run.get("run_id"):
        verb = "started" if run.get("started") else "continued (it had been started before)"
        lines.append(f"Campaign run {run['run_id']} {verb}, approved by {run.get('approved_by')}.")
        if run.get("background") and run.get("state") in {"created", "running"}:
            lines.append(f"It runs in the background: `labwright campaign show {run['run_id']}` follows it.")
        elif run.get("state"):
            best = (run.get("best") or {}).get("objectives")
            reached = run.get("target_reached_at")
            counts = ", ".join(f"{n} {k}" for k, n in (run.get("counts") or {}).items() if n)
            found = f"best {best}" if best else f"hypervolume {run.get('hypervolume')}"
            lines.append(
                f"Campaign {run['state']} ({run.get('stop_reason') or 'no stop reason'}): "
                f"{run.get('experiments')} experiment(s) ({counts}), {found}, "
                + (f"target reached at experiment {reached}." if reached else "target not reached.")
            )
    elif asked and state.get("certificate") and (state.get("approval") or {}).get("mode") == "never":
        lines.append("Dry run: the campaign was not started (--approve never).")
    return lines


def compose(state: dict[str, Any]) -> str:
    """A short report: understanding, repairs, verdict, dispatch and results."""
    lines: list[str] = []
    if state.get("understood"):
        lines.append(f"Understood: {state['understood']}")
    if state.get("purpose"):
        lines.append(f"Purpose: {state['purpose']}")
    if state.get("not_understood"):
        lines.append("Not understood: " + "; ".join(state["not_understood"]))
    rounds = int(state.get("repair_rounds") or 0)
    if rounds:
        lines.append(f"Repaired the draft in {rounds} round(s).")
    if state.get("certificate"):
        what = (
            "The campaign's first protocol was verified" if state.get("campaign") is not None else "Verified"
        )
        lines.append(f"{what} and certified (sha256 {str(state.get('protocol_sha256'))[:16]}…).")
    approval = state.get("approval") or {}
    if state.get("campaign") is not None:
        lines += _campaign_lines(state)
    elif state.get("dispatched"):
        dispatch = state.get("dispatch") or {}
        lines.append(f"Dispatched as run {dispatch.get('run_id')} (approved by {approval.get('by')}).")
        if state.get("results"):
            lines.append(_results_line(state["results"]))
    elif approval.get("mode") == "never" and state.get("certificate"):
        lines.append("Dry run: nothing was dispatched (--approve never).")
    if state.get("refused"):
        lines.append(f"Nothing was dispatched: {state['refused']}")
    return "\n".join(lines)
