"""Review: the flags autograding found in a submission, and marking it in nbgrader's own gradebook for a person to look at
(formgrader lists it as needing grading)."""

from __future__ import annotations

from pathlib import Path


def flag_for_review(db_url: str, course_id: str, student: str, assignment: str) -> int:
    """Mark every graded cell of the student's submission as needing a manual grade; return how many were marked."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        marked = 0
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.needs_manual_grade = True
                marked += 1
        gradebook.db.commit()
    return marked


def notebook_flags(folder: Path) -> list[str]:
    """The review flags autograding recorded in each autograded notebook (gdgrade.untrusted.guarded and .sanitize)."""
    from gdgrade.untrusted.sanitize import review_flags

    notebooks = sorted(folder.glob("*.ipynb"))
    return [f"{path.name} {flag}" if len(notebooks) > 1 else flag for path in notebooks for flag in review_flags(path)]
