# Kaifeng grid-governance data hub.
#   make demo   fresh environment, stand-ins up, whole pipeline at city scale, summary
#   make test      fresh environment, the fast tier: Python only, no server, Spark or browser
#   make test-all  every test, the fast tier and those that need servers, Spark, a browser or whole pipelines
#   make dev    Dagster UI on the tiny world's warehouse, stand-ins serving (govhub dev --preset city: the demo's)
#   make bi     Apache Superset (its own environment, .venv-bi) with the platform's dashboards, on loopback
#   make lint   ruff (style, imports, complexity: C901 at most 12, branches, statements) and
#               sqlfluff over the dbt models (about 3 minutes); CI runs it
#   make lint-sql  sqlfluff alone (dbt templater, DuckDB dialect; .sqlfluff)
#   make bench  the performance workload on this machine, written to BENCHMARKS.md
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test test-all dev bi bi-env lint lint-sql format env env-spark clean bench lock

# The environment: uv (installed from PyPI when missing) syncs the venv to the one lock file,
# uv.lock, with the extras a target needs: the default environment has what the embedded path
# and the fast tier need (the dev extra: pytest, ruff, Playwright); the Spark target and
# make test-all add the spark extra (dbt-spark, pyspark), make bench the bench extra too.
# The GX Data Docs pages' scripts, styles and fonts come from the npm registry (pinned by
# quality/site_assets/package-lock.json), so that `govhub dev` serves the site offline.
SYNC = uv sync --quiet --frozen --python $(PYTHON) --extra dev
$(STAMP): uv.lock pyproject.toml quality/site_assets/package-lock.json
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	$(SYNC)
	@rm -f $(VENV)/.installed-*
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --prefix quality/site_assets; \
	else echo "no npm: the GX Data Docs pages will load their scripts and styles from CDNs"; fi
	@touch $(STAMP)

$(VENV)/.installed-spark: $(STAMP)
	$(SYNC) --inexact --extra spark
	@touch $@

$(VENV)/.installed-bench: $(STAMP)
	$(SYNC) --inexact --extra spark --extra bench
	@touch $@ $(VENV)/.installed-spark

# Apache Superset in its own environment (.venv-bi), from its own pins (bi/superset/requirements.txt),
# apart from the platform's lock; then the template instance new Superset instances start from.
BI_VENV := .venv-bi
$(BI_VENV)/.installed: bi/superset/requirements.txt $(STAMP)
	@test -x $(BI_VENV)/bin/python || uv venv --quiet --python $(PYTHON) $(BI_VENV)
	uv pip install --quiet --python $(BI_VENV)/bin/python -r bi/superset/requirements.txt
	@rm -rf $(BI_VENV)/govhub-superset-template
	$(BIN)/python -m bi.superset.serve --prepare
	@touch $@

# what `make demo` and `make dev` need: the spark extra too when GOVHUB_DBT_TARGET=spark
RUN_ENV := $(if $(filter spark,$(GOVHUB_DBT_TARGET)),$(VENV)/.installed-spark,$(STAMP))

env: $(STAMP)

env-spark: $(VENV)/.installed-spark

demo: $(RUN_ENV)
	$(BIN)/govhub demo --preset city

# The fast tier leaves out the tests marked (pyproject.toml) as needing more than Python.
FAST := not (e2e or slow or spark or servers or browser)
# Both tiers run on one xdist worker per core (at most 4): tests/conftest.py keeps a file, and
# the tests of a shared world, on one worker. `pytest tests/...` alone runs in this process.
WORKERS := -n auto --maxprocesses=4 --dist loadgroup --no-loadscope-reorder

test: $(STAMP)
	$(BIN)/pytest -m "$(FAST)" $(WORKERS) --durations=25

test-all: $(VENV)/.installed-spark $(BI_VENV)/.installed
	$(BIN)/pytest $(WORKERS) --durations=25

dev: $(RUN_ENV)
	$(BIN)/govhub dev

bi-env: $(BI_VENV)/.installed

# the dashboards over the published copy of `make demo` (and PostgreSQL when GOVHUB_BI_POSTGRES_DSN is set)
bi: $(BI_VENV)/.installed
	$(BIN)/python -m bi.superset.serve

bench: $(VENV)/.installed-bench
	$(BIN)/python scripts/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_sql.py

# sqlfluff over the dbt models as dbt compiles them (.sqlfluff)
lint-sql: $(STAMP)
	$(BIN)/python scripts/lint_sql.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Lock again after changing dependencies in pyproject.toml (uv.lock holds every extra).
lock:
	uv lock

clean:
	rm -rf $(VENV) $(BI_VENV) .bi quality/site_assets/node_modules .dagster_home warehouse/.dagster_home warehouse/worlds warehouse/duckdb_tmp warehouse/dbt_state warehouse/kaifeng.duckdb warehouse/lake warehouse/quality warehouse/published warehouse/reports dbt_project/target dbt_project/logs test-artifacts
