# The README's two commands: `make demo` (examples) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BARE := .venv-bare
SOURCES := aiohttpretty tests examples benchmarks docs/conf.py
# pip without its version check, and without two notes that are not results:
# setuptools' note on every editable install of a package beside its tests
# ("Editable installation ... folders with the same name as your package"),
# and a warning of this machine's pip configuration, which names an index
# directory that does not exist (.ci/matrix drops it too).
PIP := -W "ignore:Editable installation:UserWarning" -m pip
PIP_QUIET := --quiet --disable-pip-version-check
NOT_A_RESULT := 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
# Every suite runs with ResourceWarning as an error (pytest: setup.cfg).
STRICT := -W error::ResourceWarning

.PHONY: demo test lint typecheck unittest docs pytest pytest-parallel dist matrix aioresponses-suite bench clean

$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP) install $(PIP_QUIET) --upgrade pip $(NOT_A_RESULT)
	$(BIN)/python $(PIP) install $(PIP_QUIET) -e . $(NOT_A_RESULT)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python $(PIP) install $(PIP_QUIET) -e '.[test,lint,docs,dist]' $(NOT_A_RESULT)
	touch $@

# A virtual environment with the package alone: no pytest.
$(BARE)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(BARE)
	$(BARE)/bin/python $(PIP) install $(PIP_QUIET) -e . $(NOT_A_RESULT)
	touch $@

## demo: install into .venv and run the examples with plain unittest
demo: $(VENV)/.installed
	$(BIN)/python -m unittest discover -v examples

## test: lint, type-check, the unittest suites without pytest, the docs, pytest
## (in file order, then in two processes in random order), the distributions
test: lint typecheck unittest docs pytest pytest-parallel dist

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy aiohttpretty

unittest: $(BARE)/.installed
	$(BARE)/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('pytest') is not None)"
	$(BARE)/bin/python $(STRICT) -m unittest discover -s tests -t .
	$(BARE)/bin/python $(STRICT) -m unittest discover examples

docs: $(VENV)/.installed-test
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@# README.rst is the package's long description: plain docutils must render it.
	$(BIN)/python -c "import docutils.core; docutils.core.publish_string(open('README.rst').read(), writer_name='html', settings_overrides={'halt_level': 2})"

## pytest: the whole suite in file order (pytest-randomly off)
pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:randomly

## pytest-parallel: the whole suite with pytest-xdist in two processes, in random order
pytest-parallel: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -p randomly

## dist: build the wheel and the sdist into dist/, check them with twine and tests/check_dist.py
dist: $(VENV)/.installed-test
	rm -rf dist
	@# Its log only when it failed; else its last line, what it built.
	log=$$($(BIN)/python -m build --outdir dist . 2>&1) || { echo "$$log"; exit 1; }; echo "$$log" | tail -n 1
	$(BIN)/twine check --strict dist/*
	$(BIN)/python -m pytest -p no:randomly -q tests/check_dist.py

## matrix: the suite on every supported Python, and on the oldest, a middle and the newest aiohttp
matrix:
	bash .ci/matrix

## aioresponses-suite: aioresponses' own test suite, unchanged, against aiohttpretty.aioresponses (aiohttp 3.14.5)
aioresponses-suite:
	bash tests/aioresponses_suite/run.sh

## bench: the benchmark of a mocked request against the alternatives (benchmarks/README.md)
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(BARE) .venv-matrix dist build docs/_build .mypy_cache .ruff_cache .pytest_cache .aioresponses-suite
