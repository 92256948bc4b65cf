"""The grades in the gradebook as a table: one row per student, one column per assignment and per graded cell."""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gdgrade.untrusted.ids import csv_safe


@dataclass(frozen=True)
class GradedCell:
    """A graded cell of an assignment: its notebook, grade_id and points."""

    notebook: str
    grade_id: str
    max_score: float


@dataclass
class Grades:
    """Scores read from the gradebook; a submission without any grade yet (never graded) has no entry."""

    cells: dict[str, list[GradedCell]]
    students: list[str]
    scores: dict[tuple[str, str], dict[tuple[str, str], float]] = field(default_factory=dict)

    def total(self, student: str, assignment: str) -> float | None:
        """The student's score on an assignment, or None if it has no grade."""
        scores = self.scores.get((student, assignment))
        return None if scores is None else sum(scores.values())

    def max_total(self, assignment: str) -> float:
        """The points an assignment is worth."""
        return sum(c.max_score for c in self.cells[assignment])

    def graded(self) -> set[tuple[str, str]]:
        """The (student, assignment) pairs that have grades."""
        return set(self.scores)

    def column(self, assignment: str, cell: GradedCell) -> str:
        """The CSV column of a graded cell: assignment/grade_id (assignment/notebook/grade_id with several notebooks)."""
        several = len({c.notebook for c in self.cells[assignment]}) > 1
        return f"{assignment}/{cell.notebook}/{cell.grade_id}" if several else f"{assignment}/{cell.grade_id}"


def read_grades(db_url: str, assignments: list[str]) -> Grades:
    """Every student's scores on `assignments` (each must exist in the gradebook), as nbgrader computes them."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        cells: dict[str, list[GradedCell]] = {}
        grades = Grades(cells, sorted(s.id for s in gradebook.students))
        for assignment_id in assignments:
            assignment = gradebook.find_assignment(assignment_id)
            cells[assignment_id] = []
            for notebook in assignment.notebooks:
                order = {c.name: i for i, c in enumerate(notebook.source_cells)}
                graded = sorted(notebook.grade_cells, key=lambda c: (order.get(c.name, len(order)), c.name))
                cells[assignment_id] += [GradedCell(notebook.name, c.name, float(c.max_score)) for c in graded]
            for submission in assignment.submissions:
                scores, any_grade = {}, False
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        scores[(notebook.name, grade.name)] = float(grade.score)
                        any_grade |= grade.auto_score is not None or grade.manual_score is not None
                if any_grade:
                    grades.scores[(submission.student_id, assignment_id)] = scores
    return grades


def write_csv(grades: Grades, path: Path, students: set[str] = frozenset()) -> Path:
    """Write grades.csv for the gradebook's students and `students` (blank where one has no grade); return its path."""
    header = ["student"]
    for assignment, cells in grades.cells.items():
        header += [assignment] + [grades.column(assignment, c) for c in cells]
    rows = []
    for student in sorted(set(grades.students) | set(students)):
        row: list[object] = [student]
        for assignment, cells in grades.cells.items():
            scores = grades.scores.get((student, assignment))
            row.append("" if scores is None else _number(grades.total(student, assignment)))
            row += ["" if scores is None else _number(scores.get((c.notebook, c.grade_id), 0.0)) for c in cells]
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grades.", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8", errors="backslashreplace") as handle:
            writer = csv.writer(handle)
            for row in [header, *rows]:
                writer.writerow([csv_safe(str(cell)) for cell in row])
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _number(value: float | None) -> str:
    """A score as the CSV shows it: 2 rather than 2.0."""
    return "" if value is None else (str(int(value)) if float(value).is_integer() else f"{value:g}")
