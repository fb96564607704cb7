# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# The app listens on this machine only unless told: `HOST=0.0.0.0 make run` serves the network
# (without an editor password its corpus is then read-only; see README, The app).
HOST ?= 127.0.0.1

.PHONY: setup runtime run serve test bench bench-quick eval-stores corpus native clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/factcheck models install
	@$(MAKE) --no-print-directory runtime

corpus: setup
	$(BIN)/factcheck ingest --if-empty corpus/

run: corpus
	@$(MAKE) --no-print-directory serve

# The app alone, on the store as it is (`make run` sets up and fills the store first). The
# upload limit follows FACTCHECK_MAX_FILE_MB; the flags are in factcheck/launch.py.
serve:
	$(BIN)/python -m factcheck.launch --host '$(HOST)' --port '$(PORT)'

test: setup
	$(BIN)/python -m pytest -q

# Benchmarks (see README, Performance and scaling; docs/performance.md). Synthetic scale stores go to /tmp/bench-scale (BENCH_SCALE_DIR).
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

# The stores the README's evaluation commands name (--store /tmp/ev/NAME) and news_train's halves (/tmp/news_train_*).
eval-stores: setup
	$(BIN)/python bench/eval_stores.py

bench-quick: setup $(BENCH_STAMP)
	$(BIN)/python bench/ingest.py --quick
	$(BIN)/python bench/scale.py --quick
	$(BIN)/python bench/answer.py --quick
	$(BIN)/python bench/plot.py

# The embedded model's runtime. xllamacpp's PyPI wheel uses AVX2 only; on a CPU with AVX-512 a
# build for it (from the same version's PyPI source, offline) reads prompts ~1.4x faster, which
# the 4 s first-token goal needs on this project's machines (docs/performance.md). Built once,
# ~9 minutes on 2 cores, then checked by loading the model and having it answer; if the build or
# the check fails, the prebuilt wheel stays and everything works as before, only slower.
# `make setup NATIVE=0` keeps the prebuilt wheel. No LLGuidance, no BoringSSL/OpenSSL (the server
# is on loopback, no TLS); AMX left out (with it the model crashed on loading, on a Xeon).
NATIVE ?= auto
RUNTIME := $(VENV)/.runtime
XLLAMACPP = $(shell sed -n 's/.*"xllamacpp==\([^"]*\)".*/\1/p' pyproject.toml)
NATIVE_FLAGS := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16

runtime: $(RUNTIME)
$(RUNTIME): $(STAMP)
	@if [ "$(NATIVE)" = 0 ]; then echo "runtime: the prebuilt xllamacpp wheel (NATIVE=0)"; \
	elif [ "$$(uname -m)" = x86_64 ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then \
		echo "runtime: building xllamacpp $(XLLAMACPP) for this CPU (AVX-512), ~9 minutes on 2 cores, once"; \
		$(MAKE) --no-print-directory native || echo "runtime: the build for this CPU failed; the prebuilt wheel stays"; \
	else echo "runtime: the prebuilt xllamacpp wheel (no AVX-512 here for a build to use)"; fi
	@touch $@

native: $(STAMP)
	$(BIN)/factcheck models install
	rm -rf $(VENV)/native
	CMAKE_ARGS='-DLLAMA_LLGUIDANCE=OFF -DLLAMA_BUILD_BORINGSSL=OFF -DLLAMA_OPENSSL=OFF -DCMAKE_C_FLAGS="$(NATIVE_FLAGS)" -DCMAKE_CXX_FLAGS="$(NATIVE_FLAGS)"' \
		$(BIN)/pip wheel --quiet --no-deps --no-binary xllamacpp xllamacpp==$(XLLAMACPP) -w $(VENV)/native
	$(BIN)/pip install --quiet --no-deps --force-reinstall $(VENV)/native/xllamacpp-*.whl
	$(BIN)/factcheck models check || { $(BIN)/pip install --quiet --no-deps --force-reinstall xllamacpp==$(XLLAMACPP); exit 1; }

# The venv only: the corpus in .data (FACTCHECK_DATA_DIR) holds what a newsroom ingested, and is never
# removed by a make target.
clean:
	rm -rf $(VENV)
