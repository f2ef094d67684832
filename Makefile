# Step-Change: `make run` sets everything up and serves on http://127.0.0.1:8000; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: run setup install assets migrate seed test test-sqlite test-postgres lint typecheck postgres-up clean

run: setup migrate seed  ## install, migrate, seed, create demo accounts and serve on SQLite
	$(BIN)/stepchange demo accounts
	$(BIN)/stepchange demo call
	$(BIN)/stepchange run --host $(HOST) --port $(PORT)

setup: install assets

install: $(BIN)/stepchange
$(BIN)/stepchange: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

assets: stepchange/static/stepchange.css
stepchange/static/stepchange.css: package.json $(wildcard frontend/*)
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	npm run build
	touch $@

migrate: install
	$(BIN)/stepchange database upgrade --no-prompt

seed: install
	$(BIN)/stepchange seed

test: setup lint typecheck test-sqlite test-postgres  ## every check, on both databases

lint: install  ## ruff, and import-linter's contracts (the layers run downhill; pages never import controllers)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test-sqlite: setup
	STEPCHANGE_TEST_ENGINE=sqlite $(BIN)/pytest -q

test-postgres: setup postgres-up
	STEPCHANGE_TEST_ENGINE=postgresql STEPCHANGE_TEST_PG_URL=$(PG_TEST_URL) $(BIN)/pytest -q

postgres-up:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

clean:
	rm -rf $(VENV) node_modules stepchange/static var stepchange.db stepchange.db-*

# Benchmarks (bench/run.py): SQLite and PostgreSQL, each figure a ratio to a ceiling started in the same run.
# Needs wrk (apt-get install -y wrk). BENCH_ARGS="--quick" for a short smoke run.
PG_BENCH_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
BENCH_ARGS ?=
.PHONY: bench
bench: setup postgres-up  ## measure submissions, the project list, the dashboard, imports and memory
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python -m bench.run --postgres $(PG_BENCH_URL) $(BENCH_ARGS)
