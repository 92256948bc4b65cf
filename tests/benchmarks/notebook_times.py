"""Headless execution time of each solution notebook next to an empty notebook that only runs its setup cell.

The course promises that every notebook runs top to bottom within NOTEBOOK_BUDGET_SECONDS (kernel start
included): the median of the runs is held to it, and the command exits 1 naming any notebook over it."""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.coursekit import ROOT, assignment_ids, read

NOTEBOOK_BUDGET_SECONDS = 10.0


def execute_seconds(nb, folder: Path) -> float:
    """Wall time to start a kernel in `folder`, run every cell of `nb` and shut the kernel down."""
    start = time.perf_counter()
    NotebookClient(copy.deepcopy(nb), timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def setup_only(nb) -> nbformat.NotebookNode:
    """The notebook cut down to its first code cell: the imports, and nothing else."""
    empty = copy.deepcopy(nb)
    empty.cells = [next(c for c in nb.cells if c.cell_type == "code")]
    return empty


def main(argv: list[str] | None = None) -> int:
    """Print the median of `--runs` executions of every notebook and of its imports-only twin; 1 if one is over budget."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("assignments", nargs="*")
    args = parser.parse_args(argv)
    print(f"{'notebook':<28} {'full (s)':>9} {'imports only (s)':>17} {'difference (s)':>15}   (medians of {args.runs} runs)")
    over = []
    for assignment in args.assignments or assignment_ids():
        path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
        nb = read(path)
        full = statistics.median(execute_seconds(nb, path.parent) for _ in range(args.runs))
        bare = statistics.median(execute_seconds(setup_only(nb), path.parent) for _ in range(args.runs))
        print(f"{assignment:<28} {full:9.2f} {bare:17.2f} {full - bare:15.2f}")
        if full > NOTEBOOK_BUDGET_SECONDS:
            over.append(f"{assignment} ({full:.1f} s)")
    if over:
        print(f"over the {NOTEBOOK_BUDGET_SECONDS:.0f} s budget: {', '.join(over)}")
        return 1
    print(f"every notebook within the {NOTEBOOK_BUDGET_SECONDS:.0f} s budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
