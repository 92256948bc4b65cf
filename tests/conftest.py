"""Shared fixtures: one temporary nbgrader course per assignment, built once per test worker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
