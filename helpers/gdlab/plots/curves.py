"""Loss curves and paths of one-parameter runs: labelled axes, titles, legends, log scales for losses."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory

def _axes(ax: Axes | None) -> Axes:
    """The given axes, or the current pyplot axes."""
    return ax if ax is not None else plt.gca()


def plot_loss_curves(runs: Mapping[str, Trajectory], ax: Axes | None = None, log: bool = True,
                     title: str = "Loss against step") -> Axes:
    """Loss against step for several labelled runs on one figure, log-scaled by default (introduced in 02-first-steps).

    Zero losses cannot be drawn on a log scale, so they are drawn at the
    smallest double (about 1e-308) and the axis is clipped to 1e-17; a diverging
    run is drawn up to 1e150 (beyond, the log axis's margins would overflow).
    """
    ax = _axes(ax)
    for label, run in runs.items():
        loss = np.asarray(run.loss, dtype=float)
        shown = np.clip(np.where(loss > 0, loss, np.finfo(float).tiny), None, 1e150) if log else loss
        ax.plot(np.arange(len(loss)), shown, marker="o", markersize=3, label=label)
    if log:
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, 1e-17), high)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if len(runs) > 1:
        ax.legend()
    return ax


def plot_path_on_curve(loss: Loss, run: Trajectory, ax: Axes | None = None, span: float | None = None,
                       title: str = "Path of w on the loss curve") -> Axes:
    """A one-parameter loss curve with the run's weights marked and joined in order (introduced in 02-first-steps)."""
    ax = _axes(ax)
    w = np.asarray(run.w, dtype=float)
    finite = w[np.isfinite(w)]
    centre = float(np.mean([finite.min(), finite.max()])) if finite.size else 0.0
    half = span if span is not None else max(1.0, 0.6 * float(np.ptp(finite)) if finite.size else 1.0)
    grid = np.linspace(centre - half, centre + half, 400)
    ax.plot(grid, loss.value(grid), color="0.6", linewidth=1.5, label="loss")
    ax.plot(finite, loss.value(finite), marker="o", markersize=4, color="C1", label="w after each step")
    if finite.size:
        ax.plot(finite[:1], loss.value(finite[:1]), marker="s", markersize=8, color="C0", linestyle="", label="start")
    ax.set_xlabel("w")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    return ax
