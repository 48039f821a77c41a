# The two set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out
DEMO ?= sample_dumps/sosreport/sosreport-sample-host-memmaps-2026-11-25-mekvvua.tar.xz

.PHONY: install tools demo test quick fuzz bench lab clean

install: $(STAMP)

# setup.py builds the optional C reader of the smaps fast path (analyzer/ingest/formats/smaps/_fastc.c):
# a C compiler is installed with apt-get when missing and we are root; without one the install still
# works and the numpy reader does that work, ~2x slower.
$(STAMP): pyproject.toml setup.py analyzer/ingest/formats/smaps/_fastc.c
	@command -v cc >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "installing gcc (apt-get): builds the C reader of the smaps fast path"; \
	    apt-get install -y -qq gcc libc6-dev >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq gcc libc6-dev >/dev/null; }; }; } || \
	  echo "no C compiler: the smaps fast path reads records with numpy (~2x slower)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	# byte-compile the package now: with PYTHONDONTWRITEBYTECODE set, every run would compile it again (~70 ms)
	$(BIN)/python -m compileall -q analyzer >/dev/null
	touch $(STAMP)

# Debian tools the tests write real archives with (tests/test_tarstream.py): bsdtar (libarchive) and
# busybox tar. Installed with apt-get when missing and we are root; otherwise those tests say they skip.
TEST_TOOLS := bsdtar:libarchive-tools busybox:busybox
tools:
	@missing=""; for t in $(TEST_TOOLS); do command -v $${t%%:*} >/dev/null || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing (apt-get)"; \
	    apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	      { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; }; \
	  else echo "missing$$missing and not root with apt-get: the tests that need them will skip"; fi; \
	fi

demo: install
	mkdir -p $(OUT)
	@echo "== every sample, recognised by content =="
	$(BIN)/memmaps info sample_dumps/
	@echo "== one real sosreport (sos 4.0, -k process.smaps=on) =="
	$(BIN)/memmaps summary $(DEMO) --by kind
	$(BIN)/memmaps summary $(DEMO) --by process
	$(BIN)/memmaps summary $(DEMO) --by mapping --top 10
	$(BIN)/memmaps export sample_dumps/ -o $(OUT)/mappings.csv
	$(BIN)/memmaps report $(DEMO) -o $(OUT)/report.pdf --png-dir $(OUT)/charts
	$(BIN)/memmaps report $(DEMO) -o $(OUT)/report.html -q
	@echo "wrote $(OUT)/mappings.csv, $(OUT)/report.pdf, $(OUT)/report.html, $(OUT)/charts/"

test: install tools
	$(BIN)/python -m pytest

quick: install tools
	$(BIN)/python -m pytest -m "not slow"

# A long mutation campaign with a new seed (tests/test_fuzz.py); a failure names the seed and keeps the
# reproducer in $(FUZZ_OUT). Override: make fuzz FUZZ_RUNS=100000 FUZZ_SEED=1234
FUZZ_RUNS ?= 20000
FUZZ_SEED ?= $(shell date +%s)
FUZZ_OUT ?= fuzz-out
fuzz: install
	mkdir -p $(FUZZ_OUT)
	@echo "fuzz seed $(FUZZ_SEED), $(FUZZ_RUNS) mutations, reproducers in $(FUZZ_OUT)/"
	MEMMAPS_FUZZ_SEED=$(FUZZ_SEED) MEMMAPS_FUZZ_RUNS=$(FUZZ_RUNS) MEMMAPS_FUZZ_EXAMPLES=2000 \
		MEMMAPS_FUZZ_OUT=$(FUZZ_OUT) $(BIN)/python -m pytest tests/test_fuzz.py -x -q -p no:cacheprovider

lab: install
	$(BIN)/jupyter lab notebooks/

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
