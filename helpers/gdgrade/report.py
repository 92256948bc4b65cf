"""The class overview in grading/report/: score distribution per assignment, pass rate per graded cell, failures."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from gdgrade.export import Grades


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
    """Write folder/index.html (templates/report.html.j2, every value autoescaped) with its figures and return its path."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for assignment in grades.cells:
        scores, top = totals(grades, assignment), grades.max_total(assignment)
        section = {"name": assignment, "count": len(scores)}
        if scores:
            section.update(image=plot_assignment(grades, assignment, folder / f"{assignment}.png").name,
                           mean=statistics.fmean(scores), median=f"{statistics.median(scores):g}", low=f"{min(scores):g}",
                           high=f"{max(scores):g}", top=f"{top:g}", full=sum(s >= top for s in scores),
                           rates=[(name, rate, mean, f"{points:g}") for name, rate, mean, points in pass_rates(grades, assignment)])
        sections.append(section)
    templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                            autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    page = folder / "index.html"
    page.write_text(templates.get_template("report.html.j2").render(
        run=run, when=time.strftime("%Y-%m-%d %H:%M"), csv_name=csv_name, assignments=sections))
    return page
