# The README's two commands: `make demo` (examples) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BARE := .venv-bare
PIP_QUIET := --quiet --disable-pip-version-check
SOURCES := aiohttpretty tests examples benchmarks docs/conf.py

.PHONY: demo test lint typecheck unittest docs pytest matrix aioresponses-suite bench clean

$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install $(PIP_QUIET) -e '.[test,docs]'
	touch $@

# A virtual environment with the package alone: no pytest.
$(BARE)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(BARE)
	$(BARE)/bin/python -m pip install $(PIP_QUIET) -e .
	touch $@

## demo: install into .venv and run the examples with plain unittest
demo: $(VENV)/.installed
	$(BIN)/python -m unittest discover -v examples

## test: lint, type-check, the unittest suites without pytest, the docs, then pytest
test: lint typecheck unittest docs pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy aiohttpretty

unittest: $(BARE)/.installed
	$(BARE)/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('pytest') is not None)"
	$(BARE)/bin/python -m unittest discover -s tests -t .
	$(BARE)/bin/python -m unittest discover examples

docs: $(VENV)/.installed-test
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@# README.rst is the package's long description: plain docutils must render it.
	$(BIN)/python -c "import docutils.core; docutils.core.publish_string(open('README.rst').read(), writer_name='html', settings_overrides={'halt_level': 2})"

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## matrix: the whole suite against the oldest, a middle and the newest supported aiohttp
matrix:
	bash .ci/matrix

## aioresponses-suite: aioresponses' own test suite, unchanged, against aiohttpretty.aioresponses (aiohttp 3.14.5)
aioresponses-suite:
	bash tests/aioresponses_suite/run.sh

## bench: the benchmark of a mocked request against the alternatives (benchmarks/README.md)
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(BARE) docs/_build .mypy_cache .ruff_cache .pytest_cache .aioresponses-suite
