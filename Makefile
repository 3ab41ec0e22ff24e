# `make run` starts the app, `make test` runs every test; each creates .venv and installs into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PIP := $(BIN)/python -m pip install --disable-pip-version-check --quiet

.PHONY: run test test-slow test-fast lint bench bench-app clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

$(DEV): requirements-dev.txt $(RUNTIME)
	$(PIP) -r requirements-dev.txt
	touch $@

BENCH := $(VENV)/.bench-installed

$(BENCH): requirements-bench.txt $(RUNTIME)
	$(PIP) -r requirements-bench.txt
	touch $@

run: $(RUNTIME)
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1

# Every test but the long checks (marked slow), on every core, in under 5 minutes; CI runs test-slow too.
test: $(DEV)
	$(BIN)/python -m pytest -m "not slow"

# The long checks: the published results reproduced, the committed study tables, server memory, app reruns.
test-slow: $(DEV)
	$(BIN)/python -m pytest -m slow

# Everything but the slow and browser tests, for a quick loop while working.
test-fast: $(DEV)
	$(BIN)/python -m pytest -m "not slow and not browser" -x -q

# ruff's linter over the whole repository (its configuration is in pyproject.toml).
lint: $(DEV)
	$(BIN)/python -m ruff check .

# Speeds against PyTorch and the NumPy limit, wall times, and issue 6's targets (a few minutes; exit 1 on a miss).
bench: $(BENCH)
	$(BIN)/python -m benchmarks

# The app in real Chromium: first figure, display-only and recomputing changes, bytes, playback fps (exit 1 on a miss).
bench-app: $(DEV)
	$(BIN)/python -m benchmarks.app_timings

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
