# gdlab: one target per job a person does. `make lab` for students, `make test` for everyone.
# The Python that .venv is made from: Debian's /usr/bin/python3 when it is 3.11 or newer and can make a venv,
# else python3 on PATH (PYTHON=... picks another). The system's Python is the one deploy/setup.sh builds the
# class's environment from, every user can run it (the grading sandbox's kernels, a hub's servers), and a
# distribution's build runs the suite faster than a default pyenv build (~6 % less CPU here, measured).
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSIGNMENTS := $(notdir $(wildcard solutions/*))
PYTEST_WORKERS ?= 2
export PATH := $(CURDIR)/$(BIN):$(PATH)
# One BLAS thread per process: the tests already run two processes on two cores.
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help lab instructor hub test release grade bench screenshots

help:
	@echo "make lab      open the course in JupyterLab (creates .venv on first use)"
	@echo "make instructor  JupyterLab on the whole repository with nbgrader's instructor tools (formgrader)"
	@echo "sudo make hub  a class on this machine's JupyterHub: users, exchange, PostgreSQL gradebook (deploy/README.md)"
	@echo "make test     run the whole test suite (creates .venv on first use)"
	@echo "make release  regenerate notebooks/ from solutions/ with nbgrader"
	@echo "make grade    grade grading/submitted/: autograde, feedback, grading/grades.csv, grading/report/ (see grading/README.md)"
	@echo "make bench    benchmarks (not part of make test): notebook times, widget redraws, grading a class"
	@echo "make screenshots  refresh docs/screenshots/ (the README's pictures; needs Chromium)"

# The packages are installed by uv (itself installed by the venv's pip): the same packages and versions pip resolves,
# in 11-18 s with nothing cached where pip's upgrade and install took 31-37 s (measured here); byte-compiled, as pip
# does, since kernels may not write .pyc files. pip stays in .venv. uv does not read pip's settings: behind a package
# mirror, set UV_INDEX_URL (or UV_DEFAULT_INDEX) as well as pip's.
$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gdlab needs Python 3.11 or newer (nbgrader 0.9 does); set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e ".[course,test]"
	touch $@

# Students: the notebooks, Validate and the assignment list; no formgrader, no news pop-up (jupyter/student.py).
# The server runs in notebooks/, where nbgrader's assignment list looks for the assignments.
lab: $(INSTALLED)
	cd notebooks && $(CURDIR)/$(BIN)/jupyter lab --config=$(CURDIR)/jupyter/student.py

# Instructors: every nbgrader tool, on the repository root (the nbgrader course directory).
instructor: $(INSTALLED)
	$(BIN)/jupyter lab --config=$(CURDIR)/jupyter/instructor.py

# A class on this machine's JupyterHub, for trying it out (as root; deploy/README.md says what to change for a class).
hub:
	bash deploy/setup.sh

# Two runs side by side. The browser tests (JupyterLab and the class's JupyterHub in Chromium, which mostly
# wait for pages) run beside the package and grading tests (both cores); the browser report is printed when
# both are done (it is also in $(BROWSER_LOG)). Each solution notebook runs in full once: in the browser tour,
# which runs the instructor's source notebooks (hidden tests included) in JupyterLab, or, where Chromium is
# missing and the tour is skipped, by nbval (--notebooks-in-tour; each notebook's cells in one worker).
# The 10 s per-notebook budget is a speed goal, so `make bench` checks it, not make test.
# The other tests run at a lower priority (nice): they are batch work, while JupyterLab's server, Chromium and the
# tour's kernels answer a browser that times out (JupyterLab asks which kernel to start when the server is slow).
# gdlab and gdgrade are byte-compiled first: once, not in each of the ~250 kernels and graders, where Python
# may not write .pyc files (PYTHONDONTWRITEBYTECODE, or a sandboxed kernel that cannot write to helpers/).
BROWSER_LOG := $(VENV)/browser-tests.log
test: $(INSTALLED)
	$(BIN)/python -m compileall -q helpers
	$(TEST_ENV) $(BIN)/python -m pytest tests/browser > $(BROWSER_LOG) 2>&1 & browser=$$!; \
	echo "browser tests running beside the others (their report follows them; $(BROWSER_LOG))"; \
	$(TEST_ENV) nice -n 5 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --nbval-lax --notebooks-in-tour tests solutions --ignore=tests/browser; others=$$?; \
	wait $$browser; browser_status=$$?; cat $(BROWSER_LOG); \
	test $$others -eq 0 && test $$browser_status -eq 0

release: $(INSTALLED)
	$(BIN)/gdgrade release $(ASSIGNMENTS)

grade: $(INSTALLED)
	$(BIN)/gdgrade autograde

screenshots: $(INSTALLED)
	$(BIN)/python tests/browser/screenshots.py

bench: $(INSTALLED)
	$(BIN)/python -m tests.benchmarks.widget_redraw
	$(BIN)/python -m tests.benchmarks.class_grading
	$(BIN)/python -m tests.benchmarks.notebook_times
