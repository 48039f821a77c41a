# The two set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

demo: install
	mkdir -p $(OUT)
	$(BIN)/memmaps info sample_dumps/
	$(BIN)/memmaps summary sample_dumps/ --by kind
	$(BIN)/memmaps summary sample_dumps/ --by process --top 15
	$(BIN)/memmaps export sample_dumps/ -o $(OUT)/mappings.csv
	$(BIN)/memmaps report sample_dumps/ -o $(OUT)/report.pdf --png-dir $(OUT)/charts
	$(BIN)/memmaps report sample_dumps/ -o $(OUT)/report.html -q

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
