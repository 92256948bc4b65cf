"""The nbgrader course the grading tools work on: its configuration, its folders and its assignments.

A course is a folder holding `nbgrader_config.py` (nbgrader's course directory). nbgrader's own folders
(source, release, submitted, autograded, feedback) are read from its `CourseDirectory`; the grading
tools keep their records in one more folder, `GradingFolders.directory` (default `grading/`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from traitlets import Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


class CourseError(RuntimeError):
    """The folder is not an nbgrader course the grading tools can work on."""


class GradingFolders(Configurable):
    """Where the grading tools keep their own records, beside nbgrader's folders (c.GradingFolders.<name>)."""

    directory = Unicode(
        "grading",
        help="folder, relative to the course root, for the grading records (state/, staged/), gradebook backups "
        "(backups/), the class report (report/), grades.csv, autograded notebooks before sanitising (audit/) "
        "and the gradebook lock",
    ).tag(config=True)


@dataclass(frozen=True)
class Layout:
    """Every folder of a course the grading tools read or write, as absolute paths."""

    root: Path
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    work: Path

    @property
    def state(self) -> Path:
        """The record of each submission's last grading (state/<assignment>/<student>.json)."""
        return self.work / "state"

    @property
    def staged(self) -> Path:
        """What nbgrader grades: each submission's cleaned notebooks, alone (staged/<student>/<assignment>/)."""
        return self.work / "staged"

    @property
    def backups(self) -> Path:
        """Copies of the gradebook taken before each grading run."""
        return self.work / "backups"

    @property
    def report(self) -> Path:
        """The class report (report/index.html) and the batch's log."""
        return self.work / "report"

    @property
    def grades_csv(self) -> Path:
        """Every student's score per assignment."""
        return self.work / "grades.csv"

    @property
    def audit(self) -> Path:
        """Autograded notebooks as they ran, before their outputs were made inert (gdgrade.untrusted.sanitize)."""
        return self.work / "audit"

    @property
    def lock(self) -> Path:
        """The lock each gradebook session holds (gdgrade.dblock)."""
        return self.work / ".gradebook.lock"


def find_root(start: Path | str | None = None) -> Path:
    """The course folder: `start` (default: the current folder), which must hold nbgrader_config.py."""
    root = Path(start or os.getcwd()).resolve()
    if not (root / CONFIG_NAME).is_file():
        raise CourseError(f"{root} holds no {CONFIG_NAME}: run the command in the course folder, or pass --course")
    return root


def course_config(root: Path | str | None = None) -> Config:
    """nbgrader's configuration of the course at `root` (its nbgrader_config.py), with CourseDirectory.root set to it."""
    root = find_root(root)
    config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config


def layout(config: Config) -> Layout:
    """The course's folders under `config`: nbgrader's from its CourseDirectory, the grading tools' from GradingFolders."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    root = Path(coursedir.root).resolve()
    return Layout(root=root, source=root / coursedir.source_directory, release=root / coursedir.release_directory,
                  submitted=root / coursedir.submitted_directory, autograded=root / coursedir.autograded_directory,
                  feedback=root / coursedir.feedback_directory, work=root / GradingFolders(config=config).directory)


GENERIC = (
    "There was an error processing assignment",
    "Please see the",
    "Removing failed",
)


class ErrorRecords(logging.Handler):
    """The errors nbgrader logs during one call, kept as records (its log text is never parsed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's specific message: an exception's type and text, a traceback's last line, or the text."""
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text = f"{type(error).__name__}: {error}"
        else:
            lines = [line.strip() for line in record.getMessage().splitlines() if line.strip()]
            text = (lines[-1] if lines and lines[0].startswith("Traceback") else " ".join(lines[:1]))
        if text and not text.startswith(GENERIC) and text not in self.messages:
            self.messages.append(text)


@contextlib.contextmanager
def errors_of(api) -> Iterator[ErrorRecords]:
    """Collect the errors nbgrader's `api` logs within the block (its converters log through the api's logger)."""
    records = ErrorRecords()
    api.log.addHandler(records)
    try:
        yield records
    finally:
        api.log.removeHandler(records)


def failure_reason(result: dict, errors: list[str]) -> str:
    """Why an nbgrader call failed, on one line: the errors it logged, or the last line of its exception."""
    messages = list(errors)
    if not messages:
        lines = [line.strip() for line in (result.get("error") or "").splitlines() if line.strip()]
        messages = lines[-1:] or ["nbgrader failed without saying why"]
    reason = "; ".join(messages)
    return reason if len(reason) <= 500 else reason[:497] + "..."


def execute_with(config: Config, execute: type) -> None:
    """Make nbgrader's autograde run notebooks with `execute` (a subclass of its Execute step) in place of Execute,
    its other steps as `config` has them (nbgrader's own by default)."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    configured = config.Autograde.get("autograde_preprocessors") or Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [execute if step is Execute else step for step in configured]


def _put_interpreter_tools_on_path() -> None:
    """nbgrader runs `alembic` (installed beside this Python) to create a gradebook: make sure it is found."""
    tools = os.path.dirname(sys.executable)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


def _make_sqlite_folder(db_url: str) -> None:
    """Create the folder of an SQLite gradebook (nbgrader creates the file, not its folder)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def course_api(root: Path | str | None = None, config: Config | None = None, echo: bool = True):
    """An in-process NbGraderAPI on the course at `root` (one import of nbgrader for many commands).

    Its log is its own: nbgrader's warnings and errors go to stderr when `echo`, nowhere otherwise (`errors_of`
    collects the errors of a call either way).
    """
    _put_interpreter_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = config or course_config(root)
    _make_sqlite_folder(config.CourseDirectory.db_url)
    log = logging.Logger("gdgrade.nbgrader", logging.WARNING)
    log.addHandler(logging.StreamHandler() if echo else logging.NullHandler())
    log.disabled = True  # an instructor's API needs no exchange: not a word about one that is missing or unwritable
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config, log=log)
    log.disabled = False
    return api


def assignment_ids(course: Layout) -> list[str]:
    """The assignments authored in the course's source folder (each folder holding a notebook), in course order."""
    source = course.source
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.is_dir() else []
