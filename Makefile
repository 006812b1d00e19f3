# Kaifeng grid-governance data hub.
#   make demo   fresh environment, stand-ins up, whole pipeline at city scale, summary
#   make test   fresh environment, all tests
#   make dev    Dagster UI on the embedded default warehouse, stand-ins serving
#   make lint   ruff
#   make bench  the performance workload on this machine, written to BENCHMARKS.md
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test dev lint format env clean bench

# The environment: uv (installed from PyPI when missing) syncs the venv to the lock file.
$(STAMP): requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	uv venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	uv pip sync --quiet --python $(BIN)/python requirements.lock
	uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/govhub demo --preset city

test: $(STAMP)
	$(BIN)/pytest

dev: $(STAMP)
	$(BIN)/govhub dev

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	uv pip compile --quiet pyproject.toml --extra dev --extra spark --extra bench -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .dagster_home warehouse/kaifeng.duckdb warehouse/lake warehouse/quality warehouse/published warehouse/reports dbt_project/target dbt_project/logs test-artifacts
