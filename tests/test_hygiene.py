"""Are the committed notebooks clean: no outputs, descriptive unique grade ids, no hidden tests released?"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from coursekit import ROOT, assignment_ids, nbgrader_meta, read

SOLUTIONS = {a: ROOT / "solutions" / a / f"{a}.ipynb" for a in assignment_ids()}
RELEASED = {a: ROOT / "notebooks" / a / f"{a}.ipynb" for a in assignment_ids()}
ALL = [pytest.param(p, id=str(p.relative_to(ROOT))) for p in [*SOLUTIONS.values(), *RELEASED.values()]]
DESCRIPTIVE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


@pytest.mark.parametrize("path", ALL)
def test_no_outputs_or_execution_counts(path: Path):
    """Is every code cell committed without outputs and execution counts?"""
    dirty = [i for i, c in enumerate(read(path).cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"cells {dirty} have outputs or execution counts"


def test_grade_ids_are_unique_and_descriptive():
    """Does every nbgrader cell of the course have its own descriptive grade_id (topic_what_it_checks)?"""
    seen: dict[str, str] = {}
    for assignment, path in SOLUTIONS.items():
        for cell in read(path).cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id is None:
                continue
            assert DESCRIPTIVE.match(grade_id), f"{assignment}: grade_id {grade_id!r} is not descriptive (topic_words_joined_by_underscores)"
            assert grade_id not in seen, f"grade_id {grade_id!r} is used in {seen[grade_id]} and {assignment}"
            seen[grade_id] = assignment


@pytest.mark.parametrize("assignment", assignment_ids())
def test_hidden_tests_and_solutions_are_absent_from_student_notebooks(assignment):
    """Does the student notebook hold no hidden test, no solution marker and a stub in every code answer cell?"""
    source, released = read(SOLUTIONS[assignment]), read(RELEASED[assignment])
    text = "\n".join(c.source for c in released.cells)
    for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in text, f"{marker!r} is in the student notebook"
    visible = "\n".join(HIDDEN.sub("", c.source) for c in source.cells)
    for cell in source.cells:
        for block in HIDDEN.findall(cell.source):
            for line in block.splitlines():
                if len(line.strip()) > 25 and line not in visible:
                    assert line not in text, f"a hidden-test line leaked into the student notebook: {line.strip()!r}"
    for cell in released.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source, f"answer cell {meta['grade_id']} has no stub"


@pytest.mark.parametrize("assignment", assignment_ids())
def test_graded_cells_follow_the_course_rules(assignment):
    """Is each test cell locked, worth points, opened by a docstring and not ending in a bare value (read as partial credit)?"""
    cells = read(SOLUTIONS[assignment]).cells
    tests = [c for c in cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert tests, "no graded test cells"
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta.get("locked"), f"{meta['grade_id']} is not locked"
        assert meta.get("points", 0) > 0, f"{meta['grade_id']} is worth no points"
        body = ast.parse(cell.source).body
        assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), (
            f"{meta['grade_id']} should open with a docstring saying what it checks"
        )
        assert len(body) > 1 and not isinstance(body[-1], ast.Expr), (
            f"{meta['grade_id']} ends in a bare expression, which nbgrader reads as partial credit"
        )


@pytest.mark.parametrize("assignment", assignment_ids())
def test_notebook_skeleton(assignment):
    """Does the notebook open with objectives and a time estimate, one locked setup cell, and close with a summary?"""
    cells = read(SOLUTIONS[assignment]).cells
    intro = cells[0].source
    assert intro.startswith("# ") and "By the end you can" in intro and "Time:" in intro and "Prerequisites" in intro
    setup = [c for c in cells if c.cell_type == "code"][0]
    assert nbgrader_meta(setup).get("locked") and "import" in setup.source, "the first code cell should be the locked setup cell"
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "## Summary" in markdown and "## Bonus" in markdown
