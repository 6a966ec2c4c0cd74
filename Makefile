# Fresh machine: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test test-slow lint bench clean-venv

# The MCP SDK (`labwright mcp`) goes in last, without its dependencies: the `mcp` extra (in `all`)
# brings them, except jsonschema>=4.20, which mcp 1.30.0 declares and opentrons 9.0.0 forbids
# (jsonschema<4.18). The SDK's server validates with plain jsonschema.validate, which the installed
# 4.17.3 does (tests/shell/test_mcp_*.py run real sessions against it). README: "Installing the SDK".
$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[all]'
	$(BIN)/pip install -q --no-deps mcp==1.30.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/labwright demo

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/validate_speed.py

clean-venv:
	rm -rf $(VENV)
