"""What a batch has to do: the submissions on disk, which of them changed since their last grading, and its records.

A submission is `grading/submitted/<student>/<assignment>/<assignment>.ipynb`. Its fingerprint is
the name, size and modification time of every file in its folder plus nbgrader's `timestamp.txt`.
After a submission is autograded and its feedback written, the worker records that fingerprint in
`grading/state/<assignment>/<student>.json` (deleted before grading starts, written atomically at
the very end). A submission is graded again when that record is missing, its fingerprint changed
(a newer or different submission), or the gradebook holds no grade for it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gdgrade.course import Layout
from gdgrade.untrusted.ids import id_problem, printable

# nbgrader's own files in a submission, kept beside the cleaned notebooks: collect's time stamp, and the secret
# with which nbgrader's exchange files a student's feedback (release_feedback needs it in the feedback folder).
KEPT_FILES = ("timestamp.txt", "submission_secret.txt")


RELEASE_IGNORED = (".ipynb_checkpoints", "__pycache__", "feedback")  # nbgrader's CourseDirectory.ignore, as folders


@dataclass(frozen=True)
class Submission:
    """One student's folder for one assignment."""

    student: str
    assignment: str
    folder: Path

    @property
    def size(self) -> int:
        """Bytes of the notebooks in the folder (what grading time grows with)."""
        return sum(p.stat().st_size for p in self.folder.glob("*.ipynb") if p.is_file())


def release_contents(folder: Path) -> tuple[list[str], frozenset[str]]:
    """An assignment's release folder: its notebooks (names without .ipynb, sorted), and every file in it (relative paths)."""
    files = []
    for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
        inside = path.relative_to(folder)
        if path.is_file() and not set(inside.parts) & set(RELEASE_IGNORED) and path.suffix != ".pyc":
            files.append(inside.as_posix())
    return sorted(f[:-6] for f in files if f.endswith(".ipynb") and "/" not in f), frozenset(files)


@dataclass(frozen=True)
class Task:
    """Work for a grading worker: "grade" (autograde then feedback) or "feedback" only."""

    student: str
    assignment: str
    kind: str
    fingerprint: dict = field(hash=False, compare=False)
    flags: tuple[str, ...] = field(default=(), hash=False, compare=False)  # review flags, once autograde found them


@dataclass(frozen=True)
class Problem:
    """A submission that could not be graded, and why (`refused_id`: its folder's name cannot be a student id)."""

    student: str
    assignment: str
    reason: str
    refused_id: bool = False


def fingerprint(folder: Path) -> dict:
    """Name, size and mtime of every file of a submission folder, and its timestamp.txt (nbgrader collect's)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            info = path.stat()
            files[path.relative_to(folder).as_posix()] = [info.st_size, info.st_mtime_ns]
    stamp = folder / "timestamp.txt"
    return {"files": files, "timestamp": stamp.read_text().strip() if stamp.is_file() else None}


def discover(course: Layout, assignments: list[str], known: list[str],
             notebooks: dict[str, list[str]] | None = None) -> tuple[list[Submission], list[Problem]]:
    """The submissions of `assignments` under grading/submitted/, and the folders that are not gradable submissions.

    A folder is a submission when it holds at least one of its assignment's `notebooks` (default: <assignment>.ipynb).
    """
    notebooks = notebooks or {}
    submissions, problems = [], []
    base = course.submitted
    for student_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")) if base.is_dir() else []:
        if problem := id_problem(student_dir.name):
            problems.append(Problem(printable(student_dir.name), "", f"submission folder refused: {problem}", True))
            continue
        for folder in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            student, assignment = student_dir.name, folder.name
            if assignment not in known:
                if not assignments or set(assignments) == set(known):
                    problems.append(Problem(student, printable(assignment), f"'{printable(assignment)}' is not an assignment of this course"))
                continue
            if assignment not in assignments:
                continue
            names = [f"{n}.ipynb" for n in notebooks.get(assignment) or [assignment]]
            if any((folder / name).is_file() for name in names):
                submissions.append(Submission(student, assignment, folder))
            else:
                found = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
                problems.append(Problem(student, assignment, f"no {' or '.join(names)} in the submission folder (found: {found})"))
    return submissions, problems


def record_path(course: Layout, student: str, assignment: str) -> Path:
    """Where the record of a submission's last successful grading lives."""
    return course.state / assignment / f"{student}.json"


def read_record(course: Layout, student: str, assignment: str) -> dict | None:
    """The record of the last successful grading of a submission, or None."""
    try:
        return json.loads(record_path(course, student, assignment).read_text())
    except (OSError, ValueError):
        return None


def clear_record(course: Layout, student: str, assignment: str) -> None:
    """Forget the last grading (done before grading starts, so an interrupted grading is never taken as done)."""
    record_path(course, student, assignment).unlink(missing_ok=True)


def _write_atomically(path: Path, body) -> None:
    """Write JSON to `path` so that it is either whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(body, handle)
    os.replace(tmp, path)


def write_record(course: Layout, student: str, assignment: str, print_: dict, db_url: str, seconds: float,
                 flags: list[str] | None = None) -> None:
    """Record a finished grading of the submission with this fingerprint into this gradebook, with its review flags."""
    body = {"fingerprint": print_, "db_url": db_url, "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(seconds, 3), "flags": list(flags or [])}
    _write_atomically(record_path(course, student, assignment), body)


def stage(course: Layout, student: str, assignment: str, notebooks: dict | None) -> None:
    """Put the cleaned notebooks ({name: notebook}; alone, with nbgrader's KEPT_FILES) where nbgrader grades them; None clears."""
    import shutil

    import nbformat

    folder = course.staged / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    if notebooks is None:
        return
    folder.mkdir(parents=True)
    for name, notebook in notebooks.items():
        nbformat.write(notebook, str(folder / f"{name}.ipynb"))
    for kept in KEPT_FILES:
        source = course.submitted / student / assignment / kept
        if source.is_file():
            shutil.copyfile(source, folder / kept)


def feedback_path(course: Layout, student: str, assignment: str, notebook: str | None = None) -> Path:
    """nbgrader's feedback page for a notebook of a submission (default: the one named after the assignment)."""
    return course.feedback / student / assignment / f"{notebook or assignment}.html"


def has_feedback(course: Layout, student: str, assignment: str) -> bool:
    """Whether nbgrader wrote a feedback page for the submission (one per graded notebook)."""
    return any((course.feedback / student / assignment).glob("*.html"))


def plan(
    course: Layout, submissions: list[Submission], db_url: str, graded: set[tuple[str, str]] | None, force: bool = False
) -> tuple[list[Task], list[Submission]]:
    """The tasks to run (biggest notebooks first) and the submissions left alone (unchanged, graded, with feedback).

    A submission is left alone when its record names the same fingerprint and gradebook (`db_url`) and,
    unless `graded` is None, the gradebook has grades for it (`graded`: its (student, assignment) pairs).
    """
    tasks, unchanged = [], []
    for sub in submissions:
        now = fingerprint(sub.folder)
        record = read_record(course, sub.student, sub.assignment) or {}
        fresh = (record.get("fingerprint") == now and record.get("db_url") == db_url
                 and (graded is None or (sub.student, sub.assignment) in graded))
        if force or not fresh:
            tasks.append(Task(sub.student, sub.assignment, "grade", now))
        elif not has_feedback(course, sub.student, sub.assignment):
            tasks.append(Task(sub.student, sub.assignment, "feedback", now, tuple(record.get("flags", []))))
        else:
            unchanged.append(sub)
    size = {(s.student, s.assignment): s.size for s in submissions}
    tasks.sort(key=lambda t: -size[(t.student, t.assignment)])  # long ones first: no core idles at the end
    return tasks, unchanged
