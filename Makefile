# `make run`: install tracker in .venv and run the daemon on config.yaml (SQLite).
# `make test`: install the development tools and check everything: format, lint, types, tests.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test install install-dev lint types pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: install
	$(BIN)/tracker --config config.yaml run

test: install-dev lint types pytest

lint:
	$(BIN)/ruff format --check tracker tests alembic bench
	$(BIN)/ruff check tracker tests alembic bench

types:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/commands.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/politeness.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
