"""The (lr, β) map of heavy-ball momentum with a movable point: where it converges, and how the run at that point goes."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdlab._checks import check_curvatures
from gdlab.losses.quadratic import Quadratic
from gdlab.optim.momentum import momentum
from gdlab.plots import COURSE_STYLE
from gdlab.plots.sweeps import plot_convergence_map
from gdlab.regions import convergence_map, heavy_ball_edge, momentum_factor
from gdlab.widgets.base import BlittedFigure, Demo, widgets


class RegionMapExplorer(Demo):
    """Sliders over (lr, β): the point on the heavy-ball convergence map and the loss of a run there (introduced in 05-momentum)."""

    def __init__(self, curvatures: Any = (1.0, 100.0), lr: float = 0.02, beta: float = 0.5, steps: int = 100,
                 lr_max: float | None = None, n: int = 121) -> None:
        h = check_curvatures(curvatures, "curvatures")
        self.h, self.steps = h, int(steps)
        self.loss = Quadratic(np.diag(h), np.zeros(h.size)) if h.size > 1 else Quadratic(h[0], 0.0)
        self.w0 = np.ones(h.size) if h.size > 1 else 1.0
        lr_max = float(lr_max) if lr_max is not None else 4.2 / h.max()
        self.lrs = np.linspace(lr_max / n, lr_max, n)
        self.betas = np.linspace(0.0, 0.98, n)
        factors = convergence_map(self.lrs, self.betas, h)
        self.figure = Figure(figsize=(9.5, 3.6), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.map_axes, self.loss_axes = self.figure.subplots(1, 2)
        plot_convergence_map(self.lrs, self.betas, factors, ax=self.map_axes,
                             edges=[("theory: lr = 2(1+β)/h_max", heavy_ball_edge(self.betas, h))],
                             title="Heavy ball: factor per step")
        (self.point,) = self.map_axes.plot([], [], marker="o", markersize=9, color="#d1495b", linestyle="")
        (self.loss_line,) = self.loss_axes.semilogy([], [], color="#1b6ca8")
        start = float(self.loss.value(self.w0))
        self.loss_axes.set(xlim=(0, self.steps), ylim=(start * 1e-16, start * 1e8), xlabel="step",
                           ylabel="loss (log scale)", title="Loss of the run at the red point")
        self.lr_slider = widgets.FloatSlider(value=lr, min=float(self.lrs[0]), max=lr_max, step=lr_max / 400,
                                             description="lr", readout_format=".4f", continuous_update=True,
                                             layout=widgets.Layout(width="60%"))
        self.beta_slider = widgets.FloatSlider(value=beta, min=0.0, max=0.98, step=0.01, description="β",
                                               readout_format=".2f", continuous_update=True,
                                               layout=widgets.Layout(width="60%"))
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.point, self.loss_line])
        self.lr_slider.observe(lambda change: self.update(lr=change["new"]), names="value")
        self.beta_slider.observe(lambda change: self.update(beta=change["new"]), names="value")
        self.update(lr=lr, beta=beta)

    def update(self, lr: float | None = None, beta: float | None = None) -> None:
        """Move the point to (lr, β), rerun heavy ball there and redraw."""
        lr = float(self.lr_slider.value if lr is None else lr)
        beta = float(self.beta_slider.value if beta is None else beta)
        factor = float(momentum_factor(lr, beta, self.h))
        run = momentum(self.loss, self.w0, lr, self.steps, beta=beta)
        self.point.set_data([lr], [beta])
        self.loss_line.set_data(np.arange(self.steps + 1), np.clip(run.loss, 1e-300, 1e300))
        verdict = "converges" if factor < 1 else "diverges" if factor > 1 else "on the edge"
        self.readout.value = f"lr = {lr:.4f}, β = {beta:.2f}: factor per step {factor:.4f} ({verdict})"
        self.run = run
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.lr_slider, self.beta_slider]


def region_map_explorer(curvatures: Any = (1.0, 100.0), lr: float = 0.02, beta: float = 0.5,
                        steps: int = 100) -> RegionMapExplorer:
    """Sliders over (lr, β) on the heavy-ball convergence map, with the loss of the run at that point (introduced in 05-momentum)."""
    return RegionMapExplorer(curvatures, lr=lr, beta=beta, steps=steps)
