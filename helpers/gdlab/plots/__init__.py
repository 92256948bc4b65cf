"""Plotting helpers: they only draw data that the optimisers and analyses computed."""

from gdlab.plots.contours import contour_grid, contour_levels, plot_contours, plot_decision_boundary
from gdlab.plots.curves import plot_loss_curves, plot_path_on_curve
from gdlab.plots.style import COURSE_STYLE, use_course_style
from gdlab.plots.sweeps import plot_convergence_map, plot_sweep

__all__ = [
    "contour_grid",
    "contour_levels",
    "COURSE_STYLE",
    "plot_contours",
    "plot_convergence_map",
    "plot_decision_boundary",
    "plot_loss_curves",
    "plot_path_on_curve",
    "plot_sweep",
    "use_course_style",
]
