"""gdgrade/untrusted/intake.py: untrusted submission folders become the notebook that gets graded, or a clear refusal."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat
import pytest

from coursekit import ROOT, answer_cells, answered, nbgrader_meta, read
from gdgrade.untrusted.intake import intake

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
SLOPE = "01-slope"
STEPS = "02-first-steps"


def released(assignment: str) -> nbformat.NotebookNode:
    """The released (student) notebook of an assignment."""
    return read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb")


def honest(assignment: str) -> nbformat.NotebookNode:
    """The released notebook with every answer filled in from the solution."""
    return answered(released(assignment), read(ROOT / "solutions" / assignment / f"{assignment}.ipynb"))


def submit(tmp_path: Path, assignment: str, notebook=None, *, text: str | None = None, data: bytes | None = None) -> Path:
    """A submission folder holding the notebook (a NotebookNode, raw JSON text or raw bytes)."""
    folder = tmp_path / "submitted" / "student" / assignment
    folder.mkdir(parents=True)
    path = folder / f"{assignment}.ipynb"
    if data is not None:
        path.write_bytes(data)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    else:
        path.write_text(json.dumps(notebook), encoding="utf-8")
    return folder


def take(tmp_path: Path, assignment: str, notebook, **kwargs):
    """intake of a submission holding `notebook`."""
    return intake(submit(tmp_path, assignment, notebook), assignment, released(assignment), **kwargs)


def cell(nb, grade_id: str):
    """The (first) cell of nb with that grade_id."""
    return next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def index(nb, grade_id: str) -> int:
    """The position of the (first) cell with that grade_id."""
    return next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)


def refused(tmp_path, assignment: str = SLOPE, **written) -> str:
    """The failure intake gives for a notebook file with this content; asserts there is no notebook."""
    result = intake(submit(tmp_path, assignment, **written), assignment, released(assignment))
    assert result.notebook is None and result.failure
    assert "\n" not in result.failure
    return result.failure


# --- honest submissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_honest_submission_gives_no_flags_and_the_same_notebook(tmp_path, assignment):
    """Does an honest submission pass intake unflagged, graded as handed in?"""
    nb = honest(assignment)
    result = take(tmp_path, assignment, nb)
    assert (result.failure, result.flags) == (None, [])
    nbformat.validate(result.notebook)
    assert [(c.id, c.cell_type, c.source) for c in result.notebook.cells] == [(c.id, c.cell_type, c.source) for c in nb.cells]
    assert result.notebook.metadata == released(assignment).metadata


def test_honest_submission_with_scratch_cells_edits_and_nbgrader_leftovers_gives_no_flags(tmp_path):
    """Do scratch cells, notes and nbgrader's own leftovers in an honest submission raise no flag?"""
    nb = honest(STEPS)
    nb.cells.insert(index(nb, "gd_step_answer") + 1, nbformat.v4.new_code_cell("print(gd_step(1.0, 2.0, 0.1))"))
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    demo = next(c for c in nb.cells if c.cell_type == "code" and not nbgrader_meta(c))
    demo.source += "\nprint('tried')"
    demo.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}  # JupyterLab extensions add this
    folder = submit(tmp_path, STEPS, nb)
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / f"{STEPS}-checkpoint.ipynb").write_text("{}")
    result = intake(folder, STEPS, released(STEPS))
    assert (result.failure, result.flags) == (None, [])
    sources = [c.source for c in result.notebook.cells]
    assert sources.index("print(gd_step(1.0, 2.0, 0.1))") == index(nb, "gd_step_answer") + 1
    assert sources[-1] == "my notes" and demo.source in sources


# --- refusals -------------------------------------------------------------------------------------------


def test_missing_notebook_names_the_files_found(tmp_path):
    """Without the assignment's notebook, does the failure name the files that were handed in instead?"""
    folder = tmp_path / SLOPE
    folder.mkdir()
    (folder / "Copy of 01-slope.ipynb").write_text("{}")
    (folder / "notes.txt").write_text("hi")
    result = intake(folder, SLOPE, released(SLOPE))
    assert result.notebook is None
    assert result.failure == "no 01-slope.ipynb in the submission; found: Copy of 01-slope.ipynb, notes.txt"


def test_empty_folder_says_nothing_was_found(tmp_path):
    """Does an empty submission folder fail saying that nothing was found?"""
    (tmp_path / SLOPE).mkdir()
    assert intake(tmp_path / SLOPE, SLOPE, released(SLOPE)).failure == "no 01-slope.ipynb in the submission; found: nothing"


def test_missing_folder_is_a_failure_not_an_exception(tmp_path):
    """Is a missing submission folder a failure with its reason, not a crash?"""
    assert intake(tmp_path / "nope", SLOPE, released(SLOPE)).failure.startswith("no submission folder")


def test_empty_file_is_refused(tmp_path):
    """Is an empty notebook file refused, saying it has 0 bytes?"""
    assert refused(tmp_path, text="") == "01-slope.ipynb is empty (0 bytes)"


def test_invalid_json_says_line_and_column(tmp_path):
    """Is a notebook that is not valid JSON refused with the line and column of the error?"""
    failure = refused(tmp_path, text='{\n  "cells": [\n    oops\n  ]\n}')
    assert failure.startswith("01-slope.ipynb is not valid JSON") and "line 3, column 5" in failure


def test_deeply_nested_json_is_refused_not_crashing(tmp_path):
    """Is JSON nested 100,000 deep refused as bad JSON instead of crashing the parser?"""
    assert "JSON" in refused(tmp_path, text="[" * 100_000 + "]" * 100_000)


def test_json_that_is_not_a_notebook_is_refused(tmp_path):
    """Is valid JSON that is not a notebook (no cells, or a list) refused, saying why?"""
    assert "not a notebook (no cells field)" in refused(tmp_path, text='{"hello": "world"}')
    assert "not a notebook (its top level is a list" in refused(tmp_path / "b", text="[1, 2]")


def test_v3_notebook_is_refused_with_its_version(tmp_path):
    """Is an nbformat 3 notebook refused, naming its version?"""
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    failure = refused(tmp_path, text=json.dumps(v3))
    assert failure.startswith("01-slope.ipynb is an nbformat 3 notebook; only nbformat 4 can be graded")


def test_cells_that_are_not_a_list_are_refused(tmp_path):
    """Is a notebook whose cells are not a list refused, saying what they are?"""
    nb = honest(SLOPE)
    nb.cells = {"a": 1}
    assert refused(tmp_path, text=json.dumps(nb)) == "01-slope.ipynb has unreadable cells (a object, not a list)"


@pytest.mark.parametrize("change, reason", [
    (lambda c: c.pop("cell_type"), "cell 3 has no cell_type"),
    (lambda c: c.pop("source"), "cell 3 has no source"),
    (lambda c: c.update(cell_type="heading"), "cell 3 has an unknown cell_type 'heading'"),
    (lambda c: c.update(source=[1, 2]), "cell 3 has an unreadable source"),
    (lambda c: c.update(metadata="x"), "cell 3 has unreadable metadata"),
    (lambda c: c.update(metadata={"nbgrader": [1]}), "cell 3 has unreadable nbgrader metadata (not an object)"),
    (lambda c: c.update(metadata={"nbgrader": {"grade_id": ["x"]}}), "cell 3 has unreadable nbgrader metadata (grade_id"),
])
def test_unreadable_cell_is_refused_naming_it(tmp_path, change, reason):
    """Is a notebook with one unreadable cell refused, naming that cell and what is wrong with it?"""
    nb = json.loads(json.dumps(honest(SLOPE)))
    change(nb["cells"][3])
    assert reason in refused(tmp_path, text=json.dumps(nb))


def test_unreadable_notebook_metadata_is_refused(tmp_path):
    """Is a notebook whose metadata is not an object refused?"""
    nb = json.loads(json.dumps(honest(SLOPE)))
    nb["metadata"] = ["kernelspec"]
    assert refused(tmp_path, text=json.dumps(nb)) == "01-slope.ipynb has unreadable metadata (a list, not an object)"


def test_notebook_over_the_size_cap_is_refused(tmp_path):
    """Is a notebook over the size cap refused before it is parsed, with its size?"""
    folder = submit(tmp_path, SLOPE, honest(SLOPE))
    size = (folder / f"{SLOPE}.ipynb").stat().st_size
    result = intake(folder, SLOPE, released(SLOPE), max_bytes=1000)
    assert result.notebook is None
    assert result.failure == f"01-slope.ipynb is {size} bytes, over the 1000 bytes limit"
    assert intake(folder, SLOPE, released(SLOPE)).failure is None  # the default cap is 20 MB


def test_file_that_is_not_utf8_is_refused(tmp_path):
    """Is a notebook that is not UTF-8 refused, naming the offending byte?"""
    data = json.dumps(honest(SLOPE)).replace("Training", "Tr\udcffining", 1).encode("utf-8", "surrogateescape")
    assert refused(tmp_path, data=data).startswith("01-slope.ipynb is not UTF-8 text (byte 0xff at offset")


def test_notebook_that_is_a_link_is_refused(tmp_path):
    """Is a notebook that is a symbolic link (to a file elsewhere) refused rather than followed?"""
    target = tmp_path / "elsewhere.ipynb"
    target.write_text(json.dumps(honest(SLOPE)))
    folder = tmp_path / SLOPE
    folder.mkdir()
    os.symlink(target, folder / f"{SLOPE}.ipynb")
    assert intake(folder, SLOPE, released(SLOPE)).failure == "01-slope.ipynb is not a plain file (a link or a folder)"


# --- locked cells come from the release -----------------------------------------------------------------


def test_edited_test_cell_is_restored_from_the_release(tmp_path):
    """Is an edited test cell graded as released, and the edit flagged?"""
    nb = honest(SLOPE)
    cell(nb, "slope_matches_known_derivatives").source = "pass"
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_matches_known_derivatives").source == cell(released(SLOPE), "slope_matches_known_derivatives").source
    assert result.flags == ["test cell slope_matches_known_derivatives was edited: it was restored from the release"]


def test_test_cell_with_more_points_and_a_skip_tag_is_restored(tmp_path):
    """Are a test cell's raised points and added tags replaced by the release's metadata, and flagged?"""
    nb = honest(SLOPE)
    test = cell(nb, "slope_is_central_and_uses_h")
    test.metadata.nbgrader.points = 100
    test.metadata["tags"] = ["skip-execution"]
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_is_central_and_uses_h").metadata == cell(released(SLOPE), "slope_is_central_and_uses_h").metadata
    assert result.flags == ["test cell slope_is_central_and_uses_h was given other nbgrader metadata (points), "
                            "given other tags: it was restored from the release"]


def test_deleted_test_cell_is_restored_in_its_place(tmp_path):
    """Is a deleted test cell put back where the release has it, and flagged?"""
    nb = honest(SLOPE)
    nb.cells.pop(index(nb, "slope_of_cubic_matches_numbers"))
    result = take(tmp_path, SLOPE, nb)
    assert index(result.notebook, "slope_of_cubic_matches_numbers") == index(released(SLOPE), "slope_of_cubic_matches_numbers")
    assert result.flags == ["test cell slope_of_cubic_matches_numbers was deleted: it was restored from the release"]


def test_test_cell_turned_into_markdown_is_restored_as_code(tmp_path):
    """Is a test cell turned into markdown restored as the released code cell, and flagged?"""
    nb = honest(SLOPE)
    position = index(nb, "slope_downhill_direction_examples")
    old = nb.cells[position]
    nb.cells[position] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_downhill_direction_examples").cell_type == "code"
    assert result.flags == ["test cell slope_downhill_direction_examples was changed to markdown: it was restored from the release"]


def test_moved_test_cell_is_graded_in_its_released_place(tmp_path):
    """Is a test cell moved elsewhere graded in its released place?"""
    nb = honest(SLOPE)
    nb.cells.append(nb.cells.pop(index(nb, "slope_downhill_direction_examples")))
    result = take(tmp_path, SLOPE, nb)
    assert index(result.notebook, "slope_downhill_direction_examples") == index(released(SLOPE), "slope_downhill_direction_examples")
    assert result.flags == ["test cell slope_downhill_direction_examples was moved: it was graded in its released place"]


def test_edited_setup_cell_is_restored_and_named_read_only(tmp_path):
    """Is an edited setup cell restored and reported as a read-only cell that was changed?"""
    nb = honest(SLOPE)
    cell(nb, "slope_setup").source = "import fake as np"
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_setup").source.startswith("import numpy as np")
    assert result.flags == ["read-only cell slope_setup was edited: it was restored from the release"]


def test_student_copy_of_a_test_cell_is_dropped(tmp_path):
    """Is a student's copy of a test cell (same grade_id) dropped, so it cannot earn points twice?"""
    nb = honest(SLOPE)
    nb.cells.insert(index(nb, "slope_of_cubic_answer") + 1, copy.deepcopy(cell(nb, "slope_matches_known_derivatives")))
    result = take(tmp_path, SLOPE, nb)
    assert len(result.notebook.cells) == len(released(SLOPE).cells)
    assert result.flags == ["a copy of test cell slope_matches_known_derivatives was dropped"]


# --- answer cells keep only their source ----------------------------------------------------------------


def test_answer_is_graded_with_the_release_metadata(tmp_path):
    """Is an answer cell that claims to be graded, with points, reset to the release's metadata?"""
    nb = honest(SLOPE)
    answer = cell(nb, "slope_central_difference_answer")
    answer.metadata.nbgrader.update(grade=True, points=50)
    result = take(tmp_path, SLOPE, nb)
    graded = cell(result.notebook, "slope_central_difference_answer")
    assert graded.source == answer.source
    assert graded.metadata == cell(released(SLOPE), "slope_central_difference_answer").metadata
    assert result.flags == ["answer cell slope_central_difference_answer was given other nbgrader metadata (grade, points): "
                            "its source was graded with the release's metadata"]


def test_deleted_answer_falls_back_to_the_release_stub(tmp_path):
    """Is a deleted answer cell replaced by the released stub (so it scores nothing), and flagged?"""
    nb = honest(SLOPE)
    nb.cells.pop(index(nb, "slope_of_cubic_answer"))
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_of_cubic_answer").source == cell(released(SLOPE), "slope_of_cubic_answer").source
    assert result.flags == ["answer cell slope_of_cubic_answer was deleted: the release's empty answer was graded"]


def test_duplicated_answer_keeps_the_first_and_makes_the_copy_plain(tmp_path):
    """With an answer cell duplicated, is the first graded and the copy kept as a plain cell?"""
    nb = honest(SLOPE)
    position = index(nb, "slope_central_difference_answer")
    copied = copy.deepcopy(nb.cells[position])
    copied.source = "def slope(f, x, h=1e-5):\n    return 0.0"
    copied.id = "copy-of-answer"
    nb.cells.insert(position + 1, copied)
    result = take(tmp_path, SLOPE, nb)
    assert cell(result.notebook, "slope_central_difference_answer").source == nb.cells[position].source
    plain = next(c for c in result.notebook.cells if c.id == "copy-of-answer")
    assert plain.source == copied.source and "nbgrader" not in plain.metadata
    assert result.flags == ["a second copy of answer cell slope_central_difference_answer was kept as a plain cell: "
                            "its nbgrader metadata was removed"]


def test_markdown_answer_keeps_its_attachments(tmp_path):
    """Does a written answer keep its attachments through intake?"""
    nb = honest("09-capstone")
    answer = cell(nb, "capstone_justification")
    answer.source = "See ![plot](attachment:plot.png)"
    answer["attachments"] = {"plot.png": {"image/png": "iVBORw0KGgo="}}
    result = take(tmp_path, "09-capstone", nb)
    assert result.flags == []
    assert cell(result.notebook, "capstone_justification").attachments == answer["attachments"]
    nbformat.validate(result.notebook)


# --- student cells --------------------------------------------------------------------------------------


def test_student_cells_stay_right_after_the_release_cell_they_followed(tmp_path):
    """Anchors are the release's cells (answers, locked cells by grade_id, plain cells by cell id)."""
    nb = honest(STEPS)
    first = nbformat.v4.new_code_cell("top = 1")
    below_test = nbformat.v4.new_code_cell("print('after the test')")
    nb.cells.insert(0, first)
    nb.cells.insert(index(nb, "gd_step_works_on_arrays") + 1, below_test)
    result = take(tmp_path, STEPS, nb)
    sources = [c.source for c in result.notebook.cells]
    assert sources[0] == "top = 1"
    assert sources.index("print('after the test')") == index(result.notebook, "gd_step_works_on_arrays") + 1
    assert result.flags == []


def test_student_cells_follow_answer_cells_when_the_notebook_has_no_cell_ids(tmp_path):
    """Without cell ids (nbformat 4.4), do the student's own cells stay after the answers they followed?"""
    nb = json.loads(json.dumps(honest(STEPS)))
    nb["nbformat_minor"] = 4
    for raw in nb["cells"]:
        raw.pop("id")
    position = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == "gd_step_answer")
    nb["cells"].insert(position + 1, {"cell_type": "code", "metadata": {}, "source": "scratch = 1", "outputs": [],
                                      "execution_count": None})
    result = take(tmp_path, STEPS, nb)
    assert result.flags == []
    nbformat.validate(result.notebook)
    assert result.notebook.cells[index(result.notebook, "gd_step_answer") + 1].source == "scratch = 1"


def test_cell_claiming_a_grade_id_the_assignment_lacks_is_kept_without_it(tmp_path):
    """Is a cell claiming a grade_id the assignment lacks kept as plain code, its claim removed and flagged?"""
    nb = honest(SLOPE)
    bonus = nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {"grade": True, "grade_id": "bonus", "points": 10}})
    nb.cells.insert(5, bonus)
    result = take(tmp_path, SLOPE, nb)
    kept = next(c for c in result.notebook.cells if c.source == "assert True")
    assert kept.metadata == {}
    assert result.flags == ["a cell claimed grade_id bonus which the assignment does not have: its nbgrader metadata was removed"]


def test_student_cells_with_clashing_or_bad_ids_get_fresh_ones(tmp_path):
    """Do student cells whose ids clash with another cell's, or are invalid, get fresh ids?"""
    nb = json.loads(json.dumps(honest(SLOPE)))
    nb["cells"].insert(2, {"cell_type": "code", "id": nb["cells"][1]["id"], "metadata": {}, "source": "a = 1",
                           "outputs": [], "execution_count": None})
    nb["cells"].insert(3, {"cell_type": "markdown", "id": "bad id!", "metadata": {}, "source": ["b ", "2"]})
    result = take(tmp_path, SLOPE, nb)
    nbformat.validate(result.notebook)
    ids = [c.id for c in result.notebook.cells]
    assert len(set(ids)) == len(ids) and "bad id!" not in ids
    assert "b 2" in [c.source for c in result.notebook.cells]


# --- notebook metadata, outputs, extra files ------------------------------------------------------------


def test_other_kernel_is_replaced_by_the_release_kernel_and_flagged(tmp_path):
    """Is a changed kernel replaced by the release's kernel, and flagged?"""
    nb = honest(SLOPE)
    nb.metadata.kernelspec = {"name": "evil", "display_name": "Evil", "language": "python"}
    nb.metadata["extra"] = "x"
    result = take(tmp_path, SLOPE, nb)
    assert result.notebook.metadata == released(SLOPE).metadata
    assert result.flags == ["the notebook asked for kernel 'evil': it was graded with the release's 'python3'"]


def test_outputs_and_execution_counts_are_cleared_silently(tmp_path):
    """Are submitted outputs and execution counts cleared without a flag (they are recomputed)?"""
    nb = honest(SLOPE)
    for code in (c for c in nb.cells if c.cell_type == "code"):
        code.execution_count = 7
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
    result = take(tmp_path, SLOPE, nb)
    assert result.flags == []
    assert all(c.outputs == [] and c.execution_count is None for c in result.notebook.cells if c.cell_type == "code")


def test_extra_files_are_ignored_and_named(tmp_path):
    """Are extra files and folders in a submission ignored (never run) and named in a flag?"""
    folder = submit(tmp_path, SLOPE, honest(SLOPE))
    (folder / "a.py").write_text("x = 1")
    (folder / "gdlab").mkdir()
    (folder / "gdlab" / "__init__.py").write_text("def sweep(*a): return 0")
    result = intake(folder, SLOPE, released(SLOPE))
    assert result.failure is None
    assert result.flags == ["extra files ignored: a.py, gdlab/__init__.py"]


def test_graded_notebook_holds_the_students_answers(tmp_path):
    """Does the notebook that is graded hold exactly the student's answers?"""
    nb = honest(STEPS)
    result = take(tmp_path, STEPS, nb)
    assert {g: c.source for g, c in answer_cells(result.notebook).items()} == {g: c.source for g, c in answer_cells(nb).items()}
