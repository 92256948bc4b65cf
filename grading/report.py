"""The class overview in grading/report/: score distribution per assignment, pass rate per graded cell, failures."""

from __future__ import annotations

import html
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from grading.export import Grades


@dataclass
class RunSummary:
    """What one batch did."""

    graded: int = 0
    feedback_only: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (student, assignment, reason)
    seconds: float = 0.0
    workers: int = 0
    backup: Path | None = None
    lock_wait: float = 0.0
    flagged: list[tuple[str, str, str]] = field(default_factory=list)  # (student, assignment, reason): review by hand
    longest: tuple[float, str, str] = (0.0, "", "")  # (seconds, student, assignment): the longest a submission held a worker
    peak_rss_mb: float = 0.0  # the largest resident memory of any one grading process (worker or kernel)


def pass_rates(grades: Grades, assignment: str) -> list[tuple[str, float, float, int]]:
    """For each graded cell: (column, share of graded students with full marks, mean score, points)."""
    graded = [s for (st, a), s in grades.scores.items() if a == assignment]
    rows = []
    for cell in grades.cells[assignment]:
        got = [s.get((cell.notebook, cell.grade_id), 0.0) for s in graded]
        full = sum(g >= cell.max_score for g in got)
        label = grades.column(assignment, cell).split("/", 1)[1]  # notebook/grade_id when the assignment has several
        rows.append((label, full / len(got) if got else 0.0, statistics.fmean(got) if got else 0.0, cell.max_score))
    return rows


def totals(grades: Grades, assignment: str) -> list[float]:
    """The total scores of the students graded on an assignment."""
    return sorted(grades.total(st, a) for (st, a) in grades.scores if a == assignment)


def plot_assignment(grades: Grades, assignment: str, path: Path) -> Path:
    """Save the figure of one assignment: histogram of totals, and pass rate per graded cell."""
    from matplotlib.figure import Figure

    scores, rates = totals(grades, assignment), pass_rates(grades, assignment)
    top = grades.max_total(assignment)
    figure = Figure(figsize=(11, 0.9 + 0.45 * max(4, len(rates))), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.3])
    edges = [x - 0.5 for x in range(int(top) + 2)] if float(top).is_integer() else 12
    left.hist(scores, bins=edges, color="#3b75af", edgecolor="white")
    left.set(title=f"{assignment}: total score ({len(scores)} graded)", xlabel=f"points (out of {top:g})", ylabel="students")
    left.set_xlim(-0.6, top + 0.6)
    names = [r[0] for r in rates][::-1]
    values = [100 * r[1] for r in rates][::-1]
    right.barh(names, values, color=["#c44e52" if v < 50 else "#55a868" for v in values])
    right.set(title="full marks per graded cell", xlabel="% of graded students", xlim=(0, 100))
    for y, v in enumerate(values):
        right.text(min(v + 1, 88), y, f"{v:.0f}%", va="center", fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    return path


def write_report(grades: Grades, run: RunSummary, folder: Path, csv_name: str = "grades.csv") -> Path:
    """Write folder/index.html with its figures and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>gdlab grading report</title><style>"
        "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}"
        "td.n{text-align:right}.bad{color:#b00}img{max-width:100%}</style></head><body>",
        "<h1>gdlab grading report</h1>",
        f"<p>{e(time.strftime('%Y-%m-%d %H:%M'))}: this run autograded {run.graded} submission(s)"
        f"{f', regenerated {run.feedback_only} feedback page(s)' if run.feedback_only else ''}, "
        f"left {run.unchanged} unchanged one(s) alone, and could not grade {len(run.failures)}; "
        f"{run.seconds:.1f} s with {run.workers} worker(s)"
        f"{f', which waited {run.lock_wait:.1f} s in all for the gradebook lock' if run.workers else ''}.",
        f" Gradebook backed up to <code>{e(str(run.backup))}</code>." if run.backup else "",
        f" Grades: <a href='../{e(csv_name)}'>{e(csv_name)}</a>.</p>",
        "<h2>Could not grade</h2>",
    ]
    if run.failures:
        parts.append("<table><tr><th>student</th><th>assignment</th><th>why</th></tr>")
        parts += [f"<tr><td>{e(s)}</td><td>{e(a)}</td><td class='bad'>{e(r)}</td></tr>" for s, a, r in sorted(run.failures)]
        parts.append("</table>")
    else:
        parts.append("<p>None: every submission was graded.</p>")
    parts.append("<h2>Flagged for review</h2>")
    if run.flagged:
        parts.append("<p>Graded, but look at these by hand: their cells are marked as needing a manual grade in the "
                     "gradebook (formgrader lists them).</p><table><tr><th>student</th><th>assignment</th><th>why</th></tr>")
        parts += [f"<tr><td>{e(s)}</td><td>{e(a)}</td><td class='bad'>{e(r)}</td></tr>" for s, a, r in sorted(run.flagged)]
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    if run.longest[0]:
        seconds, student, assignment = run.longest
        parts.append(f"<p>Longest any one submission held a worker: {seconds:.1f} s ({e(student)}/{e(assignment)}); "
                     f"largest memory of one grading process: {run.peak_rss_mb:.0f} MiB.</p>")
    for assignment in grades.cells:
        scores = totals(grades, assignment)
        top = grades.max_total(assignment)
        parts.append(f"<h2>{e(assignment)}</h2>")
        if not scores:
            parts.append("<p>No graded submissions yet.</p>")
            continue
        image = plot_assignment(grades, assignment, folder / f"{assignment}.png")
        parts.append(
            f"<p>{len(scores)} graded; mean {statistics.fmean(scores):.2f}, median {statistics.median(scores):g}, "
            f"min {min(scores):g}, max {max(scores):g} out of {top:g} points; "
            f"{sum(s >= top for s in scores)} with full marks.</p>"
            f"<img src='{e(image.name)}' alt='score distribution and pass rates of {e(assignment)}'>"
            "<table><tr><th>graded cell</th><th>points</th><th>full marks</th><th>mean score</th></tr>"
        )
        for name, rate, mean, points in pass_rates(grades, assignment):
            parts.append(f"<tr><td>{e(name)}</td><td class='n'>{points:g}</td><td class='n'>{100 * rate:.0f}%</td>"
                         f"<td class='n'>{mean:.2f}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    page = folder / "index.html"
    page.write_text("".join(parts))
    return page
