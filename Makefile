# DRM portal: `make run` serves the embedded demo, `make test` runs the checks and the suite.
# Needs only python3 >= 3.11 on a fresh clone; everything else goes into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=
SCALE ?= 1

VENV := .venv
APPS := drm ingest notifications distributors leads goals scoring
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Stamps: reinstall only when pyproject.toml is newer than the last install.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

# `make run` always serves the embedded default, whatever a local .env says: SQLite file,
# Celery eager, no Redis.
run: export DJANGO_SETTINGS_MODULE := drm.settings
run: export DATABASE_URL := sqlite:///$(CURDIR)/db.sqlite3
run: export REDIS_URL :=
run: export CACHE_URL :=
run: export CELERY_BROKER_URL := memory://
run: export CELERY_TASK_ALWAYS_EAGER := 1
run: export ALLOWED_HOSTS := 127.0.0.1,localhost
run: export DEBUG := 1

.PHONY: help run test lint bench messages install install-dev clean

help:
	@echo "make run    serve the demo portal on http://127.0.0.1:$(PORT) (SQLite, eager Celery)"
	@echo "make test   import contract + test suite (PYTEST_ARGS='-k name -x' to narrow)"
	@echo "make lint   ruff check, ruff format --check, lint-imports, bandit (high severity)"
	@echo "make bench  benchmarks against baselines (SCALE=0.1 for a quick run)"
	@echo "make messages  refresh locale/fr from the code, then compile it (needs GNU gettext)"
	@echo "make clean  remove .venv, db.sqlite3, collected static files and caches"

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

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: $(STAMP)
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) demo_data --quiet
	$(MANAGE) demo_leads --quiet
	$(MANAGE) demo_goals --quiet
	$(MANAGE) scoring_run --quiet
	$(MANAGE) collectstatic --noinput -v 0
	@echo "Serving the demo portal on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	exec $(MANAGE) runserver 127.0.0.1:$(PORT) --noreload

test: $(DEV_STAMP)
	$(VENV)/bin/lint-imports
	$(PY) tests/run.py $(PYTEST_ARGS)

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
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-journal .import_linter_cache
