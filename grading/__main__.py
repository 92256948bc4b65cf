"""Command line: python -m grading autograde [ASSIGNMENT ...] [--workers N] [--force] (run from the repository root)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.course import ROOT


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the subcommand; 0 when the batch ran (failed submissions are in the report)."""
    parser = argparse.ArgumentParser(prog="python -m grading", description="gdlab's instructor commands, built on nbgrader.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser(
        "autograde",
        help="grade every submission in grading/submitted/: autograde, feedback, grades.csv, report",
        description="Autograde every new or changed submission grading/submitted/<student>/<id>/<id>.ipynb with nbgrader, "
        "in parallel; write each student's feedback, grading/grades.csv and grading/report/index.html.",
    )
    grade.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="assignment ids (default: all of them)")
    grade.add_argument("--workers", type=int, default=None, help="submissions graded at a time (default: the number of cores)")
    grade.add_argument("--force", action="store_true", help="grade every submission again, changed or not")
    grade.add_argument("--timeout", type=float, default=None, help="seconds one submission may take (default: 900)")
    grade.add_argument("--course", type=Path, default=ROOT, help="the course folder (default: this repository)")
    grade.add_argument("--db-url", default=None, help="the gradebook (default: nbgrader_config.py's db_url)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be 1 or more")

    from grading import batch

    options = {"timeout": args.timeout} if args.timeout else {}
    try:
        run = batch.run(args.assignments, root=args.course, workers=args.workers, force=args.force,
                        db_url=args.db_url, progress=False if args.quiet else None, **options)
    except batch.BatchError as error:
        print(f"python -m grading autograde: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command again to finish (what was graded is kept)", file=sys.stderr)
        return 130
    course = Path(args.course).resolve()
    print(f"autograded {run.graded}, unchanged {run.unchanged}, could not grade {len(run.failures)} "
          f"({run.seconds:.1f} s, {run.workers} worker(s))")
    for student, assignment, reason in sorted(run.failures):
        print(f"  could not grade {student}/{assignment}".rstrip("/") + f": {reason}")
    for student, assignment, reason in sorted(run.flagged):
        print(f"  flagged for review {student}/{assignment}: {reason}")
    if run.backup:
        print(f"gradebook backed up to {run.backup}")
    print(f"grades: {course / 'grading' / 'grades.csv'}\nreport: {course / 'grading' / 'report' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
