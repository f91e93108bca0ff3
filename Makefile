# DRM portal: `make run` serves the embedded demo, `make test` runs the checks and the suite.
# Needs only python3 >= 3.11 on a fresh clone; everything else goes into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=
# Processes the tests run in (pytest-xdist); 0: one, in this process.
TEST_WORKERS ?= 2
SCALE ?= 1

VENV := .venv
APPS := drm ingest notifications identity distributors leads goals funds incentives scoring partnership tiers webhooks sso scim
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Stamps: reinstall only when pyproject.toml is newer than the last install.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help run test lint bench messages install install-dev clean

help:
	@echo "make run    serve the demo portal on http://127.0.0.1:$(PORT) (SQLite, Celery worker and beat)"
	@echo "make test   import contract + test suite (PYTEST_ARGS='-k name -x' to narrow)"
	@echo "make lint   ruff check, ruff format --check, lint-imports, bandit (high severity)"
	@echo "make bench  benchmarks against baselines (SCALE=0.1 for a quick run)"
	@echo "make messages  refresh locale/fr from the code, then compile it (needs GNU gettext)"
	@echo "make clean  remove .venv, the demo's databases, e-mails and cache, collected static files"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "error: '$(PYTHON)' not found; the portal needs Python 3.11 or newer." >&2; \
		echo "       Install it, or run again with PYTHON=/path/to/python3.11 (or newer)." >&2; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: the portal needs Python 3.11 or newer; '$(PYTHON)' is" \
			"$$($(PYTHON) --version 2>&1)." >&2; \
		echo "       Run again with PYTHON=/path/to/python3.11 (or newer)." >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "error: could not create $(VENV) (Debian/Ubuntu: apt-get install python3-venv)" >&2; \
		exit 1; }

# --no-compile: modules are compiled when first imported, not all of them at install (a fresh
# clone's `make run` answers sooner).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# The embedded default, whatever a local .env says (drm/embedded.py): SQLite file, DEBUG off,
# gunicorn, a Celery worker and beat on a broker in a SQLite file; Ctrl-C stops all of it.
run: $(STAMP)
	exec $(PY) -m drm.embedded --port $(PORT)

test: $(DEV_STAMP)
	$(VENV)/bin/lint-imports
	TEST_WORKERS=$(TEST_WORKERS) $(PY) tests/run.py $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -c pyproject.toml -r $(APPS) --severity-level high --quiet

# Uses Postgres when DATABASE_URL points to one (database drm_bench is dropped and re-created).
bench: $(DEV_STAMP)
	SCALE=$(SCALE) $(PY) bench/run.py

# The compiled catalogues are committed: running in French needs no gettext, editing them does.
messages: $(DEV_STAMP)
	$(MANAGE) makemessages -l fr --no-obsolete --ignore=.venv --ignore=tests --ignore=bench \
		--ignore=staticfiles --ignore=locale
	$(MANAGE) compilemessages -l fr --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm \
		celery-broker.sqlite3* demo-cache mail media .import_linter_cache
