# migcap — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install lint typecheck bench docs clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

## make run: create the venv, install migcap, build the warehouse, write the report, print the global overview,
## then serve the web application on http://127.0.0.1:8000 (Ctrl-C stops it)
run: $(VENV)/.installed
	$(BIN)/migcap data build
	$(BIN)/migcap report --out report
	$(BIN)/migcap overview --area WLD
	$(BIN)/migcap serve --report report

## make test: install the test tools (and Debian's chromium and postgresql for the browser and database tests)
## and run every check (pytest, ruff, mypy, and the import rules of pyproject.toml)
test: $(VENV)/.installed-test
	sh tools/ensure-chromium.sh
	sh tools/ensure-postgres.sh
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check src tests bench tools conftest.py
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench tools conftest.py
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench_data.py

docs: $(VENV)/.installed
	$(BIN)/migcap data schema --out docs/schema.md
	$(BIN)/python -m migcap.projections.report docs/projections.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
