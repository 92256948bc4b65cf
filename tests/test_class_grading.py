"""Does `gdgrade autograde` grade a whole class the way plain nbgrader does, and hold up?

One small class in a temporary course (01-slope and 02-first-steps; a correct, a wrong, an untouched
student; an invalid notebook, JSON that is not a notebook, a misnamed one) is graded once by
plain serial `nbgrader autograde` and once by the batch command, which is SIGKILLed midway and
started again. The tests then check the scores, the feedback, grades.csv, the report, the backup,
and that only new or changed submissions are graded again. And a grading worker killed in the very
first milliseconds of its sandbox's start leaves no sandbox running, and a killed kernel no folder in /tmp
(nor, once the next run starts, a killed run).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from coursekit import ROOT, answered, new_course, read, require_sandbox, visible_text, wrong_answers
from gdgrade import batch, state
from gdgrade.course import course_api, course_config, errors_of, failure_reason, layout
from gdgrade.export import read_grades
from gdgrade.feedback import hidden_lines, scrub_traceback

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("class-grading")]

ASSIGNMENTS = ["01-slope", "02-first-steps"]
GRADABLE = {("ada", "01-slope"), ("ada", "02-first-steps"), ("bob", "01-slope"), ("bob", "02-first-steps"),
            ("cy", "01-slope"), ("cy", "02-first-steps"), ("dee", "01-slope")}
BROKEN = {("dee", "02-first-steps"): "JSON", ("fay", "01-slope"): "not a notebook", ("eve", "01-slope"): "no 01-slope.ipynb"}


def hard_coded(assignment: str) -> dict[str, str]:
    """For each answer cell, its first 'hard-codes ...' wrong answer: it passes the visible tests and fails the hidden ones."""
    chosen: dict[str, str] = {}
    for wrong in wrong_answers(assignment):
        if wrong.name.startswith("hard-codes") and wrong.replaces not in chosen:
            chosen[wrong.replaces] = wrong.code
    return chosen


def submit(root: Path, student: str, assignment: str, nb, name: str | None = None) -> Path:
    """Write a notebook where nbgrader collects it from `student` (under another file name if given)."""
    folder = root / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{assignment}.ipynb")
    nbformat.write(nb, str(path))
    return path


def build_class(root: Path) -> None:
    """Release the two assignments into a new course at `root` and hand in the class's submissions."""
    new_course(root, ASSIGNMENTS, with_empty_gradebook=True)
    api = course_api(root)
    for assignment in ASSIGNMENTS:
        result = api.generate_assignment(assignment, force=True, create=True)
        assert result["success"], result.get("log")
        source = read(root / "solutions" / assignment / f"{assignment}.ipynb")
        released = read(root / "notebooks" / assignment / f"{assignment}.ipynb")
        submit(root, "ada", assignment, answered(released, source))
        submit(root, "bob", assignment, answered(released, source, hard_coded(assignment)))
        submit(root, "cy", assignment, released)
    slope = read(root / "notebooks" / "01-slope" / "01-slope.ipynb")
    slope_source = read(root / "solutions" / "01-slope" / "01-slope.ipynb")
    submit(root, "dee", "01-slope", answered(slope, slope_source))
    broken = submit(root, "dee", "02-first-steps", slope)
    broken.write_text(broken.read_text()[:500])  # cut off mid-file: not JSON any more
    submit(root, "fay", "01-slope", slope).write_text('{"cells are": "missing"}')  # JSON, but not a notebook
    submit(root, "eve", "01-slope", answered(slope, slope_source), name="my-answers.ipynb")


def records(root: Path) -> dict[tuple[str, str], str]:
    """Every grading record of the course, by (student, assignment), as text."""
    return {(p.stem, p.parent.name): p.read_text() for p in (root / "grading" / "state").glob("*/*.json")}


def descendants(pid: int) -> set[int]:
    """The processes started (directly or not) by `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """The pids that still run (zombies count as gone)."""
    running = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                running.add(pid)
        except OSError:
            pass
    return running


def scores(root: Path) -> dict:
    """The gradebook's scores of the course, by (student, assignment)."""
    return read_grades(course_config(root).CourseDirectory.db_url, ASSIGNMENTS).scores


@dataclass
class GradedClass:
    """The class graded both ways, and what the killed run left behind."""

    root: Path
    plain: Path
    before_resume: dict[tuple[str, str], str]
    orphans: set[int]
    resume: object
    left_behind: tuple[set[str], set[str]]  # the killed run's private folders in /tmp: before the resume, after it


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> GradedClass:
    """Grade the class with plain nbgrader (in the background) and with the batch command, killed once and resumed."""
    require_sandbox()
    root = tmp_path_factory.mktemp("class") / "course"
    build_class(root)
    plain = root.parent / "plain"
    shutil.copytree(root, plain)
    (plain / "nbgrader_config.py").write_text((root / "nbgrader_config.py").read_text().replace(str(root), str(plain)))
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    with open(plain / "nbgrader.log", "w") as log:
        plain_run = subprocess.Popen([nbgrader, "autograde", "*"], cwd=plain, stdout=log, stderr=subprocess.STDOUT, env=env)
    killed = subprocess.Popen([sys.executable, "-m", "gdgrade", "autograde", "--course", str(root), "--workers", "2", "--quiet"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not records(root) and time.monotonic() < deadline and killed.poll() is None:
        time.sleep(0.05)
    family = descendants(killed.pid)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    deadline = time.monotonic() + 15
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = alive(family)
    for pid in orphans:  # do not leave them behind, whatever the test says
        os.kill(pid, signal.SIGKILL)
    before = records(root)
    left = left_behind(family | {killed.pid})
    resume = batch.run(root=root, workers=2, progress=False)
    assert plain_run.wait(timeout=300) == 1, "nbgrader should have failed on the broken submissions"
    return GradedClass(root, plain, before, orphans, resume, (left, left_behind(family | {killed.pid})))


def left_behind(pids: set[int]) -> set[str]:
    """The private folders (gdgrade.untrusted.sandbox.private_folder) that these processes made in the temporary folder."""
    from gdgrade.untrusted.sandbox import LEFT_BEHIND

    return {name for name in os.listdir(tempfile.gettempdir())
            if (match := LEFT_BEHIND.match(name)) and int(match.group(1)) in pids}


def test_killed_run_resumes_without_regrading_or_losing_grades(graded):
    """After a SIGKILL midway, does a second run grade exactly what was not yet graded, and keep every grade?"""
    assert 0 < len(graded.before_resume) < len(GRADABLE), "the run was not killed midway"
    assert not graded.orphans, f"worker or kernel processes outlived the killed run: {graded.orphans}"
    after = records(graded.root)
    assert set(after) == GRADABLE
    assert {k: after[k] for k in graded.before_resume} == graded.before_resume, "graded submissions were graded again"
    assert graded.resume.graded == len(GRADABLE) - len(graded.before_resume)
    assert set(scores(graded.root)) == GRADABLE
    with sqlite3.connect(graded.root / "grading" / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_next_run_removes_what_the_killed_run_left_in_tmp(graded):
    """The killed run could not remove its font list and its kernels' folders: does the next run remove them?"""
    before, after = graded.left_behind
    assert any(name.startswith("gdlab-fonts-") for name in before), f"the killed run left no font list: {before}"
    assert not after, f"still in {tempfile.gettempdir()} after the next run: {sorted(after)}"


def test_scores_match_plain_nbgrader(graded):
    """Are the scores exactly those plain `nbgrader autograde` gives for the same submissions?"""
    ours, theirs = scores(graded.root), scores(graded.plain)
    assert set(theirs) == GRADABLE, f"plain nbgrader graded {sorted(theirs)}"
    assert ours == theirs
    assert ours[("ada", "01-slope")] != ours[("bob", "01-slope")] != ours[("cy", "01-slope")], "the class should differ"


def test_broken_submissions_are_listed_with_their_reason(graded):
    """Does every submission that cannot be graded appear, with why, in the run and in the report?"""
    failures = {(s, a): reason for s, a, reason in graded.resume.failures}
    assert set(failures) == set(BROKEN)
    report = visible_text((graded.root / "grading" / "report" / "index.html").read_text())
    for (student, assignment), words in BROKEN.items():
        assert words in failures[(student, assignment)], failures[(student, assignment)]
        assert failures[(student, assignment)] in report


def test_feedback_never_shows_hidden_tests(graded):
    """Does no feedback page show a line or a message of a hidden test, not even in a traceback, and say that one failed?"""
    checked = 0
    for assignment in ASSIGNMENTS:
        source = read(graded.root / "solutions" / assignment / f"{assignment}.ipynb")
        released = read(graded.root / "notebooks" / assignment / f"{assignment}.ipynb")
        shown = "\n".join(c.source for c in released.cells)
        secret = {line for c in source.cells for line in hidden_lines(c.source) if line not in shown}
        assert len(secret) > 10
        quoted = set()
        for student in ("ada", "bob", "cy"):
            autograded = read(graded.root / "grading" / "autograded" / student / assignment / f"{assignment}.ipynb")
            tracebacks = "\n".join("\n".join(o.get("traceback", [])) for c in autograded.cells for o in c.get("outputs", []))
            quoted |= {line for line in secret if line in tracebacks}
            page = visible_text(state.feedback_path(layout(course_config(graded.root)), student, assignment).read_text())
            leaked = sorted(line for line in secret if line in page)
            assert not leaked, f"{student}'s feedback on {assignment} shows hidden-test lines: {leaked}"
            checked += 1
        assert quoted, f"no traceback of {assignment} quotes a hidden line: the check above proves nothing"
    bob = visible_text(state.feedback_path(layout(course_config(graded.root)), "bob", "01-slope").read_text())
    assert "not a fixed number" not in bob, "a hidden test's message is not shown (issue: feedback shows what is owed)"
    assert "a hidden test failed" in bob
    assert checked == 6


def test_grades_csv_has_a_row_per_student_and_a_column_per_cell(graded):
    """Does grades.csv hold one row per student and a column per assignment and graded cell, blank where ungraded?"""
    import csv

    with open(graded.root / "grading" / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    grades = read_grades(course_config(graded.root).CourseDirectory.db_url, ASSIGNMENTS)
    expected = ["student"]
    for assignment in ASSIGNMENTS:
        expected += [assignment] + [grades.column(assignment, c) for c in grades.cells[assignment]]
    assert list(rows[0]) == expected
    by_student = {r["student"]: r for r in rows}
    assert set(by_student) == {"ada", "bob", "cy", "dee", "eve", "fay"}
    assert float(by_student["ada"]["01-slope"]) == grades.max_total("01-slope")
    assert float(by_student["cy"]["02-first-steps"]) == 0
    assert by_student["dee"]["02-first-steps"] == "" and by_student["eve"]["01-slope"] == ""
    for (student, assignment), cells in grades.scores.items():
        for cell in grades.cells[assignment]:
            assert float(by_student[student][grades.column(assignment, cell)]) == cells[(cell.notebook, cell.grade_id)]


def test_report_shows_distribution_and_pass_rates(graded):
    """Does the report plot each assignment and give the pass rate of each graded cell?"""
    folder = graded.root / "grading" / "report"
    page = (folder / "index.html").read_text()
    grades = read_grades(course_config(graded.root).CourseDirectory.db_url, ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        assert (folder / f"{assignment}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"src='{assignment}.png'" in page
        for cell in grades.cells[assignment]:
            assert f"<td>{cell.grade_id}</td>" in page
    assert "33%" in page  # 1 of the 3 graded students (ada) passes 02's cells


def test_gradebook_backed_up_before_the_run_changed_it(graded):
    """Is there a backup from before the resumed run, holding what the killed run had graded and not the rest?"""
    backup = graded.resume.backup
    assert backup and backup.parent == graded.root / "grading" / "backups"
    saved = set(read_grades(f"sqlite:///{backup}", ASSIGNMENTS).scores)
    assert set(graded.before_resume) <= saved < GRADABLE


def test_only_new_or_changed_submissions_are_graded_again(graded):
    """Is a changed or newer submission graded again, and an unchanged one left alone?"""
    root = graded.root
    before = records(root)
    source = read(root / "solutions" / "01-slope" / "01-slope.ipynb")
    released = read(root / "notebooks" / "01-slope" / "01-slope.ipynb")
    submit(root, "cy", "01-slope", answered(released, source))  # cy hands in a new, correct version
    later = time.time() + 5
    os.utime(root / "grading" / "submitted" / "ada" / "02-first-steps" / "02-first-steps.ipynb", (later, later))  # newer
    run = batch.run(["01-slope", "02-first-steps"], root=root, workers=1, progress=False)
    assert run.graded == 2 and run.unchanged == len(GRADABLE) - 2
    after = records(root)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {("cy", "01-slope"), ("ada", "02-first-steps")}
    assert scores(root)[("cy", "01-slope")] == scores(root)[("ada", "01-slope")]


def test_force_grades_everything_again(graded):
    """Does --force plan every submission, changed or not?"""
    submissions, _ = state.discover(layout(course_config(graded.root)), ASSIGNMENTS, ASSIGNMENTS)
    db_url = course_config(graded.root).CourseDirectory.db_url
    everything = {(s.student, s.assignment) for s in submissions}
    tasks, _ = state.plan(layout(course_config(graded.root)), submissions, db_url, set(GRADABLE), force=True)
    assert {(t.student, t.assignment) for t in tasks} == everything
    tasks, _ = state.plan(layout(course_config(graded.root)), submissions, db_url, set(GRADABLE))
    assert {(t.student, t.assignment) for t in tasks} == everything - GRADABLE  # only the broken ones are retried
    usage = subprocess.run([sys.executable, "-m", "gdgrade", "autograde", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert "--force" in usage.stdout


def test_db_url_is_honoured(tmp_path):
    """With another db_url, do grades go to that gradebook and not to the course's own?"""
    require_sandbox()
    root = tmp_path / "course"
    new_course(root, ["01-slope"], with_empty_gradebook=True)
    api = course_api(root)
    assert api.generate_assignment("01-slope", force=True, create=True)["success"]
    source = read(root / "solutions" / "01-slope" / "01-slope.ipynb")
    released = read(root / "notebooks" / "01-slope" / "01-slope.ipynb")
    submit(root, "ada", "01-slope", answered(released, source))
    shared = tmp_path / "shared.db"
    shutil.copy(root / "grading" / "gradebook.db", shared)
    run = batch.run(root=root, db_url=f"sqlite:///{shared}", workers=1, progress=False)
    assert run.graded == 1 and not run.failures
    assert set(read_grades(f"sqlite:///{shared}", ["01-slope"]).scores) == {("ada", "01-slope")}
    assert not read_grades(course_config(root).CourseDirectory.db_url, ["01-slope"]).scores


def test_traceback_lines_of_hidden_tests_are_replaced():
    """Does a traceback lose the hidden-test lines it quotes, and keep the rest?"""
    traceback = [
        "\x1b[31mAssertionError\x1b[39m Traceback (most recent call last)",
        "Cell \x1b[32mIn[7]\x1b[39m, line 12\n\x1b[32m     10\x1b[39m visible = 1\n\x1b[32m     11\x1b[39m secret_a = rng(3)\n"
        "\x1b[32m---> \x1b[39m\x1b[32m12\x1b[39m \x1b[38;5;28;01massert\x1b[39;00m secret_b(x)\n"
        "\x1b[32m     13\x1b[39m secret_c()\n",
        "AssertionError: a hint for the student",
    ]
    out = scrub_traceback(traceback, {"secret_a = rng(3)", "assert secret_b(x)", "secret_c()"})
    text = "\n".join(out)
    assert "secret" not in text and "visible = 1" in text and "a hint for the student" in text
    assert "---> (hidden test)" in text


def test_failure_reason_is_the_specific_error():
    """Are the errors nbgrader logs in a failed call (as its converters log them: a line, then the traceback as text)
    reduced to the specific error, without the generic wrap-up, and without reading nbgrader's log format?"""
    import logging
    import traceback

    api = SimpleNamespace(log=logging.Logger("nbgrader-like"))
    api.log.addHandler(logging.NullHandler())
    with errors_of(api) as errors:
        api.log.warning("a warning is not an error")
        api.log.error("There was an error processing assignment: /x")
        try:
            raise ValueError("Notebook does not appear to be JSON")
        except ValueError:
            api.log.error(traceback.format_exc())
        api.log.error("There was an error processing assignment '01-slope' for student 'b1'")
        api.log.error("Please see the the above traceback for details on the specific errors on the above failures.")
    assert errors.messages == ["ValueError: Notebook does not appear to be JSON"]
    assert failure_reason({"success": False}, errors.messages) == "ValueError: Notebook does not appear to be JSON"
    assert failure_reason({"error": "Traceback ...\nKeyError: 'x'\n"}, []) == "KeyError: 'x'"


WORKER = "import subprocess, sys, time; subprocess.Popen(sys.argv[1:], start_new_session=True); print(flush=True); time.sleep(60)"


def test_no_sandbox_outlives_a_worker_killed_as_it_starts(tmp_path, monkeypatch):
    """Workers killed 0–50 ms into starting a sandbox (before bwrap ties itself to its parent): once the hard deadline has
    passed, has every sandbox's command ended (at once through timeout's TERM, or by the timeout inside bwrap)?

    A bwrap killed between making its pid 1 and writing that process's user ids leaves it waiting for them forever, in
    the kernel's memory only: no command ever starts there, so it is not counted (see gdgrade/untrusted/sandbox.py).
    """
    require_sandbox()
    from gdgrade.untrusted import sandbox

    monkeypatch.setattr(sandbox, "GRACE", 0.0)
    limits = sandbox.Sandbox(deadline=2.0)
    marker = str(random.randrange(10**8, 10**9))
    hidden = [Path(h) for h in sandbox.HIDDEN]
    for k in range(30):
        jail = tmp_path / f"jail{k}"
        jail.mkdir()
        os.chmod(jail, 0o777)
        command = (sandbox.limit_args(limits) + sandbox.bubblewrap_args(jail / "cwd", jail, hidden, os.geteuid() == 0, limits)
                   + ["/bin/sleep", marker])
        worker = subprocess.Popen([sys.executable, "-c", WORKER, *command], stdout=subprocess.PIPE)
        worker.stdout.readline()  # the sandbox is starting
        time.sleep(random.uniform(0.0, 0.05))
        worker.kill()
        worker.wait()
    left = running(marker)
    give_up = time.monotonic() + limits.deadline + 6.0
    while left and time.monotonic() < give_up:
        time.sleep(0.2)
        left = running(marker)
    subprocess.run(["pkill", "-KILL", "-f", f"sleep {marker}"])
    assert not left, f"{len(left)} processes of sandboxes whose worker was killed are still running: {left}"


def running(marker: str) -> list[str]:
    """The processes, bwrap itself aside, whose command line runs `sleep <marker>`: a wrapper, or the command."""
    found = subprocess.run(["pgrep", "-a", "-f", f"sleep {marker}"], capture_output=True, text=True).stdout.splitlines()
    return [line for line in found if line.split()[1] != "bwrap"]


def test_only_the_folders_of_ended_processes_are_removed(tmp_path, monkeypatch):
    """Does remove_left_behind remove an ended process's folders (its own, or as root its sandbox user's), and keep a
    running process's, another user's, a symlink (and where it points), a file and other names?"""
    from gdgrade.untrusted.sandbox import remove_left_behind, sandbox_uid

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.Popen(["true"])
    ended.wait()
    dead = tmp_path / f"gdlab-kernel-{ended.pid}-a"
    (dead / "work").mkdir(parents=True)
    (dead / "work" / "written.bin").write_bytes(b"student output")
    removed = {dead}
    kept = [tmp_path / f"gdlab-fonts-{os.getpid()}-b", tmp_path / f"gdlab-other-{ended.pid}-c", tmp_path / "elsewhere"]
    for folder in kept:
        folder.mkdir()
    (tmp_path / f"gdlab-check-{ended.pid}-d").symlink_to(tmp_path / "elsewhere")
    (tmp_path / f"gdlab-kernel-{ended.pid}-e").write_text("a file")
    kept += [tmp_path / f"gdlab-check-{ended.pid}-d", tmp_path / f"gdlab-kernel-{ended.pid}-e"]
    if os.geteuid() == 0:  # grading as root, a kernel's folder belongs to the sandbox user of the worker named in it
        sandboxed, foreign = tmp_path / f"gdlab-kernel-{ended.pid}-f", tmp_path / f"gdlab-kernel-{ended.pid}-g"
        for folder, uid in ((sandboxed, sandbox_uid(ended.pid)), (foreign, 12345)):
            folder.mkdir()
            os.chown(folder, uid, uid)
        removed.add(sandboxed)
        kept.append(foreign)
    assert set(remove_left_behind()) == removed
    assert not any(folder.exists() for folder in removed)
    assert all(os.path.lexists(path) for path in kept)


def test_a_killed_kernel_leaves_no_folder_behind(tmp_path):
    """A sandboxed kernel killed at a limit (or dead): nbclient then cleans up with cleanup_resources, which must remove
    the kernel's private folder and what its code wrote there, as a shutdown does (they were left in /tmp)."""
    require_sandbox()
    from gdgrade.untrusted.sandbox import SandboxedKernelManager

    async def killed_then_cleaned_up() -> Path:
        km = SandboxedKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=str(tmp_path))  # as nbgrader starts it, in the notebook's folder
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=60)  # running, as a kernel is when a limit stops it
        client.stop_channels()
        assert (km.jail / "work").is_dir()
        km.kill_now()
        while await km.is_alive():
            await asyncio.sleep(0.05)
        await km.cleanup_resources()
        return km.jail

    assert not asyncio.run(killed_then_cleaned_up()).exists()
