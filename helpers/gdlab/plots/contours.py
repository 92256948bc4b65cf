"""Contour plots of a loss of two or more parameters, with optimisation paths drawn on top."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory


def _plane(loss: Loss, dims: Sequence[int], center: Any) -> tuple[int, int, np.ndarray]:
    """Check the two coordinates to draw and return them with the point the slice passes through."""
    if loss.dim < 2:
        raise ValueError(f"contour plots need a loss of at least 2 parameters, this one has {loss.dim}")
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= int(d) < loss.dim for d in dims):
        raise ValueError(f"dims must be two different coordinates in 0..{loss.dim - 1}, got {dims!r}")
    if center is None:
        center = np.zeros(loss.dim) if loss.minimum is None else loss.minimum
    c = np.array(center, dtype=float)
    if c.shape != (loss.dim,):
        raise ValueError(f"center must have shape ({loss.dim},), got {c.shape}")
    return int(dims[0]), int(dims[1]), c


def contour_grid(loss: Loss, xlim: tuple[float, float], ylim: tuple[float, float], dims: Sequence[int] = (0, 1),
                 center: Any = None, n: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on an n×n grid over the plane of coordinates `dims` through `center`: X, Y, Z (introduced in 03-learning-rate-sweeps)."""
    i, j, c = _plane(loss, dims, center)
    X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    points = np.broadcast_to(c, X.shape + (loss.dim,)).copy()
    points[..., i], points[..., j] = X, Y
    with np.errstate(all="ignore"):
        Z = np.asarray(loss.value(points), dtype=float)
    return X, Y, Z


def _limits(paths: list[np.ndarray], anchor: np.ndarray, pad: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits that hold every finite path point and the anchor point, with some room around them."""
    pts = np.vstack([anchor[None, :]] + [p[np.all(np.isfinite(p), axis=1)] for p in paths])
    low, high = pts.min(axis=0), pts.max(axis=0)
    size = np.maximum(high - low, 1e-3 * max(1.0, float(np.abs(pts).max())))
    size = np.where(size > 0, size, 1.0)
    low, high = low - pad * size, high + pad * size
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def contour_levels(Z: np.ndarray, n: int = 15) -> np.ndarray:
    """Contour levels for a loss surface: geometric when the loss is positive (they crowd near the minimum), else even."""
    finite = Z[np.isfinite(Z)]
    low, high = float(finite.min()), float(finite.max())
    if low >= 0 and high > 0:
        floor = max(low, high * 1e-4)
        return np.geomspace(floor, high, n)
    return np.linspace(low, high, n)


def plot_contours(loss: Loss, runs: Mapping[str, Trajectory] | None = None, ax: Axes | None = None,
                  dims: Sequence[int] = (0, 1), center: Any = None, xlim: tuple[float, float] | None = None,
                  ylim: tuple[float, float] | None = None, levels: int | Sequence[float] = 15,
                  labels: tuple[str, str] | None = None, title: str = "Contours of the loss with the paths") -> Axes:
    """Contours of a loss over two of its coordinates (a slice through `center` when D > 2), with each run's path (introduced in 03-learning-rate-sweeps).

    The limits default to a box around the paths and the minimum; contour
    levels are geometric for a positive loss so the valley floor shows.
    """
    ax = ax if ax is not None else plt.gca()
    runs = dict(runs or {})
    i, j, c = _plane(loss, dims, center)
    paths = [np.asarray(run.w, dtype=float).reshape(len(run.w), -1)[:, [i, j]] for run in runs.values()]
    anchor = np.array([c[i], c[j]])
    auto_x, auto_y = _limits(paths, anchor)
    xlim, ylim = xlim or auto_x, ylim or auto_y
    X, Y, Z = contour_grid(loss, xlim, ylim, dims=(i, j), center=c)
    lv = contour_levels(Z, levels) if isinstance(levels, int) else np.asarray(levels, dtype=float)
    ax.contour(X, Y, Z, levels=lv, colors="0.55", linewidths=0.8)
    ax.plot([anchor[0]], [anchor[1]], marker="*", markersize=11, color="0.25", linestyle="", label="minimum"
            if loss.minimum is not None and center is None else "slice centre")
    for k, (label, path) in enumerate(zip(runs, paths)):
        finite = path[np.all(np.isfinite(path), axis=1)]
        colour = f"C{k % 6}"
        ax.plot(finite[:, 0], finite[:, 1], marker="o", markersize=2.5, linewidth=1.2, color=colour, label=label)
        if len(finite):
            ax.plot(finite[:1, 0], finite[:1, 1], marker="s", markersize=6, color=colour, linestyle="")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    names = labels or (f"w[{i}]", f"w[{j}]")
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(title)
    ax.legend(loc="best")
    return ax


def plot_decision_boundary(loss: Any, w: Any, ax: Axes | None = None, resolution: int = 120,
                           title: str = "Decision regions and the data") -> Axes:
    """The classes an MLPLoss's network gives each point of the plane (shaded), with its data on top (introduced in 11-network)."""
    ax = ax if ax is not None else plt.gca()
    X, y = loss.X, loss.y
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    scores = loss.forward(w, np.stack([gx.ravel(), gy.ravel()], axis=1))[0][-1]
    ax.contourf(gx, gy, scores.argmax(axis=1).reshape(gx.shape), levels=np.arange(loss.classes + 1) - 0.5,
                cmap="coolwarm", alpha=0.25)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="0.2", linewidths=0.4)
    ax.set(xlabel="x₁", ylabel="x₂", title=title)
    return ax
