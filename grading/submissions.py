"""Build student submissions from a released notebook: answered, untouched, or with chosen answers."""

from __future__ import annotations

import copy
from typing import Mapping

import nbformat

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(nb) -> dict:
    """The cells a student writes in (nbgrader solution cells), by grade_id."""
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c).get("solution")}


def strip_solution_markers(source: str) -> str:
    """The solution code without nbgrader's BEGIN/END SOLUTION marker lines."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def answered(released, source, replacements: Mapping[str, str] | None = None):
    """The released notebook with every answer cell filled from the solution source, except `replacements` (grade_id -> code)."""
    replacements = dict(replacements or {})
    solutions = answer_cells(source)
    nb = copy.deepcopy(released)
    for grade_id, cell in answer_cells(nb).items():
        if grade_id in replacements:
            cell.source = replacements.pop(grade_id).strip("\n")
        elif grade_id in solutions:
            cell.source = strip_solution_markers(solutions[grade_id].source)
    if replacements:
        raise KeyError(f"no answer cell with grade_id {sorted(replacements)}")
    return nb


def read(path) -> nbformat.NotebookNode:
    """A notebook from disk, as nbformat 4."""
    return nbformat.read(str(path), as_version=4)
