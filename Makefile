# regcat: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
TYPED  := catalogue ingest schemas sample_registers cli.py

.PHONY: install demo test lint format bench clean step-reference

$(STAMP): pyproject.toml setup.py catalogue/analysis/native/_loops.c \
          catalogue/analysis/native/_locate.c catalogue/analysis/native/_buffers.h
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, generate the sample registers, ingest + release them, serve on :8000
## (another address: make demo PORT=8080 HOST=0.0.0.0)
demo: $(STAMP)
	$(BIN)/regcat generate-samples
	$(BIN)/regcat demo$(if $(HOST), --host $(HOST))$(if $(PORT), --port $(PORT))

## test: the whole suite (lint, types, import contracts, pytest on every core: pytest-xdist;
## TEST_WORKERS=0 runs it in one process, TEST_WORKERS=2 on two; see docs/TESTING.md)
## Bytecode is written even where the shell says not to (PYTHONDONTWRITEBYTECODE): the
## servers, command lines and pytest runs the tests start then load the modules a worker
## already compiled instead of compiling them again (docs/TESTING.md).
## One BLAS thread per process (OPENBLAS_NUM_THREADS=1): the workers already take every
## core, and OpenBLAS's own threads spin for a core another worker needs (a 500 × 500
## pivoted QR: 0.42 CPU s on its default threads at load 7, 0.02 on one; test_presence's
## level-limit test 23.1 → 7.1 CPU s, run side by side).
## The type check (mypy, one process, ~25 s of CPU on a fresh clone) runs beside pytest
## rather than before it: alone it kept one core of two idle. Its report follows pytest's,
## and either failing fails `make test` (`make lint` still runs it first, alone).
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@types_log=$$(mktemp); \
	$(BIN)/mypy $(TYPED) > $$types_log 2>&1 & types=$$!; \
	env -u PYTHONDONTWRITEBYTECODE OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder; \
	tests=$$?; wait $$types; typed=$$?; \
	echo "mypy $(TYPED)"; cat $$types_log; rm -f $$types_log; \
	test $$tests -eq 0 && test $$typed -eq 0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: performance benchmarks (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/script_parser.py
	$(BIN)/python bench/scripts.py

clean:
	rm -rf $(VENV) .regcat .pytest_cache .mypy_cache .ruff_cache

## step-reference: docs/STEPS.md, written from the step verbs (catalogue/analysis/steps/)
step-reference: $(STAMP)
	$(BIN)/python -m catalogue.analysis.step_reference > docs/STEPS.md

statistic-reference: $(STAMP)  ## docs/STATISTICS.md, written from the statistics
	$(BIN)/python -m catalogue.analysis.statistic_reference > docs/STATISTICS.md
