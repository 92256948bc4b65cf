"""Does class grading work wherever an instructor installs it, and does its sandbox hide the course it grades?

A small assignment, `ps1`, has two notebooks and a data file: `loading.ipynb` reads `data.csv`
(released beside it), `summary.ipynb` does not. Four students hand it in: `sol` answers both,
`raw` hands in the untouched release, `swap` answers `loading` only, replaces `data.csv` with other
numbers and adds a file of their own, and `snoop` answers both and also tries to read the course's
solutions, its gradebook and the grading repository from inside the kernel (and looks for the debugger,
debugpy, which the sandbox leaves out).

The same course is graded by the installed `gdgrade autograde`, run by a Python environment in each
of the places an instructor may keep one, with the course in a private folder (mode 0700) outside the
folders the sandbox hides, and by plain `nbgrader autograde` on a copy: the scores must be
the same everywhere. The whole class is graded in the first place; in the others, the two students whose
grading depends on where things are (WHERE_IT_MATTERS: `swap`, whose data.csv must come from this course's
release, and `snoop`, who reads what the sandbox must hide), since `sol`'s answers are `snoop`'s and `raw`
runs nothing that reaches outside its notebook. Every environment here is a virtual environment made by
the project environment's own interpreter (Debian's /usr/bin/python3 when `make test` made .venv), except
the one under /root, which a Python installed under /root makes where the machine has one (pyenv's, as
here): an interpreter that no other user can run. Each reuses the project environment's packages through
a .pth file, so that nothing is installed per case.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from coursekit import ROOT, new_course, read, require_sandbox
from gdgrade.course import course_api, course_config

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("grading-anywhere")]

ASSIGNMENT = "ps1"
DATA = "1\n2\n3\n4\n"
SECRET = "THE-HIDDEN-CHECK-42"
EXPECTED = {"sol": {"loading": 2.0, "summary": 1.0}, "raw": {"loading": 0.0, "summary": 0.0},
            "swap": {"loading": 2.0, "summary": 0.0}, "snoop": {"loading": 2.0, "summary": 1.0}}
WHERE_IT_MATTERS = ("swap", "snoop")


def _cell(kind: str, source: str, **grading) -> nbformat.NotebookNode:
    """A cell with nbgrader metadata (`grading`: grade_id, solution, grade, locked, points)."""
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if grading:
        cell.metadata["nbgrader"] = {"schema_version": 3, "solution": False, "grade": False, "locked": False, **grading}
    return cell


def _notebook(cells: list) -> nbformat.NotebookNode:
    """A Python 3 notebook of these cells."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def source_notebooks() -> dict[str, nbformat.NotebookNode]:
    """The instructor's two notebooks of ps1, solutions and hidden tests included."""
    loading = _notebook([
        _cell("markdown", "The mean of the numbers in `data.csv`, which comes with this notebook."),
        _cell("code", "def mean_value(path='data.csv'):\n    ### BEGIN SOLUTION\n    with open(path) as file:\n"
              "        values = [float(line) for line in file if line.strip()]\n    return sum(values) / len(values)\n"
              "    ### END SOLUTION", grade_id="mean_value", solution=True),
        _cell("code", f"assert abs(mean_value() - 2.5) < 1e-12, 'the mean of data.csv is 2.5'\n"
              f"### BEGIN HIDDEN TESTS\nassert '{SECRET}'\n### END HIDDEN TESTS",
              grade_id="mean_is_right", grade=True, locked=True, points=2),
    ])
    summary = _notebook([
        _cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
              grade_id="double", solution=True),
        _cell("code", "assert double(3) == 6, 'double(3) is 6'", grade_id="double_is_right", grade=True, locked=True, points=1),
    ])
    return {"loading": loading, "summary": summary}


def snooping_code(course: Path) -> str:
    """An answer that also tries to read the course, its gradebook and the grading repository, and prints what it got."""
    targets = [course / "solutions" / ASSIGNMENT / "loading.ipynb", course / "grading" / "gradebook.db",
               course / "nbgrader_config.py", ROOT / "nbgrader_config.py", ROOT / "solutions"]
    return ("import os\nfor path in %r:\n"
            "    try:\n        print('READ', path, len(open(path, 'rb').read()) if os.path.isfile(path) else os.listdir(path))\n"
            "    except OSError as error:\n        print('HIDDEN', path, type(error).__name__)\n"
            "for top in %r:\n    try:\n        print('LIST', top, sorted(os.listdir(top)))\n"
            "    except OSError as error:\n        print('HIDDEN', top, type(error).__name__)\n"
            "import importlib.util\nprint('DEBUGGER', 'importable' if importlib.util.find_spec('debugpy.server') else 'none')\n"
            % ([str(t) for t in targets], [str(course), str(course / "grading"), str(ROOT)]))


def answered(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a released notebook with these answer cells' sources."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


SOLUTIONS = {"mean_value": "def mean_value(path='data.csv'):\n    with open(path) as file:\n"
             "        values = [float(line) for line in file if line.strip()]\n    return sum(values) / len(values)\n",
             "double": "def double(x):\n    return 2 * x\n"}


def build_course(root: Path) -> None:
    """ps1 released into a new course at `root`, its gradebook made, and the four students' submissions handed in."""
    source = new_course(root, with_empty_gradebook=True) / "solutions" / ASSIGNMENT
    source.mkdir(parents=True)
    for name, nb in source_notebooks().items():
        nbformat.write(nb, str(source / f"{name}.ipynb"))
    (source / "data.csv").write_text(DATA)
    result = course_api(root).generate_assignment(ASSIGNMENT, force=True, create=True)
    assert result["success"], result.get("log")
    release = root / "notebooks" / ASSIGNMENT
    released = {name: read(release / f"{name}.ipynb") for name in ("loading", "summary")}
    hand_in = {"sol": {n: answered(nb, SOLUTIONS) for n, nb in released.items()},
               "raw": dict(released),
               "swap": {"loading": answered(released["loading"], SOLUTIONS)},
               "snoop": {}}
    for student, notebooks in hand_in.items():
        folder = root / "grading" / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copyfile(release / "data.csv", folder / "data.csv")
        for name, nb in notebooks.items():
            nbformat.write(nb, str(folder / f"{name}.ipynb"))
    swap = root / "grading" / "submitted" / "swap" / ASSIGNMENT
    (swap / "data.csv").write_text("100\n100\n")
    (swap / "mine.py").write_text("print('my own helper')\n")
    hand_in_snoop(root)


def hand_in_snoop(course: Path) -> None:
    """The snooping student's submission, aimed at the course where it will be graded."""
    release = course / "notebooks" / ASSIGNMENT
    folder = course / "grading" / "submitted" / "snoop" / ASSIGNMENT
    for name in ("loading", "summary"):
        nb = answered(read(release / f"{name}.ipynb"), {**SOLUTIONS, "double": SOLUTIONS["double"] + snooping_code(course)})
        nbformat.write(nb, str(folder / f"{name}.ipynb"))


def hand_in_for(case: str, course: Path) -> dict[str, dict[str, float]]:
    """The submissions a case grades (the whole class in WHOLE_CLASS_PLACE, else WHERE_IT_MATTERS), snoop's aimed at
    `course`; their expected scores."""
    hand_in_snoop(course)
    students = EXPECTED if case == WHOLE_CLASS_PLACE else {s: EXPECTED[s] for s in WHERE_IT_MATTERS}
    for student in set(EXPECTED) - set(students):
        shutil.rmtree(course / "grading" / "submitted" / student)
    return students


def scores(course: Path) -> dict[str, dict[str, float]]:
    """Each student's score per notebook of ps1, as the course's gradebook has it."""
    with Gradebook(course_config(course).CourseDirectory.db_url) as gradebook:
        return {sub.student_id: {nb.name: float(nb.score) for nb in sub.notebooks}
                for sub in gradebook.find_assignment(ASSIGNMENT).submissions}


def flags_of(course: Path, student: str) -> list[str]:
    """The review flags recorded for a student's ps1."""
    import json

    return json.loads((course / "grading" / "state" / ASSIGNMENT / f"{student}.json").read_text())["flags"]


def make_env(path: Path, base: Path | None = None) -> Path:
    """A virtual environment at `path` (made by `base`, else by this project's Python) that reuses this project's
    packages (no install); its Python."""
    subprocess.run([str(base or sys.executable), "-m", "venv", "--without-pip", str(path)], check=True)
    packages = next(Path(path).glob("lib/python3*/site-packages"))
    (packages / "gdlab-course.pth").write_text(f"import site; site.addsitedir({site.getsitepackages()[0]!r})\n")
    (Path(path) / "share").symlink_to(Path(sys.prefix) / "share")  # nbconvert's templates, as an install puts them there
    return Path(path) / "bin" / "python"


def python_under_root() -> Path | None:
    """An interpreter of this Python version installed under /root (pyenv's, conda's, uv's), the trap of a Python that
    no other user can run; None if there is none, or if this project's environment already has one as its base."""
    if Path(os.path.realpath(sys._base_executable)).is_relative_to("/root"):
        return None  # every case already runs on it
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    patterns = (f".pyenv/versions/*/bin/{version}", f"*/bin/{version}", f".local/share/uv/python/*/bin/{version}")
    with contextlib.suppress(OSError):
        for pattern in patterns:
            for candidate in sorted(Path("/root").glob(pattern)):
                if os.access(candidate, os.X_OK):
                    return candidate
    return None


def copy_course(template: Path, target: Path) -> None:
    """The course `template` (its nbgrader_config.py, sources, release, gradebook and submissions) copied to `target`."""
    shutil.copytree(template, target)


def outside_hidden_folders() -> Path:
    """A folder for courses that none of the sandbox's hidden folders (/tmp, /home, /root, ...) holds."""
    from gdgrade.untrusted.sandbox import HIDDEN

    for base in (Path("/opt"), ROOT.parent, Path.cwd()):
        if os.access(base, os.W_OK) and not any(base.resolve().is_relative_to(h) for h in HIDDEN):
            return base
    pytest.skip("no writable folder outside /tmp, /home and /root for the course")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The released course with its submissions, before any grading."""
    require_sandbox()
    root = tmp_path_factory.mktemp("ps1") / "course"
    build_course(root)
    return root


@pytest.fixture(scope="module")
def plain_scores(template, tmp_path_factory) -> dict[str, dict[str, float]]:
    """The scores plain `nbgrader autograde` gives on a copy of the course."""
    course = tmp_path_factory.mktemp("plain") / "course"
    shutil.copytree(template, course)
    api = course_api(course)
    for student in EXPECTED:
        result = api.autograde(ASSIGNMENT, student, force=True, create=True)
        assert result["success"], result.get("log")
    return scores(course)


def test_plain_nbgrader_scores_as_the_assignment_intends(plain_scores) -> None:
    """nbgrader itself copies data.csv from the release, scores a missing notebook 0 and the snoop's correct answers in full."""
    assert plain_scores == EXPECTED


def _private_folder(base: Path) -> Path:
    """A new folder under `base` that only its owner may enter (mode 0700, as mktemp -d makes them)."""
    folder = Path(tempfile.mkdtemp(prefix="gdlab-test-", dir=base))
    os.chmod(folder, 0o700)
    return folder


def _places() -> dict[str, tuple]:
    """Where each case keeps the repository (with its course) and the Python environment."""
    return {
        "repository .venv, repository in a private folder": (lambda: _private_folder(outside_hidden_folders()) / "gdlab", ".venv"),
        "venv two levels down under /tmp": (lambda: _private_folder(outside_hidden_folders()) / "gdlab", "tmp"),
        "venv in a user's home": (lambda: _private_folder(outside_hidden_folders()) / "gdlab", "home"),
        "venv under /root, made by a Python under /root where there is one": (
            lambda: _private_folder(outside_hidden_folders()) / "gdlab", "root"),
        "this project's environment, course under /tmp": (None, None),
    }


WHOLE_CLASS_PLACE = next(iter(_places()))  # the first place grades the whole class (hand_in_for)


def _env_folder(where: str, repository: Path, cleanup: list[Path]) -> Path:
    """The folder of a case's environment."""
    if where == ".venv":
        return repository / ".venv"
    if where == "tmp":
        top = Path(tempfile.mkdtemp(prefix="gdlab-env-", dir="/tmp"))
        cleanup.append(top)
        return top / "envs" / "course"
    if where == "home":
        home = Path.home() if os.geteuid() != 0 else Path("/home")
        top = Path(tempfile.mkdtemp(prefix="gdlab-user-", dir=home))
        cleanup.append(top)
        return top / "venvs" / "gdlab"
    if os.geteuid() != 0 or not os.access("/root", os.W_OK):
        pytest.skip("a venv under /root needs root")
    top = Path(tempfile.mkdtemp(prefix="gdlab-env-", dir="/root"))
    cleanup.append(top)
    return top / "venv"


@pytest.mark.parametrize("case", list(_places()))
def test_grading_scores_as_nbgrader_wherever_it_lives(case, template, plain_scores, tmp_path) -> None:
    """The same scores as plain nbgrader, with the environment and the repository in each place; the course stays hidden."""
    make_repository, where = _places()[case]
    cleanup: list[Path] = []
    try:
        if make_repository is None:
            repository, python, cwd = tmp_path / "course", Path(sys.executable), ROOT
            shutil.copytree(template, repository)
            command = [str(python), "-m", "gdgrade", "autograde", "--course", str(repository)]
        else:
            repository = make_repository()
            cleanup.append(repository.parent)
            copy_course(template, repository)
            base = python_under_root() if where == "root" else None
            python, cwd = make_env(_env_folder(where, repository, cleanup), base), repository
            command = [str(python), "-m", "gdgrade", "autograde"]
        students = hand_in_for(case, repository)
        done = subprocess.run([*command, "--workers", "2", "--quiet"], cwd=cwd, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr + done.stdout
        assert "could not grade 0 " in done.stdout, done.stdout
        assert plain_scores == EXPECTED and scores(repository) == students
        header = (repository / "grading" / "grades.csv").read_text().splitlines()[0]
        assert header == "student,ps1,ps1/loading/mean_is_right,ps1/summary/double_is_right"
        report = (repository / "grading" / "report" / "index.html").read_text()
        assert "loading/mean_is_right" in report and "summary/double_is_right" in report
        assert any("extra files ignored: mine.py" in flag for flag in flags_of(repository, "swap"))
        assert not any("data.csv" in flag for flag in flags_of(repository, "swap")), "released files are expected"
        if "sol" in students:
            assert flags_of(repository, "sol") == []
        seen = snooped(repository)
        assert "READ" not in seen and seen.count("HIDDEN") >= 5, seen
        assert "DEBUGGER none" in seen, f"the sandbox should start kernels without debugpy: {seen}"
        listed = "".join(line for line in seen.splitlines() if line.startswith("LIST "))
        for secret in ("solutions", "gradebook.db", "submitted", "nbgrader_config.py", "notebooks", SECRET):
            assert secret not in listed.replace(str(repository), "<course>").replace(str(ROOT), "<repo>"), seen
    finally:
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)


def snooped(course: Path) -> str:
    """What the snooping answer printed in its autograded notebook."""
    nb = read(course / "grading" / "autograded" / "snoop" / ASSIGNMENT / "summary.ipynb")
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_an_environment_the_sandbox_cannot_read_is_refused_before_grading(template, tmp_path) -> None:
    """An environment that only its owner can read: the run stops at once and says which folder to open up."""
    if os.geteuid() != 0:
        pytest.skip("the kernel runs as another user only when grading as root")
    repository = _private_folder(outside_hidden_folders()) / "gdlab"
    try:
        copy_course(template, repository)
        python = make_env(repository / ".venv")
        os.chmod(next((repository / ".venv").glob("lib/python3*/site-packages")), 0o700)
        done = subprocess.run([str(python), "-m", "gdgrade", "autograde", "--quiet"], cwd=repository,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 1
        assert "cannot run" in done.stderr and "readable by all users" in done.stderr, done.stderr
        assert not (repository / "grading" / "autograded").exists()
    finally:
        shutil.rmtree(repository.parent, ignore_errors=True)
