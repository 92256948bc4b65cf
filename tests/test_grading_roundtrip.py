"""Does every graded exercise grade the way it should, through nbgrader's own autograde?

For each assignment, in a temporary course: the solution scores full marks, the untouched
student version scores zero on every autograded cell, and each typical wrong answer (the
tables in tests/wrong_answers/) loses its points and shows its hint in the graded notebook. The
feedback page of each assignment's first round of wrong answers is written too, and shows the hints
of visible tests (a failed hidden test only as failed): one page per assignment proves that path,
since the page is made from the same graded notebook for every round. The wrong-answer rounds run on
one kernel kept for the test process and started fresh before each notebook (coursekit.KeptKernelExecute);
the solution and the untouched notebook each get a new kernel, exactly as nbgrader starts them.
"""

from __future__ import annotations

import pytest

from coursekit import answer_cells, assignment_ids, read, rounds, strip_solution_markers, wrong_answers
from gdgrade.feedback import HIDDEN_FAILED

pytestmark = pytest.mark.grading
ASSIGNMENTS = assignment_ids()


def per_assignment(values):
    """Parametrise by assignment, keeping each assignment's tests on one xdist worker (they share a course)."""
    return [pytest.param(*v, marks=pytest.mark.xdist_group(v[0]), id="-".join(map(str, v))) for v in values]


@pytest.mark.parametrize("assignment", per_assignment([(a,) for a in ASSIGNMENTS]))
def test_solution_scores_full_marks(temp_course, assignment):
    """Does the instructor's solution earn every autograded point?"""
    course = temp_course(assignment)
    scores = course.grade("solution", course.submission())
    assert scores, f"{assignment} has no autograded cells"
    short = {cell: s for cell, s in scores.items() if s[0] != s[1]}
    assert not short, f"the solution loses points on {short}: {course.autograded_outputs('solution')}"


@pytest.mark.parametrize("assignment", per_assignment([(a,) for a in ASSIGNMENTS]))
def test_untouched_scores_zero(temp_course, assignment):
    """Does the untouched student version score zero on every autograded cell?"""
    course = temp_course(assignment)
    scores = course.grade("untouched", course.released)
    earned = {cell: s for cell, s in scores.items() if s[0] != 0}
    assert not earned, f"the untouched notebook earns points on {earned}"


@pytest.mark.parametrize("assignment", per_assignment([(a,) for a in ASSIGNMENTS]))
def test_wrong_answer_table_covers_every_answer_cell(temp_course, assignment):
    """Does every answer cell have typical wrong answers, naming cells that exist?"""
    course = temp_course(assignment)
    answers = {g for g, c in answer_cells(course.source).items() if c.cell_type == "code"}
    graded = set(course.grade("solution", course.submission()))
    table = wrong_answers(assignment)
    assert table, f"tests/wrong_answers/{assignment}.toml is missing or empty"
    for wrong in table:
        assert wrong.replaces in answers, f"{wrong.name!r} replaces {wrong.replaces!r}, which is not an answer cell"
        assert set(wrong.loses) <= graded, f"{wrong.name!r} names unknown test cells {set(wrong.loses) - graded}"
        assert wrong.loses and wrong.hint.strip(), f"{wrong.name!r} must name the cells it loses and its hint"
    uncovered = answers - {w.replaces for w in table}
    assert not uncovered, f"answer cells without a typical wrong answer: {sorted(uncovered)}"


@pytest.mark.parametrize(
    "assignment, round_index",
    per_assignment([(a, k) for a in ASSIGNMENTS for k in range(len(rounds(a)))]),
)
def test_wrong_answers_lose_points_with_hint(temp_course, assignment, round_index):
    """Does each typical wrong answer lose exactly its cells' points, with its hint in the graded notebook, and (first
    round) in the feedback when a visible test gives it (a failed hidden test is shown as failed, without its message)?"""
    course = temp_course(assignment)
    batch = rounds(assignment)[round_index]
    student = f"wrong-{round_index}"
    scores = course.grade(student, course.submission({w.replaces: w.code for w in batch}), kept_kernel=True)
    outputs = course.autograded_outputs(student)
    feedback = course.feedback(student) if round_index == 0 else None
    losing = set()
    for wrong in batch:
        losing |= set(wrong.loses)
        for cell in wrong.loses:
            assert scores[cell][0] == 0, f"{wrong.name!r} should score 0 on {cell}, got {scores[cell]}"
        assert any(wrong.hint in outputs[cell] for cell in wrong.loses), (
            f"{wrong.name!r}: no failing cell of {wrong.loses} printed the hint {wrong.hint!r}; they printed "
            f"{ {c: outputs[c][-300:] for c in wrong.loses} }"
        )
        visible = "\n".join(c.source for c in course.released.cells if c.metadata.get("nbgrader", {}).get("grade_id") in wrong.loses)
        if feedback is None:
            continue
        if wrong.hint in visible:  # a visible test's message is owed to the student; a hidden test's is not shown
            assert wrong.hint in feedback, f"{wrong.name!r}: the feedback page does not show the hint {wrong.hint!r}"
        else:
            assert wrong.hint in feedback or HIDDEN_FAILED in feedback, f"{wrong.name!r}: the feedback page says nothing failed"
    collateral = {c: s for c, s in scores.items() if c not in losing and s[0] != s[1]}
    assert not collateral, f"round {round_index} also cost points on cells no wrong answer targets: {collateral}"


# Appended to an answer: a warning from a module that stays imported (as gdlab's and numpy's do: Python shows such a
# warning once per place until the filters change, which the fresh start and, here, the setup cell both do), where the
# notebook runs, and whether the last notebook's name is still there.
PROBE = """
import os, sys, types
if "kept_probe" not in sys.modules:
    sys.modules["kept_probe"] = types.ModuleType("kept_probe")
    exec("import warnings\\ndef warn():\\n    warnings.warn('kept-kernel probe')", sys.modules["kept_probe"].__dict__)
sys.modules["kept_probe"].warn()
print('PROBE', os.getpid(), os.getcwd(), 'LEFT_BEHIND' in dir())
LEFT_BEHIND = 1
"""


@pytest.mark.parametrize("assignment", per_assignment([(ASSIGNMENTS[0],)]))
def test_kept_kernel_starts_each_notebook_fresh(temp_course, assignment):
    """Do two notebooks graded one after the other on the kept kernel (as the wrong-answer rounds are) run in the same
    process, each in its own folder, with nothing left by the first in the namespace and its warning printed again?"""
    course = temp_course(assignment)
    first, cell = next((g, c) for g, c in answer_cells(course.source).items() if c.cell_type == "code")
    code = strip_solution_markers(cell.source) + PROBE
    seen = {}
    for student in ("kept-probe-1", "kept-probe-2"):
        scores = course.grade(student, course.submission({first: code}), kept_kernel=True)
        assert all(s[0] == s[1] for s in scores.values()), f"the probe must not cost points: {scores}"
        graded = read(course.root / "grading" / "autograded" / student / assignment / f"{assignment}.ipynb")
        cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == first)
        text = {o.name: o.text for o in cell.outputs if o.output_type == "stream"}
        assert "kept-kernel probe" in text.get("stderr", ""), f"{student}: the warning did not print: {cell.outputs}"
        seen[student] = text["stdout"].split("PROBE ", 1)[1].split()
    (pid_1, folder_1, left_1), (pid_2, folder_2, left_2) = seen.values()
    assert pid_1 == pid_2, "the two notebooks should run on the same kept kernel"
    assert "kept-probe-1" in folder_1 and "kept-probe-2" in folder_2, seen
    assert left_1 == left_2 == "False", f"a name from the first notebook was left for the second: {seen}"
