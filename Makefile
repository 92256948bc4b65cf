# gdlab: one target per job a person does. `make lab` for students, `make test` for everyone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSIGNMENTS := $(notdir $(wildcard solutions/*))
PYTEST_WORKERS ?= 2
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help lab test release bench

help:
	@echo "make lab      open the course in JupyterLab (creates .venv on first use)"
	@echo "make test     run the whole test suite (creates .venv on first use)"
	@echo "make release  regenerate notebooks/ from solutions/ with nbgrader"
	@echo "make bench    benchmarks (not part of make test): notebook times, widget redraws"

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gdlab needs Python 3.11 or newer (nbgrader 0.9 does); set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[course,test]"
	touch $@

lab: $(INSTALLED)
	$(BIN)/jupyter lab --notebook-dir=notebooks

test: $(INSTALLED)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup tests
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --nbval-lax solutions

release: $(INSTALLED)
	$(BIN)/python -m grading.release $(ASSIGNMENTS)

bench: $(INSTALLED)
	$(BIN)/python -m tests.benchmarks.widget_redraw
	$(BIN)/python -m tests.benchmarks.notebook_times
