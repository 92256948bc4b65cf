"""A grading worker: one process, one in-process nbgrader, many submissions.

`grade` runs one step of one submission: "autograde" or "feedback" (the feedback page, then the
grading record). Autograde first takes the submission in (grading/intake.py: refuse what is not a
gradable notebook, rebuild it around the released test cells, flag tampering) and stages the clean
notebook alone under grading/staged/, which is what nbgrader grades. Student code runs only there,
in the sandboxed kernel of `execution_config` (grading/guarded.py, grading/sandbox.py).
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

from grading import state

GENERIC = (
    "There was an error processing assignment",
    "Please see the",
    "Removing failed",
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one task: ok, or the reason it failed; seconds it took and seconds spent waiting for the gradebook."""

    student: str
    assignment: str
    kind: str
    ok: bool
    reason: str = ""
    seconds: float = 0.0
    lock_wait: float = 0.0
    flags: tuple[str, ...] = ()


def execution_config(config):
    """How nbgrader runs student code here: the staged notebook, in a sandboxed kernel under one deadline and caps.

    Two more changes from plain nbgrader: the kernel is stopped at once after the last cell instead of
    being asked to shut down (0.3-0.4 s of waiting per notebook; every cell has run and been recorded
    by then), and GuardedExecute replaces nbgrader's Execute.
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from grading.guarded import GuardedExecute

    config.CourseDirectory.submitted_directory = str(state.STAGED)
    config.Execute.shutdown_kernel = "immediate"
    configured = config.Autograde.get("autograde_preprocessors") or Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [GuardedExecute if p is Execute else p for p in configured]
    return config


def failure_reason(result: dict) -> str:
    """The specific errors of a failed nbgrader call, on one line (nbgrader's log, without its generic wrap-up)."""
    messages: list[str] = []
    entries: list[list[str]] = []
    for line in (result.get("log") or "").splitlines():
        if line.startswith("["):
            entries.append([line])
        elif entries:
            entries[-1].append(line)
    for entry in entries:
        head = entry[0]
        if not head.startswith("[ERROR]"):
            continue
        text = head[len("[ERROR]"):].strip()
        if text.startswith("Traceback"):
            body = [line.strip() for line in entry[1:] if line.strip()]
            text = body[-1] if body else ""
        if text and not text.startswith(GENERIC) and text not in messages:
            messages.append(text)
    if not messages:
        lines = [line.strip() for line in (result.get("error") or "").splitlines() if line.strip()]
        messages = lines[-1:] or ["nbgrader failed without saying why"]
    reason = "; ".join(messages)
    return reason if len(reason) <= 500 else reason[:497] + "..."


def grade(api, root: Path, task: state.Task, step: str) -> Outcome:
    """One step of a submission: "autograde" it with nbgrader, or write its "feedback" and record it as graded."""
    from grading.dblock import seconds_waited

    start, waited = time.perf_counter(), seconds_waited()

    def outcome(ok: bool, reason: str = "", flags: list[str] | None = None) -> Outcome:
        seconds = time.perf_counter() - start
        return Outcome(task.student, task.assignment, task.kind, ok, reason, seconds, seconds_waited() - waited,
                       tuple(flags or ()))

    state.clear_record(root, task.student, task.assignment)
    try:
        if step == "autograde":
            return _autograde(api, root, task, outcome)
        result = api.generate_feedback(task.assignment, task.student, force=True)
        if not result["success"]:
            return outcome(False, "feedback: " + failure_reason(result))
    except Exception as error:  # noqa: BLE001 (anything one submission does must not stop the batch)
        return outcome(False, f"{type(error).__name__}: {error}")
    flags = state.read_flags(root, task.student, task.assignment)
    state.write_record(root, task.student, task.assignment, task.fingerprint, api.coursedir.db_url,
                       time.perf_counter() - start, flags)
    return outcome(True)


def _autograde(api, root: Path, task: state.Task, outcome) -> Outcome:
    """Take the submission in, stage its clean notebooks, autograde them in the sandbox, and flag what needs review."""
    from grading.review import flag_for_review

    state.flags_path(root, task.student, task.assignment).unlink(missing_ok=True)
    staged, flags, refused = take_in(Path(root), api.coursedir.release_directory, task.student, task.assignment)
    if not staged:
        state.stage(root, task.student, task.assignment, None)
        return outcome(False, "; ".join(refused))
    state.stage(root, task.student, task.assignment, staged)
    result = api.autograde(task.assignment, task.student, force=True, create=True)
    if not result["success"]:
        return outcome(False, failure_reason(result))
    flags += notebook_flags(Path(root) / api.coursedir.autograded_directory / task.student / task.assignment)
    if flags:
        flag_for_review(api.coursedir.db_url, api.coursedir.course_id, task.student, task.assignment)
    state.write_flags(root, task.student, task.assignment, flags)
    return outcome(True, "", flags)


def notebook_flags(folder: Path) -> list[str]:
    """The review flags autograding recorded in each autograded notebook (grading/guarded.py, grading/sanitize.py)."""
    from grading.sanitize import review_flags

    notebooks = sorted(folder.glob("*.ipynb"))
    return [f"{path.name} {flag}" if len(notebooks) > 1 else flag for path in notebooks for flag in review_flags(path)]


def take_in(root: Path, release_directory: str, student: str, assignment: str) -> tuple[dict, list[str], list[str]]:
    """Each released notebook of the submission, rebuilt around the release ({name: notebook}), its review flags,
    and the reasons a notebook could not be taken in.

    With several notebooks, one that is missing is left out (nbgrader scores it 0, as plain nbgrader does)
    and one that cannot be read scores 0 too, flagged with the reason; the others are graded.
    """
    from grading.intake import intake
    from grading.submissions import read
    from grading.tamper_scan import scan_notebook

    release = root / release_directory / assignment
    names, files = state.release_contents(release)
    folder = root / state.SUBMITTED / student / assignment
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


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the batch that started it dies (its kernels follow on their own)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:
        os._exit(1)


def main(conn: Connection, root: str, db_url: str, log_path: str, limits: dict | None = None) -> None:
    """Worker process: set up nbgrader once, then run (task, step) pairs from `conn` until it sends None."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)  # nbgrader's warnings and the kernels' stderr go to the log, not over the progress bar
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    try:
        from grading.course import course_api, course_config
        from grading.dblock import serialise_gradebook_sessions

        config = course_config(root)
        config.CourseDirectory.db_url = db_url
        for name, value in (limits or {}).items():
            setattr(config.Sandbox, name, value)
        serialise_gradebook_sessions(Path(root) / "grading" / ".gradebook.lock")
        api = course_api(root, execution_config(config))
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
        conn.send(("done", grade(api, Path(root), *job)))
