"""Notebooks executed by nbval: each runs in one xdist worker, and its headless execution time is reported.

The 10 s budget per notebook is a speed goal, so it lives in `make bench` (tests/benchmarks/notebook_times.py),
not here: beside the grading tests on a shared machine a wall-clock assertion would only be flaky."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

_spent: dict[str, float] = defaultdict(float)


def _is_notebook_cell(item) -> bool:
    """True for the items nbval makes from notebook cells."""
    return item.__class__.__name__ == "IPyNbCell"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep each notebook's cells together in one xdist worker: they share one kernel, in order."""
    for item in items:
        if _is_notebook_cell(item):
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.stem}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    start = time.perf_counter()
    yield
    if _is_notebook_cell(item):
        _spent[str(item.path)] += time.perf_counter() - start


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.perf_counter()
    yield
    if _is_notebook_cell(item):
        _spent[str(item.path)] += time.perf_counter() - start


def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell: record its execution time, kernel start included."""
    if not _is_notebook_cell(item) or (nextitem is not None and nextitem.path == item.path):
        return
    item.user_properties.append(("notebook_seconds", _spent.pop(str(item.path), 0.0)))


def pytest_terminal_summary(terminalreporter):
    """List each notebook's headless execution time (a report; the budget is checked by `make bench`)."""
    times = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == "notebook_seconds":
                    times[report.nodeid.split("::")[0]] = value
    if times:
        terminalreporter.write_sep("-", "notebook execution times (headless, kernel start included; budget in make bench)")
        for path, seconds in sorted(times.items()):
            terminalreporter.write_line(f"{seconds:6.2f} s  {path}")
