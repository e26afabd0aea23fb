# Two commands for a newcomer: `make run` and `make test`. Both create .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test check lint typecheck unit lock asyncapi clean help

help: ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs exactly the versions in requirements.lock (-c), quietly: -qq still shows errors.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	@echo "installing the project and its locked dependencies into $(VENV) ..."
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) ## start the embedded broker and the scorer (Ctrl-C stops)
	$(BIN)/quiz serve

demo: $(STAMP) ## a live demo quiz with simulated players, on the classroom board
	$(BIN)/quiz demo

test: $(STAMP) lint typecheck ## linters, type checks, then the whole test suite
	$(BIN)/python -m pytest

check: $(STAMP) lint typecheck ## the inner loop: linters, type checks and the unit tests (under a minute)
	$(BIN)/python -m pytest tests/unit -q

lint: $(STAMP) ## ruff, and the layers of the code ([tool.importlinter] in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) ## only the fast unit tests
	$(BIN)/python -m pytest tests/unit

lock: ## re-resolve the dependencies in a fresh virtualenv and rewrite requirements.lock
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -qq --upgrade pip
	.lock-venv/bin/python -m pip install -qq -e '.[dev]'
	{ sed -n '1,2p' requirements.lock; .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

asyncapi: $(STAMP) ## regenerate docs/asyncapi.yaml from protocol/ (a test fails while it is stale)
	$(BIN)/python -m protocol.asyncapi > docs/asyncapi.yaml.new
	mv docs/asyncapi.yaml.new docs/asyncapi.yaml

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
