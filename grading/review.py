"""Flag a submission for the instructor's review in nbgrader's own gradebook (formgrader lists it as needing grading)."""

from __future__ import annotations


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
