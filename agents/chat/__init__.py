"""Chat-driven planning: a request in plain English becomes a verified, approved, dispatched protocol.

The modules, in the order they depend on each other:

- ``state``: the settings, the graph's (JSON) state, the outcome ``labwright chat --json`` prints;
- ``providers``: the model setting (``offline`` or ``provider:model``) and LangChain chat models;
- ``tools``: the read-only tools a model may call; ``prompts``: what it is told, data fenced;
- ``planners``: the planner interface and the offline planner; ``llm_planner``: a chat model
  as the planner (structured output, tool calls, malformed JSON);
- ``drafts``, ``respond``, ``deck``: pure checks on drafts, the last word, the end state;
- ``nodes`` and ``graph``: the LangGraph ``StateGraph``;
- ``durability``: the SQLite checkpointer, the run table, the per-run lock;
- ``runner``: start and resume runs (what the CLI, the tests and the benchmark drive).

Nothing here is imported at package import time: ``labwright chat`` loads what it uses.
"""
