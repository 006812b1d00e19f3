# Kaifeng grid-governance data hub.
#   make demo   fresh environment, stand-ins up, whole pipeline at city scale, summary
#   make test      fresh environment, the fast tier: Python only, no server, Spark or browser
#   make test-all  every test, the fast tier and those that need servers, Spark, a browser or whole pipelines
#   make dev    Dagster UI on the tiny world's warehouse, stand-ins serving (govhub dev --preset city: the demo's)
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

.PHONY: demo test test-all dev lint format env clean bench

# The environment: uv (installed from PyPI when missing) syncs the venv to the lock file.
# The GX Data Docs pages' scripts, styles and fonts come from the npm registry (pinned by
# quality/site_assets/package-lock.json), so that `govhub dev` serves the site offline.
$(STAMP): requirements.lock pyproject.toml quality/site_assets/package-lock.json
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	uv venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	uv pip sync --quiet --python $(BIN)/python requirements.lock
	uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --prefix quality/site_assets; \
	else echo "no npm: the GX Data Docs pages will load their scripts and styles from CDNs"; fi
	@touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/govhub demo --preset city

# The fast tier leaves out the tests marked (pyproject.toml) as needing more than Python.
FAST := not (e2e or slow or spark or servers or browser)

test: $(STAMP)
	$(BIN)/pytest -m "$(FAST)" --durations=25

test-all: $(STAMP)
	$(BIN)/pytest --durations=25

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
	rm -rf $(VENV) quality/site_assets/node_modules .dagster_home warehouse/.dagster_home warehouse/worlds warehouse/duckdb_tmp warehouse/kaifeng.duckdb warehouse/lake warehouse/quality warehouse/published warehouse/reports dbt_project/target dbt_project/logs test-artifacts
