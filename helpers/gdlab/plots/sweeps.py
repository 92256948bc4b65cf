"""Learning-rate sweeps and convergence maps: final loss against lr, and the (lr, β) plane of momentum."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes


def plot_sweep(lrs: Any, final_losses: Any, ax: Axes | None = None, label: str | None = None,
               title: str = "Final loss against learning rate", marks: dict[str, float] | None = None,
               floor: float = 1e-30) -> Axes:
    """Final loss against learning rate on log-log axes; diverged runs (inf) drawn as crosses at the top (introduced in 03-learning-rate-sweeps).

    `marks` draws labelled vertical lines, e.g. {"1/h": 0.25, "2/h": 0.5}.
    Losses below `floor` (including exact zeros) are drawn at `floor`, so the
    axis shows the useful range rather than 1e-300.
    """
    ax = ax if ax is not None else plt.gca()
    lrs = np.asarray(lrs, dtype=float)
    final = np.asarray(final_losses, dtype=float)
    if lrs.shape != final.shape:
        raise ValueError(f"lrs and final_losses must have the same shape, got {lrs.shape} and {final.shape}")
    finite = np.isfinite(final)
    shown = np.maximum(final, floor)
    (line,) = ax.loglog(lrs[finite], shown[finite], marker="o", markersize=3, label=label or "final loss")
    if (~finite).any():
        top = max(float(shown[finite].max()) * 10 if finite.any() else 1.0, 1.0)
        ax.loglog(lrs[~finite], np.full((~finite).sum(), top), marker="x", linestyle="", color=line.get_color(),
                  label="overflowed (diverged)")
    for k, (name, value) in enumerate((marks or {}).items()):
        ax.axvline(value, color=f"C{(k + 1) % 6}", linestyle="--", linewidth=1.2, label=name)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("final loss (log scale)")
    ax.set_title(title)
    if marks or (~finite).any() or label:
        ax.legend(loc="best")
    return ax


def plot_convergence_map(lrs: Any, betas: Any, factors: Any, ax: Axes | None = None,
                         edges: Sequence[tuple[str, Any]] = (), title: str = "Heavy ball: error factor per step") -> Axes:
    """The factor per step over the (lr, β) plane: colours below 1, grey where it diverges, the edge factor = 1 in black (introduced in 05-momentum).

    `edges` draws extra labelled curves as (label, lr values per beta), e.g. a theoretical edge.
    """
    ax = ax if ax is not None else plt.gca()
    lrs, betas, factors = (np.asarray(a, dtype=float) for a in (lrs, betas, factors))
    if factors.shape != (betas.size, lrs.size):
        raise ValueError(f"factors must have shape (len(betas), len(lrs)) = {(betas.size, lrs.size)}, got {factors.shape}")
    shown = np.ma.masked_where(~(factors < 1), factors)
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.85")
    mesh = ax.pcolormesh(lrs, betas, shown, cmap=cmap, vmin=float(np.nanmin(factors)) if np.isfinite(factors).any() else 0,
                         vmax=1.0, shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="factor per step (grey: diverges)")
    ax.contour(lrs, betas, factors, levels=[1.0], colors="black", linewidths=1.5)
    ax.plot([], [], color="black", label="edge: factor = 1")
    for k, (label, values) in enumerate(edges):
        ax.plot(np.asarray(values, dtype=float), betas, linestyle="--", color=f"C{(k + 1) % 6}", label=label)
    ax.set_xlim(lrs.min(), lrs.max())
    ax.set_ylim(betas.min(), betas.max())
    ax.set_xlabel("learning rate")
    ax.set_ylabel("β (momentum)")
    ax.set_title(title)
    ax.legend(loc="upper left")
    return ax
