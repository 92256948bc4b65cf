"""Take a student's submission folder in: refuse what cannot be graded, rebuild the rest around the release.

Submissions are untrusted. `intake` reads `<assignment>.ipynb` from the submission folder by hand (never
trusting its shape), refuses it with a one-line reason when it is not a gradable nbformat-4 notebook, and
otherwise builds the notebook that gets graded from the released one:

- locked cells of the release (tests, setup, read-only text) are taken verbatim from the release, whatever
  the student did to them (edited, deleted, moved, re-typed, metadata changed);
- answer cells (nbgrader `solution: true`) take only their source (and markdown attachments) from the
  student's cell with the same grade_id; metadata and cell type come from the release; a deleted answer
  falls back to the release's stub;
- every other student cell (the release's demo and text cells, edited or not, and the student's own scratch
  cells) is kept, with its nbgrader metadata and other metadata dropped, right after the nearest release
  cell (answer or locked) that precedes it in the student's notebook; cells before any such cell go first;
- notebook metadata comes from the release; outputs and execution counts are cleared.

Anything restored or ignored that an instructor should look at becomes a one-line flag. nbformat 3 (and any
version other than 4) is refused, not converted: the student is told to open and save it in Jupyter.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gdgrade.course import Layout
from gdgrade.notebooks import nbgrader_meta, read
from gdgrade.state import KEPT_FILES, release_contents

MAX_BYTES = 20 * 1024 * 1024
CELL_TYPES = ("code", "markdown", "raw")
IGNORED_DIRS = {".ipynb_checkpoints"}
IGNORED_FILES = set(KEPT_FILES)  # nbgrader's own files (submit, collect), not the student's
SHOWN_EXTRA_FILES = 10
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
COMPARED_NBGRADER_KEYS = ("grade", "solution", "locked", "task", "points", "cell_type")


@dataclass(frozen=True)
class Intake:
    """The notebook to grade (None when it cannot be graded), why not, and what an instructor should review."""

    notebook: nbformat.NotebookNode | None
    failure: str | None
    flags: list[str] = field(default_factory=list)


class Refused(Exception):
    """The submission cannot be graded; the message says why, in one line."""


def intake(folder: Path, notebook: str, released: nbformat.NotebookNode, *, max_bytes: int = MAX_BYTES,
           expected: frozenset[str] = frozenset()) -> Intake:
    """Notebook `notebook`.ipynb to grade from a submission folder, or the reason it cannot be graded; never raises.

    `expected` names the other files the release puts in the folder (its other notebooks, its data files):
    they are not flagged as extra; the data files are graded from the release's copy, never the student's.
    """
    folder = Path(folder)
    name = f"{notebook}.ipynb"
    try:
        raw = _parse(_read_bytes(folder, name, max_bytes), name)
        _check_shape(raw, name)
        graded, flags = _rebuild(raw, released)
        flags += _extra_files(folder, {name, *expected})
    except Refused as refused:
        return Intake(None, str(refused), [])
    except Exception as error:  # noqa: BLE001 (one submission must never stop the batch)
        return Intake(None, f"{name} could not be taken in ({type(error).__name__}: {error})", [])
    return Intake(graded, None, flags)


# --- reading and refusing -------------------------------------------------------------------------------


def _read_bytes(folder: Path, name: str, max_bytes: int) -> bytes:
    """The notebook file's bytes, refused when missing, not a plain file, empty or over max_bytes."""
    if not folder.is_dir():
        raise Refused(f"no submission folder {folder}")
    path = folder / name
    if not path.exists() and not path.is_symlink():
        found = _listing(folder)
        raise Refused(f"no {name} in the submission; found: {', '.join(found[:SHOWN_EXTRA_FILES]) or 'nothing'}"
                      + (f" and {len(found) - SHOWN_EXTRA_FILES} more" if len(found) > SHOWN_EXTRA_FILES else ""))
    if path.is_symlink() or not path.is_file():
        raise Refused(f"{name} is not a plain file (a link or a folder)")
    size = path.stat().st_size
    if size == 0:
        raise Refused(f"{name} is empty (0 bytes)")
    if size > max_bytes:
        raise Refused(f"{name} is {_size(size)}, over the {_size(max_bytes)} limit")
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)  # the file may have grown since stat
    if len(data) > max_bytes:
        raise Refused(f"{name} is over the {_size(max_bytes)} limit")
    return data


def _size(count: int) -> str:
    """A byte count for people: "20.0 MB" or "512 bytes"."""
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count} bytes"


def _parse(data: bytes, name: str):
    """The JSON document in `data`, refused when it is not UTF-8 or not valid JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(f"{name} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Refused(f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except (ValueError, RecursionError) as error:
        raise Refused(f"{name} is not readable JSON: {error}") from None


def _check_shape(raw, name: str) -> None:
    """Refuse anything but an nbformat-4 notebook whose cells and metadata can be read."""
    if not isinstance(raw, dict):
        raise Refused(f"{name} is JSON but not a notebook (its top level is a {_json_type(raw)}, not an object)")
    version = raw.get("nbformat")
    if version is not None and version != 4:
        raise Refused(f"{name} is an nbformat {version!r} notebook; only nbformat 4 can be graded "
                      "(open it in Jupyter and save it again)")
    if "cells" not in raw or version is None:
        raise Refused(f"{name} is JSON but not a notebook (no {'cells' if 'cells' not in raw else 'nbformat'} field)")
    if not isinstance(raw.get("metadata", {}), dict):
        raise Refused(f"{name} has unreadable metadata (a {_json_type(raw['metadata'])}, not an object)")
    if not isinstance(raw["cells"], list):
        raise Refused(f"{name} has unreadable cells (a {_json_type(raw['cells'])}, not a list)")
    for index, cell in enumerate(raw["cells"]):
        _check_cell(cell, f"{name} cell {index}")


def _check_cell(cell, where: str) -> None:
    """Refuse a cell without a known cell_type, a text source, or readable (nbgrader) metadata."""
    if not isinstance(cell, dict):
        raise Refused(f"{where} is a {_json_type(cell)}, not a cell")
    if "cell_type" not in cell:
        raise Refused(f"{where} has no cell_type")
    if cell["cell_type"] not in CELL_TYPES:
        raise Refused(f"{where} has an unknown cell_type {cell['cell_type']!r} (expected code, markdown or raw)")
    if "source" not in cell:
        raise Refused(f"{where} has no source")
    source = cell["source"]
    if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
        raise Refused(f"{where} has an unreadable source (not text)")
    if not isinstance(cell.get("metadata", {}), dict):
        raise Refused(f"{where} has unreadable metadata (not an object)")
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not isinstance(meta, dict):
        raise Refused(f"{where} has unreadable nbgrader metadata (not an object)")
    if not isinstance(meta.get("grade_id", ""), str):
        raise Refused(f"{where} has unreadable nbgrader metadata (grade_id is not text)")


def _json_type(value) -> str:
    """The JSON name of a parsed value's type."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return names.get(type(value), "null")


# --- rebuilding around the release ----------------------------------------------------------------------


def _kind(meta: dict) -> str:
    """How the grader treats a release cell: "answer", "locked" (restored verbatim) or "plain"."""
    if meta.get("solution"):
        return "answer"
    if meta.get("locked") or meta.get("grade") or meta.get("task"):
        return "locked"
    return "plain"


def _label(release_cell) -> str:
    """How a flag names a release cell: "test cell X", "read-only cell X" or "answer cell X"."""
    meta = nbgrader_meta(release_cell)
    kind = _kind(meta)
    noun = "answer cell" if kind == "answer" else "test cell" if meta.get("grade") else "read-only cell"
    return f"{noun} {meta['grade_id']}"


def _source(cell: dict) -> str:
    """A raw cell's source as one string."""
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _rebuild(raw: dict, released) -> tuple[nbformat.NotebookNode, list[str]]:
    """The graded notebook built from the release and the student's (shape-checked) notebook, with its flags."""
    flags: list[str] = []
    release = {_key(c): c for c in released.cells}
    graded = {key: c for key, c in release.items() if isinstance(key, str)}
    taken, after, order = _sort_student_cells(raw["cells"], release, flags)
    flags += _moved([key for key in order if key in graded], list(graded), graded)
    cells = list(after.get(None, []))
    for key, release_cell in release.items():
        student = taken.get(key)
        kind = _kind(nbgrader_meta(release_cell))
        if kind == "answer":
            cells.append(_answer(release_cell, student, flags))
        elif kind == "locked":
            cells.append(_restored(release_cell, student, flags))
        elif student is not None:
            cells.append(student)
        cells.extend(after.get(key, []))
    notebook = _notebook(released, cells)
    flags += _kernel_flags(raw.get("metadata", {}), released.metadata)
    return notebook, flags


def _key(release_cell):
    """How a student's cell is matched to a release cell: its grade_id, or ("id", cell id) for a plain cell."""
    meta = nbgrader_meta(release_cell)
    return meta["grade_id"] if _kind(meta) != "plain" else ("id", release_cell.get("id"))


def _sort_student_cells(cells: list, release: dict, flags: list[str]):
    """Match the student's cells to release cells (grade_id, or cell id for plain cells); group the rest by the one before."""
    taken: dict = {}
    after: dict = {}
    order: list = []
    anchor = None
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        key = grade_id if grade_id in release else None if _claims_grading(cell) else ("id", cell.get("id"))
        if key is not None and not isinstance(cell.get("id", ""), str):
            key = None
        if key in release and key not in taken:
            taken[key] = cell
            order.append(key)
            anchor = key
            continue
        if grade_id in release and _kind(nbgrader_meta(release[grade_id])) == "locked":
            flags.append(f"a copy of {_label(release[grade_id])} was dropped")
            continue
        if grade_id in release:
            flags.append(f"a second copy of {_label(release[grade_id])} was kept as a plain cell: its nbgrader metadata was removed")
        elif _claims_grading(cell):
            claim = f"grade_id {grade_id}" if grade_id else "to be graded"
            flags.append(f"a cell claimed {claim} which the assignment does not have: its nbgrader metadata was removed")
        after.setdefault(anchor, []).append(cell)
    return taken, after, order


def _claims_grading(cell: dict) -> bool:
    """True when a student cell's nbgrader metadata names a grade_id or marks it graded, answer or locked."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade_id") or meta.get("grade") or meta.get("solution") or meta.get("locked"))


def _moved(order: list[str], release_order: list[str], release: dict) -> list[str]:
    """Flags for the release cells the student moved: those outside the longest run kept in release order."""
    position = {grade_id: i for i, grade_id in enumerate(release_order)}
    kept = _longest_increasing([position[g] for g in order])
    return [f"{_label(release[g])} was moved: it was graded in its released place"
            for g in order if position[g] not in kept]


def _longest_increasing(values: list[int]) -> set[int]:
    """The values of one longest strictly increasing subsequence."""
    best: list[list[int]] = []  # best[k]: the run of length k + 1 ending in the smallest value so far
    for value in values:
        k = next((i for i, run in enumerate(best) if run[-1] >= value), len(best))
        run = (best[k - 1] if k else []) + [value]
        best[k:k + 1] = [run]
    return set(best[-1]) if best else set()


def _restored(release_cell, student: dict | None, flags: list[str]) -> nbformat.NotebookNode:
    """A locked release cell, verbatim; flag what the student had changed in their copy."""
    label = _label(release_cell)
    if student is None:
        flags.append(f"{label} was deleted: it was restored from the release")
        return _clean(copy.deepcopy(release_cell))
    changes = []
    if student["cell_type"] != release_cell.cell_type:
        changes.append(f"changed to {student['cell_type']}")
    if _source(student) != release_cell.source:
        changes.append("edited")
    changes += _metadata_changes(student, release_cell)
    if changes:
        flags.append(f"{label} was {', '.join(changes)}: it was restored from the release")
    return _clean(copy.deepcopy(release_cell))


def _answer(release_cell, student: dict | None, flags: list[str]) -> nbformat.NotebookNode:
    """A release answer cell holding the student's source (the release's stub when they deleted it)."""
    label = _label(release_cell)
    cell = _clean(copy.deepcopy(release_cell))
    if student is None:
        flags.append(f"{label} was deleted: the release's empty answer was graded")
        return cell
    cell.source = _source(student)
    changes = []
    if student["cell_type"] != release_cell.cell_type:
        changes.append(f"changed to {student['cell_type']} (graded as {release_cell.cell_type})")
    changes += _metadata_changes(student, release_cell)
    if changes:
        flags.append(f"{label} was {', '.join(changes)}: its source was graded with the release's metadata")
    if cell.cell_type == "markdown" and student.get("attachments"):
        cell.attachments = _attachments(student, label, flags)
    return cell


def _metadata_changes(student: dict, release_cell) -> list[str]:
    """What the student changed in a release cell's grading metadata (nbgrader keys, tags)."""
    theirs = student.get("metadata", {}).get("nbgrader", {})
    ours = nbgrader_meta(release_cell)
    keys = [key for key in COMPARED_NBGRADER_KEYS if theirs.get(key) != ours.get(key)]
    changes = [f"given other nbgrader metadata ({', '.join(keys)})"] if keys else []
    if student.get("metadata", {}).get("tags", []) != release_cell.metadata.get("tags", []):
        changes.append("given other tags")
    return changes


def _attachments(student: dict, label: str, flags: list[str]) -> dict:
    """A markdown answer's attachments when they are well formed ({name: {mime: text}}), else none (flagged)."""
    attachments = student["attachments"]
    ok = isinstance(attachments, dict) and all(
        isinstance(files, dict) and all(isinstance(data, (str, list)) for data in files.values())
        for files in attachments.values())
    if not ok:
        flags.append(f"{label} had unreadable attachments: they were dropped")
        return {}
    return copy.deepcopy(attachments)


def _clean(cell) -> nbformat.NotebookNode:
    """The cell with outputs and execution count cleared."""
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def _plain(cell: dict, used_ids: set[str]) -> nbformat.NotebookNode:
    """A fresh cell with the student's type and source, no metadata (a student markdown cell keeps its attachments)."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell, "raw": nbformat.v4.new_raw_cell}
    new = make[cell["cell_type"]](_source(cell))
    if cell["cell_type"] == "markdown" and cell.get("attachments"):
        attachments = _attachments(cell, "a markdown cell", [])
        if attachments:
            new.attachments = attachments
    cell_id = cell.get("id")
    if isinstance(cell_id, str) and CELL_ID.match(cell_id) and cell_id not in used_ids:
        new.id = cell_id
    return new


def _notebook(released, cells: list) -> nbformat.NotebookNode:
    """An nbformat-4 notebook with the release's metadata and these cells (student cells rebuilt, ids unique)."""
    nb = nbformat.v4.new_notebook(metadata=copy.deepcopy(released.metadata))
    nb.nbformat, nb.nbformat_minor = released.nbformat, released.nbformat_minor
    used = {c.id for c in cells if isinstance(c, nbformat.NotebookNode) and "id" in c}
    for cell in cells:
        if not isinstance(cell, nbformat.NotebookNode):
            cell = _plain(cell, used)
            used.add(cell.id)
        nb.cells.append(cell)
    return nb


def _kernel_flags(theirs: dict, ours) -> list[str]:
    """A flag when the student's notebook named another kernel than the release."""
    kernelspec = theirs.get("kernelspec")
    name = kernelspec.get("name") if isinstance(kernelspec, dict) else kernelspec
    expected = ours.get("kernelspec", {}).get("name")
    if name is not None and name != expected:
        return [f"the notebook asked for kernel {name!r}: it was graded with the release's {expected!r}"]
    return []


def _listing(folder: Path) -> list[str]:
    """Every file and link under folder (relative, sorted), without checkpoints, not following links."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS)
        here = Path(top).relative_to(folder)
        found += [(here / d).as_posix() for d in dirs if (Path(top) / d).is_symlink()]
        found += [(here / f).as_posix() for f in files]
    return sorted(found)


def _extra_files(folder: Path, expected: set[str]) -> list[str]:
    """A flag naming the files shipped next to the notebook that the release does not have, which are not graded with it."""
    extra = [f for f in _listing(folder) if f not in expected | IGNORED_FILES]
    if not extra:
        return []
    more = f" and {len(extra) - SHOWN_EXTRA_FILES} more" if len(extra) > SHOWN_EXTRA_FILES else ""
    return [f"extra files ignored: {', '.join(extra[:SHOWN_EXTRA_FILES])}{more}"]


def take_in(course: Layout, student: str, assignment: str) -> tuple[dict, list[str], list[str]]:
    """Each released notebook of the submission, rebuilt around the release ({name: notebook}), its review flags,
    and the reasons a notebook could not be taken in.

    With several notebooks, one that is missing is left out (nbgrader scores it 0, as plain nbgrader does)
    and one that cannot be read scores 0 too, flagged with the reason; the others are graded.
    """
    from gdgrade.untrusted.tamper_scan import scan_notebook

    release = course.release / assignment
    names, files = release_contents(release)
    folder = course.submitted / student / assignment
    several = len(names) > 1
    staged, flags, refused = {}, [], []
    for name in names or [assignment]:
        if several and not (folder / f"{name}.ipynb").exists():
            continue
        released = read(release / f"{name}.ipynb")
        taken = intake(folder, name, released, expected=files)
        if taken.failure:
            refused.append(taken.failure)
            continue
        where = f"{name}.ipynb " if several else ""
        flags += taken.flags
        flags += [f"{where}{cell}: {reason}" for cell, reasons in scan_notebook(taken.notebook, released).items()
                  for reason in reasons]
        staged[name] = taken.notebook
    if staged:
        flags += [f"{reason}: that notebook scores 0" for reason in refused]
    return staged, list(dict.fromkeys(flags)), refused or ["no notebook of the assignment in the submission"]
