"""Time budget for notebooks executed by nbval: each must run top to bottom headless within 10 s."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

NOTEBOOK_BUDGET_SECONDS = 10.0
_spent: dict[str, float] = defaultdict(float)


def _is_notebook_cell(item) -> bool:
    """True for the items nbval makes from notebook cells."""
    return item.__class__.__name__ == "IPyNbCell"


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
    """After a notebook's last cell: record its execution time (kernel start included) and hold it to the budget."""
    if not _is_notebook_cell(item) or (nextitem is not None and nextitem.path == item.path):
        return
    spent = _spent.pop(str(item.path), 0.0)
    item.user_properties.append(("notebook_seconds", spent))
    if spent > NOTEBOOK_BUDGET_SECONDS:
        pytest.fail(f"{item.path.name} took {spent:.1f} s to execute headless; the budget is {NOTEBOOK_BUDGET_SECONDS:.0f} s")


def pytest_terminal_summary(terminalreporter):
    """List each notebook's headless execution time."""
    times = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", []):
                if name == "notebook_seconds":
                    times[report.nodeid.split("::")[0]] = value
    if times:
        terminalreporter.write_sep("-", "notebook execution times (headless, kernel start included)")
        for path, seconds in sorted(times.items()):
            terminalreporter.write_line(f"{seconds:6.2f} s  {path}")
