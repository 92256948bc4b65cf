"""A grading worker: one process, one in-process nbgrader, many submissions.

`grade` runs one step of one submission: "autograde" or "feedback" (the feedback page, then the
grading record). Autograde first takes the submission in (gdgrade.untrusted.intake: refuse what is
not a gradable notebook, rebuild it around the released test cells, flag tampering) and stages the
clean notebooks alone in the staged folder, which is what nbgrader grades. Student code runs only
there, in the sandboxed kernel of `execution_config` (gdgrade.untrusted.guarded and .sandbox).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from gdgrade import state
from gdgrade.course import Layout, errors_of, execute_with, failure_reason

# What a worker imports before its first task: the fork server (gdgrade.batch.worker_context) imports it once for all.
PRELOAD = ("gdgrade.worker", "gdgrade.course", "gdgrade.dblock", "gdgrade.untrusted.guarded", "gdgrade.untrusted.intake",
           "gdgrade.untrusted.review", "gdgrade.untrusted.sanitize", "gdgrade.feedback", "gdgrade.feedback_page",
           "gdgrade.exchange", "nbgrader.apps", "nbgrader.converters", "nbgrader.preprocessors")


@dataclass(frozen=True)
class Outcome:
    """What happened to one step: ok, or the reason it failed; its review flags; seconds it took and spent waiting for the gradebook."""

    student: str
    assignment: str
    kind: str
    ok: bool
    reason: str = ""
    seconds: float = 0.0
    lock_wait: float = 0.0
    flags: tuple[str, ...] = ()


def execution_config(config, course: Layout):
    """How nbgrader runs student code here: the staged notebook, in a sandboxed kernel under one deadline and caps.

    Two more changes from plain nbgrader: the kernel is stopped at once after the last cell instead of
    being asked to shut down (0.3-0.4 s of waiting per notebook; every cell has run and been recorded
    by then), and GuardedExecute replaces nbgrader's Execute.
    """
    from gdgrade.untrusted.guarded import GuardedExecute

    config.CourseDirectory.submitted_directory = str(course.staged)
    config.Execute.shutdown_kernel = "immediate"
    execute_with(config, GuardedExecute)
    return config


def grade(api, course: Layout, lock, task: state.Task, step: str) -> Outcome:
    """One step of a submission: "autograde" it with nbgrader, or write its "feedback" and record it as graded.

    Every gradebook session nbgrader opens meanwhile holds `lock` (a gdgrade.dblock.GradebookLock).
    """
    start, waited = time.perf_counter(), lock.waited

    def outcome(ok: bool, reason: str = "", flags: list[str] | None = None) -> Outcome:
        seconds = time.perf_counter() - start
        return Outcome(task.student, task.assignment, task.kind, ok, reason, seconds, lock.waited - waited, tuple(flags or ()))

    state.clear_record(course, task.student, task.assignment)
    try:
        with lock.sessions():
            if step == "autograde":
                return _autograde(api, course, task, outcome)
            with errors_of(api) as errors:
                result = api.generate_feedback(task.assignment, task.student, force=True)
        if not result["success"]:
            return outcome(False, "feedback: " + failure_reason(result, errors.messages))
    except Exception as error:  # noqa: BLE001 (anything one submission does must not stop the batch)
        return outcome(False, f"{type(error).__name__}: {error}")
    state.write_record(course, task.student, task.assignment, task.fingerprint, api.coursedir.db_url,
                       time.perf_counter() - start, list(task.flags))
    return outcome(True, "", list(task.flags))


def _autograde(api, course: Layout, task: state.Task, outcome) -> Outcome:
    """Take the submission in, stage its clean notebooks, autograde them in the sandbox, and flag what needs review."""
    from gdgrade.untrusted.intake import take_in
    from gdgrade.untrusted.review import flag_for_review, notebook_flags

    staged, flags, refused = take_in(course, task.student, task.assignment)
    state.stage(course, task.student, task.assignment, staged or None)
    if not staged:
        return outcome(False, "; ".join(refused))
    with errors_of(api) as errors:
        result = api.autograde(task.assignment, task.student, force=True, create=True)
    if not result["success"]:
        return outcome(False, failure_reason(result, errors.messages))
    flags += notebook_flags(course.autograded / task.student / task.assignment)
    if flags:
        flag_for_review(api.coursedir.db_url, api.coursedir.course_id, task.student, task.assignment)
    return outcome(True, "", flags)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the batch that started it dies (its kernels follow on their own)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(1)


def main(conn: Connection, config, log_path: str, environ: dict[str, str], fonts: tuple[Path, ...] | None = None) -> None:
    """Worker process: set up nbgrader once for the course `config` describes (the batch's: gradebook and sandbox limits
    set), then run (task, step) pairs from `conn` until it sends None. `environ` is the batch's environment (a fork
    server started earlier has its own); `fonts`, the matplotlib font list the batch built for sandboxed kernels."""
    _die_with_parent()
    os.environ.clear()
    os.environ.update(environ)
    if fonts is not None:
        from gdgrade.untrusted.sandbox import use_font_cache

        use_font_cache(fonts)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)  # nbgrader's warnings and the kernels' stderr go to the log, not over the progress bar
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    try:
        from gdgrade.course import course_api, layout
        from gdgrade.dblock import GradebookLock

        course = layout(config)
        lock = GradebookLock(course.lock)
        api = course_api(config=execution_config(config, course))
    except Exception:  # noqa: BLE001
        conn.send(("broken", traceback.format_exc()))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(("done", grade(api, course, lock, *job)))
