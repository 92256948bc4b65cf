"""Test helpers: submissions built from a released notebook, a temporary nbgrader course built from this repository's
solutions, and the wrong-answer tables."""

from __future__ import annotations

import copy
import functools
import html
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import nbformat
from jupyter_client import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute

from gdgrade import course
from gdgrade.course import CONFIG_NAME, course_api, course_config, execute_with
from gdgrade.notebooks import nbgrader_meta, read

ROOT = Path(__file__).resolve().parent.parent  # this repository: the course the tests grade copies of


def assignment_ids() -> list[str]:
    """The assignments of this repository's course, in course order."""
    return course.assignment_ids(course.layout(course_config(ROOT)))


MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


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


def new_course(root: Path, assignments: list[str] = (), with_empty_gradebook: bool = False) -> Path:
    """A course folder at `root` with this repository's nbgrader_config.py and the given assignments' sources, and,
    `with_empty_gradebook`, a copy of `empty_gradebook()` where its SQLite gradebook goes (for tests that do not watch
    a gradebook being made)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / CONFIG_NAME, root / CONFIG_NAME)
    for assignment in assignments:
        shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment, dirs_exist_ok=True)
    if with_empty_gradebook:
        _copy_empty_gradebook(root)
    return root


WRONG_ANSWERS = Path(__file__).parent / "wrong_answers"


@dataclass(frozen=True)
class WrongAnswer:
    """A typical mistake: code that replaces one answer cell, the test cells it must fail, and the hint it must see."""

    name: str
    replaces: str
    loses: tuple[str, ...]
    hint: str
    code: str


def wrong_answers(assignment: str) -> list[WrongAnswer]:
    """The wrong-answer table of an assignment (tests/wrong_answers/<id>.toml)."""
    path = WRONG_ANSWERS / f"{assignment}.toml"
    if not path.exists():
        return []
    rows = tomllib.loads(path.read_text())["wrong"]
    return [WrongAnswer(r["name"], r["replaces"], tuple(r["loses"]), r["hint"], r["code"]) for r in rows]


def rounds(assignment: str) -> list[list[WrongAnswer]]:
    """Round k holds the k-th wrong answer of every answer cell, so one autograde checks several at once."""
    by_cell: dict[str, list[WrongAnswer]] = {}
    for wrong in wrong_answers(assignment):
        by_cell.setdefault(wrong.replaces, []).append(wrong)
    depth = max((len(v) for v in by_cell.values()), default=0)
    return [[v[k] for v in by_cell.values() if k < len(v)] for k in range(depth)]


def visible_text(page: str) -> str:
    """The text of an HTML page, without tags and entities."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@functools.cache
def empty_gradebook() -> Path:
    """An empty SQLite gradebook that nbgrader made, once per test process, for new temporary courses to copy.

    nbgrader runs the `alembic` command (0.9 s of CPU) whenever it creates a gradebook; the copy is the same
    file, tables and alembic version included. Courses whose tests watch a gradebook being made do not use it.
    """
    import atexit
    import tempfile

    folder = tempfile.mkdtemp(prefix="gdlab-gradebook-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "gradebook.db"
    course._put_interpreter_tools_on_path()  # nbgrader finds `alembic` beside this Python
    with Gradebook(f"sqlite:///{path}"):
        pass
    return path


def _copy_empty_gradebook(root: Path) -> None:
    """Put a copy of `empty_gradebook()` where the course at `root` keeps its SQLite gradebook (if it keeps one and has none)."""
    from sqlalchemy.engine import make_url

    url = make_url(course_config(root).CourseDirectory.db_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(empty_gradebook(), url.database)


# What a kept kernel runs before each notebook: its working folder moved to where nbgrader runs that notebook, its user
# namespace, history and output caches emptied (IPython's reset), and the warning filters and "shown once" records put
# back as the kernel started (a warning seen in an earlier notebook would not print again, and a test cell that prints
# to stderr scores 0; gdlab's setup cells change the filters, which forgets them too, but this does not count on it).
# The modules stay imported: gdlab's graded-run switch finds its work done, and says so by not printing its note
# again (the setup cell is not graded). tests/test_grading_roundtrip.py::test_kept_kernel_starts_each_notebook_fresh.
FRESH_START = """\
__import__("os").chdir({path!r})
get_ipython().reset(new_session=True)
__import__("warnings").resetwarnings()  # forgets which warnings were shown; then the filters the kernel started with
__import__("warnings").onceregistry.clear()
__import__("warnings").filters[:] = __import__("warnings")._gdlab_kernel_start_filters
"""
REMEMBER_KERNEL_START = '__import__("warnings")._gdlab_kernel_start_filters = list(__import__("warnings").filters)'


class KeptKernelExecute(Execute):
    """nbgrader's Execute on one kernel kept for the whole test process, started fresh in each notebook's folder
    (FRESH_START). The wrong-answer rounds grade 76 notebooks: a new kernel each, with its setup cell's imports, cost
    0.5-0.8 CPU-s more a round (03-learning-rate-sweeps' 8 rounds: 17.4 -> 10.8 CPU-s; 09-capstone's 12: 21.2 -> 13.2).
    Everything else is nbgrader's autograde, unchanged; solutions and untouched notebooks still get a new kernel."""

    kept = None  # the kernel manager of this process's kept kernel

    def preprocess(self, nb, resources=None, km=None):
        """Execute `nb` on the kept kernel, started on first use (or again if a notebook killed it)."""
        folder = resources["metadata"]["path"]
        if KeptKernelExecute.kept is None or not run_sync(KeptKernelExecute.kept.is_alive)():
            self._start_kernel(nb, folder)
        else:
            self._run(FRESH_START.format(path=str(Path(folder).resolve())))
        try:
            return super().preprocess(nb, resources, km=KeptKernelExecute.kept)
        finally:
            if self.kc is not None:
                self.kc.stop_channels()
                self.kc = None

    def _start_kernel(self, nb, folder: str) -> None:
        """The kept kernel, started as nbgrader starts one (its kernel, arguments, environment and folder), warnings remembered."""
        self.nb, self.resources, self.km = nb, {"metadata": {"path": folder}}, None
        KeptKernelExecute.kept = self.create_kernel_manager()
        run_sync(self.async_start_new_kernel)()
        self._run(REMEMBER_KERNEL_START)

    def _run(self, code: str) -> None:
        """Run `code` on the kept kernel, quietly, and fail if it raised (the shell channel alone: its reply is all we need,
        and the kernel answers requests in order, so the notebook's run starts after it)."""
        client = BlockingKernelClient()
        client.load_connection_info(KeptKernelExecute.kept.get_connection_info())
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            msg_id = client.execute(code, silent=True, store_history=False)
            while (reply := client.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != msg_id:
                pass
        finally:
            client.stop_channels()
        assert reply["content"]["status"] == "ok", f"the kept kernel could not run {code!r}: {reply['content']}"

    @staticmethod
    def shut_down() -> None:
        """Shut the kept kernel down (at the end of the test process)."""
        if KeptKernelExecute.kept is not None:
            run_sync(KeptKernelExecute.kept.shutdown_kernel)(now=True)
            KeptKernelExecute.kept = None


@dataclass
class TempCourse:
    """One assignment released into a temporary nbgrader course, ready to take and autograde submissions."""

    root: Path
    assignment: str
    graded: dict = field(default_factory=dict)
    db_url: str = field(init=False)  # the course's gradebook, read from its nbgrader_config.py once

    def __post_init__(self) -> None:
        new_course(self.root, [self.assignment], with_empty_gradebook=True)
        config = course_config(self.root)
        self.db_url = config.CourseDirectory.db_url
        config.Execute.shutdown_kernel = "immediate"  # as gdgrade's workers: every cell has run by then (0.3 s a run)
        # Unix sockets in the course, as gdgrade's sandboxed kernels use: a TCP port that jupyter_client picked can be
        # taken by another process before the kernel binds it ("Address already in use"; the kernel dies at start).
        config.KernelManager.transport = "ipc"
        (self.root / "kernel-sockets").mkdir()
        config.KernelManager.ip = str(self.root / "kernel-sockets" / "kernel")
        self.api = course_api(config=config)
        kept = copy.deepcopy(config)  # the same autograde, but on the kept kernel
        execute_with(kept, KeptKernelExecute)
        self.kept_kernel_api = course_api(config=kept)
        result = self.api.generate_assignment(self.assignment, force=True, create=True)
        assert result["success"], result.get("error") or result.get("log")
        self.source = read(self.root / "solutions" / self.assignment / f"{self.assignment}.ipynb")
        self.released_path = self.root / "notebooks" / self.assignment / f"{self.assignment}.ipynb"
        self.released = read(self.released_path)

    def submit(self, student: str, nb) -> None:
        """Place a notebook where nbgrader collects it from `student`."""
        folder = self.root / "grading" / "submitted" / student / self.assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / f"{self.assignment}.ipynb"))

    def autograde(self, student: str, kept_kernel: bool = False) -> dict[str, tuple[float, float]]:
        """Autograde a submission with nbgrader and return {grade_id: (score, max_score)}; cached per student.
        `kept_kernel`: on this process's kept kernel (KeptKernelExecute), not a new one."""
        if student not in self.graded:
            api = self.kept_kernel_api if kept_kernel else self.api
            result = api.autograde(self.assignment, student, force=True, create=True)
            assert result["success"], result.get("error") or result.get("log")
            with Gradebook(self.db_url) as gradebook:
                notebook = gradebook.find_submission_notebook(self.assignment, self.assignment, student)
                self.graded[student] = {g.name: (g.score, g.max_score) for g in notebook.grades if g.auto_score is not None}
        return self.graded[student]

    def grade(self, student: str, nb, kept_kernel: bool = False) -> dict[str, tuple[float, float]]:
        """Submit `nb` as `student` (unless already graded) and return its autograded scores (`kept_kernel`: see autograde)."""
        if student not in self.graded:
            self.submit(student, nb)
        return self.autograde(student, kept_kernel)

    def autograded_outputs(self, student: str) -> dict[str, str]:
        """The text of every error a test cell printed in the autograded notebook, by grade_id."""
        nb = read(self.root / "grading" / "autograded" / student / self.assignment / f"{self.assignment}.ipynb")
        texts = {}
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id and cell.cell_type == "code":
                texts[grade_id] = "\n".join(
                    o.get("ename", "") + ": " + o.get("evalue", "") for o in cell.get("outputs", []) if o.get("output_type") == "error"
                )
        return texts

    def feedback(self, student: str) -> str:
        """nbgrader's feedback page for the student, as visible text."""
        result = self.api.generate_feedback(self.assignment, student)
        assert result["success"], result.get("error") or result.get("log")
        page = self.root / "grading" / "feedback" / student / self.assignment / f"{self.assignment}.html"
        return visible_text(page.read_text())

    def submission(self, replacements: dict[str, str] | None = None):
        """The released notebook answered with the solutions, except the given replacements."""
        return answered(self.released, self.source, replacements)


SANDBOX_HINT = "install bubblewrap (`sudo apt-get install bubblewrap` on Debian/Ubuntu) and run `make test` again"


def require_sandbox() -> None:
    """Skip a test that grades through the sandbox when bubblewrap cannot run here; under CI (CI=true), fail it."""
    import os

    import pytest

    from gdgrade.untrusted.sandbox import bubblewrap_problem

    if problem := bubblewrap_problem():
        message = f"grading runs student code in a bubblewrap sandbox: {problem}; {SANDBOX_HINT}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
