# Developer shortcuts; CI runs the same checks in .ci/run. Use the venv of CONTRIBUTING.md.
PY ?= .venv/bin/python
SOURCES = funcgrad tests examples benchmarks

.PHONY: all lint format type test bench-smoke

all: lint type test

lint:
	$(PY) -m ruff check $(SOURCES)
	$(PY) -m ruff format --check $(SOURCES)

format:
	$(PY) -m ruff check --fix $(SOURCES)
	$(PY) -m ruff format $(SOURCES)

type:
	$(PY) -m mypy funcgrad

test:
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -p no:cacheprovider

bench-smoke:
	OPENBLAS_NUM_THREADS=1 $(PY) -m benchmarks --smoke
