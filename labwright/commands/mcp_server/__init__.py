"""labwright as a Model Context Protocol server (``labwright mcp``), built on the official MCP
Python SDK's low-level ``Server``.

Every tool is a thin adapter over a function the CLI uses (validate, schema, simulate, safety,
export, the deck definitions) or an agent tool of the computational modules
(``labwright.protocols.tooling``): pydantic models give each tool its input and output JSON
Schema, the SDK validates arguments and structured results against them (``jsonschema``), and the
work runs in a worker thread within a time budget so that the server keeps serving whatever one
call does. ``dispatch`` exists only when the server is started with ``--allow-dispatch`` and goes
through the certificate checks, the dispatcher and the run ledger exactly as ``labwright run``
does, recorded as coming from MCP.

Modules: ``config`` (the server's settings), ``guard`` (budgets, errors, private files),
``documents`` (protocol text in), ``spec`` (what a tool is), one module per family of tools,
``resources`` (bundled examples and policies) and ``server`` (the SDK wiring: stdio and
streamable HTTP).
"""
