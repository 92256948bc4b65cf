"""Shared fixtures: one temporary nbgrader course per assignment, built once per test worker."""

from __future__ import annotations

import pytest
from hypothesis import settings

# Property tests: no per-example deadline (the machine is shared and noisy) and a fixed
# example sequence, so that CI is reproducible; run with HYPOTHESIS_PROFILE=explore for fresh examples.
settings.register_profile("gdlab", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "gdlab"))

from coursekit import KeptKernelExecute, TempCourse

_courses: dict[str, TempCourse] = {}


@pytest.fixture(scope="session")
def temp_course(tmp_path_factory):
    """A function assignment -> TempCourse, released once per worker and reused by every test of that assignment."""

    def get(assignment: str) -> TempCourse:
        if assignment not in _courses:
            _courses[assignment] = TempCourse(tmp_path_factory.mktemp(assignment), assignment)
        return _courses[assignment]

    yield get
    KeptKernelExecute.shut_down()


@pytest.fixture
def headless_display(monkeypatch):
    """Run headless (GDLAB_HEADLESS=1, as the docs and nbval may) and collect what demos display."""
    shown: list = []
    monkeypatch.setenv("GDLAB_HEADLESS", "1")
    monkeypatch.setattr("gdlab.widgets.base.display", shown.append)
    return shown


def pytest_addoption(parser):
    """--notebooks-in-tour, which make test gives the tests that run beside the browser tour."""
    parser.addoption("--notebooks-in-tour", action="store_true",
                     help="where the JupyterLab browser tour can run (Chromium installed), leave the solution notebooks "
                          "to it: it runs each in full, hidden tests included, and checks every output; nbval's cells "
                          "are deselected (make test runs the tour beside these tests)")


def notebooks_left_to_tour(config) -> bool:
    """True when nbval's notebook cells are left to the browser tour (--notebooks-in-tour, and Chromium is here)."""
    from browser.labkit import browser_missing

    return config.getoption("notebooks_in_tour") and browser_missing() is None


def pytest_collection_modifyitems(config, items):
    """With --notebooks-in-tour and Chromium, deselect nbval's cells: the tour runs the same notebooks in JupyterLab."""
    if not notebooks_left_to_tour(config):
        return
    cells = [item for item in items if type(item).__name__ == "IPyNbCell"]
    if cells:
        items[:] = [item for item in items if type(item).__name__ != "IPyNbCell"]
        config.hook.pytest_deselected(items=cells)


def pytest_terminal_summary(terminalreporter, config):
    """Say how long the JupyterLab browser tour took, or plainly that it was skipped and how to run it; and that the
    solution notebooks were left to it."""
    if notebooks_left_to_tour(config):
        terminalreporter.write_line("solution notebooks: left to the browser tour (tests/browser), which runs each in full "
                                    "in JupyterLab; nbval runs them where Chromium is missing")
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        properties = dict(getattr(report, "user_properties", []))
        if "browser_tour_seconds" in properties and report.when == "call":
            terminalreporter.write_line(f"JupyterLab browser tour (tests/browser/): {properties['browser_tour_seconds']} s "
                                        f"for {properties['browser_tour_notebooks']} notebooks")
    sandboxless = [r for r in terminalreporter.stats.get("skipped", []) if "bubblewrap" in str(getattr(r, "longrepr", ""))]
    if sandboxless:
        from coursekit import SANDBOX_HINT

        terminalreporter.write_sep("=", "class-grading tests SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(f"{len(sandboxless)} tests that grade through the sandbox did not run; "
                                    f"to run them, {SANDBOX_HINT}.")
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "tests/browser/" in getattr(r, "nodeid", "")]
    if skipped:
        from browser.labkit import INSTALL_HINT, browser_missing

        terminalreporter.write_sep("=", "browser tests SKIPPED", yellow=True, bold=True)
        terminalreporter.write_line(f"{len(skipped)} JupyterLab browser tests did not run: "
                                    f"{browser_missing() or 'see pytest -rs'}.")
        terminalreporter.write_line(f"To run them, {INSTALL_HINT}; then `make test` again.")
