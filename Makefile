# `make run`: install tracker in .venv and run the daemon on config.yaml (SQLite).
# `make check`: the quick check before a commit: format, lint, types, unit and integration tests
#   that are not marked slow (under two minutes).
# `make test`: install the development tools (and pywb) and check everything: format, lint, types,
#   docs, all tests.
# `make pywb`: pywb, the wayback machine the WARC export's replay tests run, in .venv-pywb.
# `make docs`: serve the documentation site on http://127.0.0.1:8001 (`make docs-check` builds it strictly).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# pywb pins old libraries (werkzeug, redis, fakeredis) that the development tools have newer:
# it gets a virtualenv of its own; the tests run its commands (tests/support/pywb.py)
PYWB_VENV ?= .venv-pywb
# pytest-xdist workers: half the suite waits (politeness delays, daemons in processes), so
# one more worker than the 2 cores of this machine's kind; whole modules per worker (a
# module's fixtures are built once), slow modules first (tests/conftest.py)
WORKERS ?= 3
PARALLEL = -n $(WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: run check test install install-dev pywb lint types docs docs-check pytest pytest-quick bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

pywb: $(PYWB_VENV)/bin/wayback

$(PYWB_VENV)/bin/wayback:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/pip install --quiet 'pywb>=2.8,<3'

run: install
	$(BIN)/tracker --config config.yaml run

check: install-dev lint types pytest-quick

test: install-dev pywb lint types docs-check pytest

lint:
	$(BIN)/ruff format --check tracker tests alembic bench
	$(BIN)/ruff check tracker tests alembic bench

types:
	$(BIN)/mypy

# Offline and strict: a broken link or anchor, a missing image or a page left out of the nav fails.
docs-check:
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

pytest:
	$(BIN)/pytest $(PARALLEL)

pytest-quick:
	$(BIN)/pytest $(PARALLEL) -m "not slow" tests/unit tests/integration

bench: install-dev
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/commands.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/politeness.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) $(PYWB_VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
