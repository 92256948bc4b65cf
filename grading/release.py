"""Regenerate the student notebooks in notebooks/ from solutions/ with nbgrader's generate_assignment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.course import ROOT, assignment_ids, course_api


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


def release(ids: list[str], root: Path | str = ROOT) -> list[Path]:
    """Generate the student version of each assignment into <root>/notebooks/<id>/ and return their paths."""
    api = course_api(root)
    made = []
    for assignment in ids:
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader could not generate {assignment}:\n{result.get('error') or result.get('log')}")
        made.append(Path(root) / "notebooks" / assignment / f"{assignment}.ipynb")
    return made


def main(argv: list[str] | None = None) -> int:
    """Command line: python -m grading.release [ASSIGNMENT ...] (all assignments by default)."""
    parser = argparse.ArgumentParser(prog="python -m grading.release", description=__doc__)
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every folder in solutions/)")
    args = parser.parse_args(argv)
    try:
        for path in release(args.assignments or assignment_ids()):
            print(f"released {path.relative_to(ROOT)}")
    except ReleaseError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
