"""Grade a class: every changed submission autograded and given feedback by parallel workers, then grades.csv and the report.

The run can be killed at any moment and started again: a submission counts as graded only once a
worker has recorded it (the state/ folder of gdgrade.course.Layout), after nbgrader saved its grades and
wrote its feedback.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import resource
import time
from collections import deque
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from traitlets.config import Config

from gdgrade import state, worker
from gdgrade.course import assignment_ids, course_config, layout
from gdgrade.export import Grades
from gdgrade.report import RunSummary

TASK_TIMEOUT = 900.0  # seconds one submission may take before its worker is killed (nbgrader's per-cell timeout is 60 s)


class BatchError(RuntimeError):
    """The batch cannot run at all (as opposed to one submission failing)."""


@dataclass
class _Slot:
    """One worker process, its role ("autograde" or "feedback") and the step it is working on."""

    process: multiprocessing.Process
    conn: object
    role: str
    job: tuple[state.Task, str] | None = None
    started: float = 0.0


def worker_context():
    """How worker processes start: forked from multiprocessing's fork server, which imports nbgrader once for the whole
    batch (about 1.5 s of CPU that spawning paid in every worker), or spawned where there is no fork server. The server
    listens on a socket file only this user can open (Python 3.11 and later; CVE-2022-42919 was an abstract socket)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(worker.PRELOAD))
    return context


class Pool:
    """Worker processes fed one step at a time; a worker that dies or overruns is replaced and its task fails.

    A task is two steps: autograde, then feedback (which writes the grading record). `size` workers
    autograde, one submission each at a time; with `feedback_worker`, one more process writes the
    feedback pages meanwhile, using the moments when the autograde workers wait for their kernels.
    Autograde workers write feedback too when no submission is left to autograde.
    """

    def __init__(self, size: int, config, log_path: Path, timeout: float = TASK_TIMEOUT,
                 feedback_worker: bool = True) -> None:
        from gdgrade.untrusted.sandbox import Sandbox, font_cache

        self.config, self.log_path, self.timeout = config, log_path, timeout
        self.fonts = font_cache() if Sandbox(config=config).isolate else None  # built once, for every worker's kernels
        self.held: dict[tuple[str, str], float] = {}  # seconds each submission held a worker, all its steps
        self.context = worker_context()
        self.slots = [self._start("autograde") for _ in range(size)] + ([self._start("feedback")] if feedback_worker else [])
        self.lock_wait = 0.0

    @property
    def size(self) -> int:
        """The number of autograde workers."""
        return sum(s.role == "autograde" for s in self.slots)

    def grow(self, size: int) -> None:
        """Have at least `size` autograde workers."""
        self.slots += [self._start("autograde") for _ in range(size - self.size)]

    def _start(self, role: str) -> _Slot:
        """Start a worker process (the first start waits for the fork server to import nbgrader; the others are forks)."""
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=worker.main, args=(child, self.config, str(self.log_path), dict(os.environ), self.fonts), daemon=True
        )
        process.start()
        child.close()
        return _Slot(process, parent, role)

    def run(self, tasks: list[state.Task], done: Callable[[worker.Outcome], None]) -> None:
        """Run every task, calling `done` with each task's outcome as it is known."""
        to_autograde = deque(t for t in tasks if t.kind == "grade")
        to_feedback = deque(t for t in tasks if t.kind != "grade")

        def feed(slot: _Slot) -> None:
            if slot.role == "autograde" and to_autograde:
                slot.job = (to_autograde.popleft(), "autograde")
            elif to_feedback:
                slot.job = (to_feedback.popleft(), "feedback")
            else:
                slot.job = None
            slot.started = time.monotonic()
            if slot.job:
                slot.conn.send(slot.job)

        def finished(slot: _Slot, outcome: worker.Outcome) -> None:
            task, step = slot.job
            slot.job = None
            self.lock_wait += outcome.lock_wait
            key = (task.student, task.assignment)
            self.held[key] = self.held.get(key, 0.0) + (outcome.seconds or time.monotonic() - slot.started)
            if step == "autograde" and outcome.ok:
                to_feedback.append(replace(task, flags=outcome.flags))  # the record of the feedback step keeps them
            else:
                done(outcome)

        def restart(slot: _Slot, reason: str) -> None:
            task, step = slot.job
            slot.process.kill()
            slot.process.join()
            finished(slot, worker.Outcome(task.student, task.assignment, task.kind, False, reason))
            self.slots[self.slots.index(slot)] = self._start(slot.role)

        while True:
            for slot in self.slots:
                if slot.job is None:
                    feed(slot)
            busy = [s for s in self.slots if s.job]
            if not busy:
                return
            wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=1.0)
            for slot in busy:
                if slot.conn.poll():
                    try:
                        message = slot.conn.recv()
                    except (EOFError, OSError):
                        restart(slot, _death(slot.process))
                        continue
                    if message[0] == "broken":
                        raise BatchError(f"a grading worker could not start nbgrader:\n{message[1]}")
                    if message[0] == "done":
                        finished(slot, message[1])
                elif not slot.process.is_alive():
                    restart(slot, _death(slot.process))
                elif time.monotonic() - slot.started > self.timeout:
                    restart(slot, f"grading took longer than {self.timeout:.0f} s; the worker was stopped")

    def close(self) -> None:
        """Stop the workers: politely when they are idle, by force otherwise."""
        for slot in self.slots:
            try:
                if slot.job is None:
                    slot.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for slot in self.slots:
            slot.process.join(max(0.0, deadline - time.monotonic()) if slot.job is None else 0)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()


def _death(process: multiprocessing.Process) -> str:
    """Why a worker vanished, for the report."""
    process.join(1)
    code = process.exitcode
    if code is not None and code < 0:
        return f"the grading process was killed by signal {-code} (out of memory?) while grading this submission"
    return f"the grading process exited (code {code}) while grading this submission"


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run(
    assignments: list[str] | None = None,
    *,
    root: Path | str | None = None,
    config: Config | None = None,
    workers: int | None = None,
    force: bool = False,
    db_url: str | None = None,
    progress: bool | None = None,
    timeout: float = TASK_TIMEOUT,
    limits: dict | None = None,
) -> RunSummary:
    """Grade the class at `root` (default: the current folder): autograde and feedback for what changed, then
    grades.csv and report/index.html.

    `config` is the course's configuration (default: its nbgrader_config.py); the workers grade with it. `limits`
    overrides its sandbox limits (gdgrade.untrusted.sandbox.Sandbox: deadline, memory_mb, ...), `db_url` its gradebook.
    """
    from gdgrade.backup import backup_gradebook
    from gdgrade.course import CourseError
    from gdgrade.export import write_csv
    from gdgrade.report import write_report
    from gdgrade.untrusted.sandbox import remove_left_behind

    start = time.perf_counter()
    try:
        config = copy.deepcopy(config) if config is not None else course_config(root)
    except CourseError as error:
        raise BatchError(str(error)) from None
    course = layout(config)
    known = assignment_ids(course)
    chosen = list(assignments or known)
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise BatchError(f"no such assignment: {', '.join(unknown)} (the course has {', '.join(known)})")
    db_url = db_url or config.CourseDirectory.db_url
    course.report.mkdir(parents=True, exist_ok=True)
    config.CourseDirectory.db_url = db_url
    _check_sandbox(config, limits)
    remove_left_behind()  # the kernel folders and font lists of earlier runs' killed processes
    notebooks = {a: state.release_contents(course.release / a)[0] for a in known}
    submissions, problems = state.discover(course, chosen, known, notebooks)
    wanted = workers or default_workers()

    def start_pool(n_tasks: int) -> Pool:
        size = max(1, min(wanted, n_tasks))
        return Pool(size, config, course.report / "autograde.log", timeout, feedback_worker=n_tasks > size)

    # Start the workers now if the files alone say there is work (the gradebook is read meanwhile).
    likely, _ = state.plan(course, submissions, db_url, None, force)
    pool = start_pool(len(likely)) if likely else None
    try:
        grades = _read_grades(db_url, chosen)
        tasks, unchanged = state.plan(course, submissions, db_url, grades.graded(), force)
        run = RunSummary(unchanged=len(unchanged), failures=[(p.student, p.assignment, p.reason) for p in problems])
        if tasks:
            pool = pool or start_pool(len(tasks))
            pool.grow(min(wanted, len(tasks)))
            run.workers = pool.size
            run.backup = backup_gradebook(db_url, course.backups)
            _grade(pool, tasks, run, progress)
            grades = _read_grades(db_url, chosen)
    finally:
        if pool:
            pool.close()
    run.flagged = [(s.student, s.assignment, flag) for s in submissions
                   for flag in (state.read_record(course, s.student, s.assignment) or {}).get("flags", [])]
    run.peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    students = {s.student for s in submissions} | {p.student for p in problems if not p.refused_id}
    write_csv(grades, course.grades_csv, students)
    run.seconds = time.perf_counter() - start
    write_report(grades, run, course.report)
    return run


def _check_sandbox(config, limits: dict | None) -> None:
    """Refuse to run student code without its sandbox, unless the course's `config` turned isolation off on purpose."""
    from gdgrade.untrusted.sandbox import Sandbox, bubblewrap_problem, environment_problem

    for name, value in (limits or {}).items():
        setattr(config.Sandbox, name, value)
    if not Sandbox(config=config).isolate:
        return
    if problem := bubblewrap_problem():
        raise BatchError(f"student code runs in a bubblewrap sandbox, and {problem}. Install it, or set "
                         "c.Sandbox.isolate = False in nbgrader_config.py to grade with the resource limits only "
                         "(see grading/README.md, 'Student code is untrusted')")
    if problem := environment_problem(config):
        raise BatchError(problem)


def _grade(pool: Pool, tasks: list[state.Task], run: RunSummary, progress: bool | None) -> None:
    """Run the tasks on the pool, counting outcomes into `run`, with a progress bar."""
    bar = _progress_bar(len(tasks), progress)
    failed = 0

    def done(outcome: worker.Outcome) -> None:
        nonlocal failed
        if outcome.ok:
            run.graded += outcome.kind == "grade"
            run.feedback_only += outcome.kind == "feedback"
        else:
            failed += 1
            run.failures.append((outcome.student, outcome.assignment, outcome.reason))
            if not bar.disable:
                bar.write(f"could not grade {outcome.student}/{outcome.assignment}: {outcome.reason}")
        bar.set_postfix(failed=failed, refresh=False)
        bar.update(1)

    try:
        pool.run(tasks, done)
    finally:
        run.lock_wait = pool.lock_wait
        run.longest = max([(seconds, *key) for key, seconds in pool.held.items()], default=(0.0, "", ""))
        bar.close()


def _read_grades(db_url: str, assignments: list[str]) -> Grades:
    """The gradebook's grades of `assignments`, after checking that the gradebook and the assignments exist.

    The batch reads the gradebook only while no worker grades, so it needs no lock of its own.
    """
    from sqlalchemy.engine import make_url

    from gdgrade.export import read_grades

    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        raise BatchError(f"no gradebook at {url.database}: release the assignments first (make release)")
    from nbgrader.api import MissingEntry

    try:
        return read_grades(db_url, assignments)
    except MissingEntry as error:
        raise BatchError(f"an assignment is not in the gradebook ({error}): release it first (make release)") from None


def _progress_bar(total: int, show: bool | None):
    """A tqdm bar of done / total with failures and an ETA (shown on a terminal unless `show` says otherwise)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="autograde", unit="nb", disable=None if show is None else not show, dynamic_ncols=True)
