"""Is notebooks/ exactly what nbgrader generates from solutions/ (so nobody edited it by hand)?"""

from __future__ import annotations

import pytest

from coursekit import ROOT, assignment_ids, nbgrader_meta, read


def _cells(nb) -> list[tuple]:
    """What must match: each cell's type, source and nbgrader metadata."""
    return [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells]


@pytest.mark.parametrize(
    "assignment", [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in assignment_ids()]
)
def test_committed_notebook_matches_a_fresh_release(temp_course, assignment):
    """Does regenerating the assignment in a temporary course give the committed student notebook?"""
    committed_path = ROOT / "notebooks" / assignment / f"{assignment}.ipynb"
    assert committed_path.exists(), f"{committed_path.relative_to(ROOT)} is missing: run `make release`"
    committed = _cells(read(committed_path))
    fresh = _cells(temp_course(assignment).released)
    assert len(committed) == len(fresh), f"{assignment}: {len(committed)} cells committed, {len(fresh)} generated: run `make release`"
    for index, (old, new) in enumerate(zip(committed, fresh)):
        assert old == new, f"{assignment}, cell {index} differs from a fresh release: run `make release` (never edit notebooks/ by hand)"


def test_every_solution_is_released():
    """Does every assignment in solutions/ have a student version, and nothing else sit in notebooks/?"""
    released = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert released == assignment_ids()
