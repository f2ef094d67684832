# Step-Change: `make run` sets everything up and serves on http://$(HOST):$(PORT); `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
LOCK := requirements/dev.lock
PRODUCTION_LOCK := requirements/production.lock

# Links in e-mails and the demo's sign-in lines point where `make run` serves, unless STEPCHANGE_BASE_URL
# says otherwise (serving on 0.0.0.0 listens everywhere; the links then name this machine as 127.0.0.1).
LINK_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
BASE_URL := $(or $(STEPCHANGE_BASE_URL),http://$(LINK_HOST):$(PORT))
SERVE := STEPCHANGE_BASE_URL='$(BASE_URL)' $(BIN)/stepchange

.PHONY: run setup install assets migrate seed test test-fast test-sqlite test-postgres lint typecheck postgres-up \
	lock clean

run: setup migrate seed  ## install, migrate, seed, create demo accounts and serve on SQLite
	$(SERVE) demo accounts
	$(SERVE) demo call
	$(SERVE) run --host $(HOST) --port $(PORT)

setup: install assets

install: $(BIN)/stepchange
$(BIN)/stepchange: pyproject.toml $(LOCK)  ## exactly the versions in the lock file, checked by their hashes
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed" >&2; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

assets: stepchange/static/stepchange.css
stepchange/static/stepchange.css: package.json package-lock.json $(wildcard frontend/*)
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { echo "Node.js 20 or newer is needed" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	npm run build
	touch $@

migrate: install
	$(BIN)/stepchange database upgrade --no-prompt

seed: install
	$(BIN)/stepchange seed

test: setup lint typecheck test-sqlite test-postgres  ## every check, on both databases

test-fast: setup lint typecheck  ## the checks and the tests that take seconds (SQLite, no real servers or browser)
	STEPCHANGE_TEST_ENGINE=sqlite $(BIN)/pytest -q -m "not slow"

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

# The lock files pin every Python package (with hashes) for every platform and Python 3.11+. After changing
# pyproject.toml's dependencies, `make lock` adds or drops what changed and keeps every other pin;
# `make lock UPGRADE=1` moves everything to the newest versions pyproject.toml's bounds allow. Then `make test`.
UPGRADE ?=
LOCK_WITH := uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"
lock: install
	$(BIN)/$(LOCK_WITH) --extra dev $(if $(UPGRADE),--upgrade) --output-file $(LOCK)
	$(BIN)/$(LOCK_WITH) --constraint $(LOCK) --output-file $(PRODUCTION_LOCK)

clean:  ## back to a fresh clone: the environment, the built assets, the database and development mail
	rm -rf $(VENV) node_modules stepchange/static var stepchange.db stepchange.db-*

# Benchmarks (bench/run.py): SQLite and PostgreSQL, each figure a ratio to a ceiling started in the same run.
# Needs wrk (apt-get install -y wrk). BENCH_ARGS="--quick" for a short smoke run.
PG_BENCH_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
BENCH_ARGS ?=
.PHONY: bench
bench: setup postgres-up  ## measure submissions, the project list, the dashboard, imports and memory
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
	$(BIN)/python -m bench.run --postgres $(PG_BENCH_URL) $(BENCH_ARGS)
