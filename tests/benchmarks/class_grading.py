"""Grading a class: plain serial `nbgrader autograde` against `gdgrade autograde`, on the same submissions.

Builds a temporary course with every released assignment and `--students` generated submissions of
each (a third correct, a third with typical wrong answers, a third untouched), then grades identical
copies of it both ways and prints the wall times, their ratio, the cost per notebook, and two
floors: starting a kernel and running a notebook's setup cell (the course's imports), and executing
a whole notebook with nbclient alone. Repeats `--repeat` times with fresh copies, alternating which
goes first, and prints medians.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from gdgrade.course import course_api, course_config
from tests.coursekit import ROOT, answered, assignment_ids, new_course, read, rounds
from gdgrade.export import read_grades

PYTHON = sys.executable
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))


def released_assignments() -> list[str]:
    """The assignments with a solution and a released student version."""
    return [a for a in assignment_ids() if (ROOT / "notebooks" / a / f"{a}.ipynb").is_file()]


def build_class(root: Path, assignments: list[str], students: int) -> int:
    """Release `assignments` into a new course at `root` and submit `students` notebooks of each; return the count."""
    new_course(root, assignments)
    api = course_api(root)
    for assignment in assignments:
        result = api.generate_assignment(assignment, force=True, create=True)
        assert result["success"], result.get("error") or result.get("log")
        source = read(root / "solutions" / assignment / f"{assignment}.ipynb")
        released = read(root / "notebooks" / assignment / f"{assignment}.ipynb")
        wrong = rounds(assignment) or [[]]
        for i in range(students):
            if i % 3 == 0:
                nb = answered(released, source)
            elif i % 3 == 1:
                nb = answered(released, source, {w.replaces: w.code for w in wrong[(i // 3) % len(wrong)]})
            else:
                nb = released
            folder = root / "grading" / "submitted" / f"student{i:03d}" / assignment
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    return students * len(assignments)


def timed(command: list[str], cwd: Path, log: Path) -> float:
    """Wall time of a command (its output goes to `log`); fail loudly if it fails."""
    start = time.perf_counter()
    with log.open("a") as out:
        subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - start


def serial_nbgrader(course: Path, assignments: list[str]) -> float:
    """Plain nbgrader: `nbgrader autograde <id>` for each assignment, one after the other, from the course root."""
    return sum(timed([NBGRADER, "autograde", a], course, course / "nbgrader.log") for a in assignments)


def class_grading(course: Path, workers: int | None) -> float:
    """This course's command: gdgrade autograde (autograde, feedback, grades.csv, report)."""
    extra = ["--workers", str(workers)] if workers else []
    return timed([PYTHON, "-m", "gdgrade", "autograde", "--course", str(course), "--quiet", *extra], ROOT, course / "grading.log")


def timed_execution(nb, folder: Path) -> float:
    """Seconds to execute a copy of `nb` in `folder` with nbclient alone: a fresh kernel, every cell, stop.

    The kernel runs as under nbgrader (NBGRADER_EXECUTION=autograde, so gdlab skips pictures and demos
    there too): the floors measure the same work that grading does, minus nbgrader.
    """
    client = NotebookClient(copy.deepcopy(nb), timeout=120, kernel_name="python3",
                            extra_arguments=["--HistoryManager.hist_file=:memory:"], resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute(env={**os.environ, "NBGRADER_EXECUTION": "autograde"})
    return time.perf_counter() - start


def bare_floor(assignments: list[str], runs: int) -> float:
    """Median wall time to start a kernel, run a notebook's setup cell (its imports) and stop, over assignments and runs."""
    times = []
    for assignment in assignments:
        path = ROOT / "notebooks" / assignment / f"{assignment}.ipynb"
        nb = read(path)
        nb.cells = [next(c for c in nb.cells if c.cell_type == "code")]
        times += [timed_execution(nb, path.parent) for _ in range(runs)]
    return statistics.median(times)


def execution_floor(course: Path, assignments: list[str], runs: int) -> float:
    """Mean over assignments of the median wall time to execute one correct submission with nbclient alone (no nbgrader)."""
    per_assignment = []
    for assignment in assignments:
        path = course / "grading" / "submitted" / "student000" / assignment / f"{assignment}.ipynb"
        nb = read(path)
        per_assignment.append(statistics.median([timed_execution(nb, path.parent) for _ in range(runs)]))
    return statistics.fmean(per_assignment)


def lock_wait(course: Path) -> str:
    """What the report of a graded course says about waiting for the gradebook lock."""
    match = re.search(r"waited ([0-9.]+ s) in all", (course / "grading" / "report" / "index.html").read_text())
    return match.group(1) if match else "?"


def same_scores(a: Path, b: Path, assignments: list[str]) -> bool:
    """Do two graded copies of the course hold the same scores?"""
    grades = [read_grades(course_config(c).CourseDirectory.db_url, assignments) for c in (a, b)]
    return grades[0].scores == grades[1].scores and bool(grades[0].scores)


def main(argv: list[str] | None = None) -> None:
    """Build the class, grade it both ways `--repeat` times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40, help="submissions per assignment (default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians are printed (default 1)")
    parser.add_argument("--workers", type=int, default=None, help="workers for gdgrade (default: cores)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary courses")
    args = parser.parse_args(argv)
    assignments = released_assignments()
    base = Path(tempfile.mkdtemp(prefix="gdlab-bench-"))
    try:
        pristine = base / "pristine"
        n = build_class(pristine, assignments, args.students)
        cores = len(os.sched_getaffinity(0))
        print(f"{n} submissions ({args.students} of each of {', '.join(assignments)}), {cores} cores, {args.repeat} run(s)",
              flush=True)
        floor = bare_floor(assignments, 5)
        executed = execution_floor(pristine, assignments, 2)
        serial, ours = [], []
        for k in range(args.repeat):
            a, b = base / f"serial-{k}", base / f"ours-{k}"
            shutil.copytree(pristine, a)
            shutil.copytree(pristine, b)
            for c in (a, b):
                config = (pristine / "nbgrader_config.py").read_text()
                (c / "nbgrader_config.py").write_text(config.replace(str(pristine), str(c)))
            steps = [(serial, lambda: serial_nbgrader(a, assignments)), (ours, lambda: class_grading(b, args.workers))]
            for times, step in steps if k % 2 == 0 else steps[::-1]:
                times.append(step())
            print(f"  run {k + 1}: serial nbgrader {serial[-1]:.1f} s, gdgrade {ours[-1]:.1f} s"
                  f" ({serial[-1] / ours[-1]:.2f}x); same scores: {same_scores(a, b, assignments)};"
                  f" gradebook lock waits: {lock_wait(b)}", flush=True)
            if not args.keep:
                shutil.rmtree(a)
                shutil.rmtree(b)
        s, o = statistics.median(serial), statistics.median(ours)
        workers = args.workers or cores
        print(f"serial nbgrader autograde : {s:7.1f} s  ({s / n:.2f} s per notebook)")
        print(f"gdgrade         : {o:7.1f} s  ({o / n:.2f} s per notebook; {o * workers / n:.2f} worker-s per notebook,"
              f" {workers} workers; includes feedback, grades.csv and report)")
        print(f"speed-up                  : {s / o:7.2f}x   (goal: 1.8x)")
        print(f"bare floor                : {floor:7.2f} s  (start a kernel, run the setup cell's imports, stop; median)")
        print(f"per notebook / floor      : {o / n / floor:7.2f}    (goal: 1.3 or less)")
        print(f"bare execution            : {executed:7.2f} s  (nbclient alone runs a whole correct notebook, no nbgrader;"
              " mean over assignments)")
        print(f"worker-s per nb / that    : {o * workers / n / executed:7.2f}    (what nbgrader, feedback and sharing"
              " the cores add to running the notebook)")
    finally:
        if args.keep:
            print(f"courses kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
