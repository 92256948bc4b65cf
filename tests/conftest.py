"""Shared fixtures: one temporary nbgrader course per assignment, built once per test worker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: no per-example deadline (the machine is shared and noisy) and a fixed
# example sequence, so that CI is reproducible; run with HYPOTHESIS_PROFILE=explore for fresh examples.
settings.register_profile("gdlab", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "gdlab"))

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the grading/ package, from a source checkout

from coursekit import TempCourse  # noqa: E402

_courses: dict[str, TempCourse] = {}


@pytest.fixture(scope="session")
def temp_course(tmp_path_factory):
    """A function assignment -> TempCourse, released once per worker and reused by every test of that assignment."""

    def get(assignment: str) -> TempCourse:
        if assignment not in _courses:
            _courses[assignment] = TempCourse(tmp_path_factory.mktemp(assignment), assignment)
        return _courses[assignment]

    return get


@pytest.fixture
def headless_display(monkeypatch):
    """Pretend nbgrader runs the notebook (NBGRADER_EXECUTION set) and collect what demos display."""
    shown: list = []
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr("gdlab.widgets.base.display", shown.append)
    return shown


def is_still_picture(shown: list) -> bool:
    """True when a demo displayed exactly one picture (a PIL image), not widgets."""
    return len(shown) == 1 and shown[0].__class__.__module__.startswith("PIL")
