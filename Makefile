# The pipeline's stages behind make targets. Every target that needs the venv depends on setup.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ZSSAR := $(VENV)/bin/zssar
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0

SPLIT ?= 55_5
# DATASET defaults to the dataset a SynSE split belongs to (55_5, 48_12 -> ntu60; 110_10, 96_24 -> ntu120).
DATASET ?= $(if $(filter 55_5 48_12,$(SPLIT)),ntu60,$(if $(filter 110_10 96_24,$(SPLIT)),ntu120,synthetic60))
SEEDS ?= 1
METHOD ?= fsvae
FEATURES ?=
ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup demo test descriptions features train report bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

demo: setup
	$(ZSSAR) demo $(ARGS)

# The house's rules first (formatting, lint, the import contracts of docs/architecture.md), then the suite.
test: setup
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(ARGS)

descriptions: setup
	$(ZSSAR) describe --dataset $(DATASET) $(ARGS)

features: setup
	$(ZSSAR) embed --dataset $(DATASET) $(ARGS)
	$(ZSSAR) skeleton prepare --dataset $(DATASET) $(ARGS)
	$(ZSSAR) skeleton fit --dataset $(DATASET) --split $(SPLIT) $(ARGS)
	$(ZSSAR) skeleton extract --dataset $(DATASET) --split $(SPLIT) $(ARGS)

# The embedded synthetic data has no download step, so its features are made (or found cached) first.
train: setup $(if $(and $(filter synthetic%,$(DATASET)),$(if $(FEATURES),,1)),features)
	$(ZSSAR) train --dataset $(DATASET) --split $(SPLIT) --method $(METHOD) --seeds $(SEEDS) \
		$(if $(FEATURES),--features $(FEATURES)) $(ARGS)

report: setup
	$(ZSSAR) report $(ARGS)

bench: setup
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf features results .cache .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
