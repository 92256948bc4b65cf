"""The course's one plotting style."""

from __future__ import annotations

import matplotlib as mpl

COURSE_STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "axes.prop_cycle": mpl.cycler(color=["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#6a4c93", "#30638e"]),
}


def use_course_style() -> None:
    """Apply the course's plotting style to every figure that follows (introduced in 01-slope)."""
    mpl.rcParams.update(COURSE_STYLE)


