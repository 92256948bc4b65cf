"""The saddle-escape explorer: sliders over the perturbation ε and the learning rate, GD leaving the saddle of x² − y²."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from gdlab.losses.saddle import Saddle
from gdlab.plots import COURSE_STYLE
from gdlab.stationary import MAX_ESCAPE_STEPS, escape_run
from gdlab.widgets.base import BlittedFigure, Demo, widgets


class SaddleEscapeExplorer(Demo):
    """Sliders over log10 ε and lr: the GD path off the saddle of x² − y² and |y| per step against the prediction (introduced in 06-saddles-plateaus)."""

    def __init__(self, log_eps: float = -4.0, lr: float = 0.1) -> None:
        self.loss = Saddle(1.0, 1.0)
        self.figure = Figure(figsize=(9.0, 3.6), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.path_axes, self.y_axes = self.figure.subplots(1, 2)
        grid = np.linspace(-1.3, 1.3, 121)
        X, Y = np.meshgrid(grid, grid)
        self.path_axes.contour(X, Y, self.loss.value(np.stack([X, Y], axis=-1)), levels=np.linspace(-1.6, 1.6, 17),
                               colors="0.65", linewidths=0.8)
        self.path_axes.plot([0.0], [0.0], marker="x", markersize=9, color="0.2", linestyle="", label="saddle (0, 0)")
        (self.path_line,) = self.path_axes.plot([], [], marker="o", markersize=2.5, linewidth=1.2, color="#d1495b",
                                                label="GD path from (1, ε)")
        self.path_axes.set(xlim=(-1.3, 1.3), ylim=(-1.3, 1.3), xlabel="x", ylabel="y",
                           title="x² − y²: in along x, out along y")
        self.path_axes.legend(loc="lower left", fontsize=8)
        (self.y_line,) = self.y_axes.semilogy([], [], color="#1b6ca8", label="|y| after each step")
        self.y_axes.axhline(1.0, color="0.4", linewidth=1, linestyle=":", label="|y| = 1: escaped")
        self.predicted_line = self.y_axes.axvline(0.0, color="#edae49", linestyle="--",
                                                  label="prediction log(1/ε)/log(1 + 2·lr)")
        self.y_axes.set(xlim=(0, MAX_ESCAPE_STEPS), ylim=(1e-13, 10.0), xlabel="step", ylabel="|y| (log scale)",
                        title="Escape from the saddle")
        self.y_axes.legend(loc="lower right", fontsize=8)
        self.eps_slider = widgets.FloatSlider(value=log_eps, min=-12.0, max=-1.0, step=0.5, description="log10 ε",
                                              readout_format=".1f", continuous_update=True)
        self.lr_slider = widgets.FloatSlider(value=lr, min=0.05, max=0.4, step=0.01, description="lr",
                                             readout_format=".2f", continuous_update=True)
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.path_line, self.y_line, self.predicted_line])
        for slider in (self.eps_slider, self.lr_slider):
            slider.observe(lambda change: self.update(self.eps_slider.value, self.lr_slider.value), names="value")
        self.update(log_eps, lr)

    def update(self, log_eps: float, lr: float) -> None:
        """Run GD from (1, 10^log_eps) at this rate and redraw both panels."""
        eps = 10.0 ** log_eps
        run, measured, predicted = escape_run(eps, lr)
        inside = np.all(np.abs(run.w) <= 1.6, axis=1)
        self.path_line.set_data(run.w[inside, 0], run.w[inside, 1])
        self.y_line.set_data(np.arange(len(run.w)), np.maximum(np.abs(run.w[:, 1]), 1e-300))
        self.predicted_line.set_xdata([predicted, predicted])
        self.run, self.measured, self.predicted = run, measured, predicted
        self.readout.value = (f"ε = {eps:.1e}, lr = {lr:.2f}: |y| reaches 1 after {measured} steps; "
                              f"prediction log(1/ε)/log(1 + 2·lr) = {predicted:.1f}")
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.eps_slider, self.lr_slider]


def saddle_escape_explorer(log_eps: float = -4.0, lr: float = 0.1) -> SaddleEscapeExplorer:
    """Sliders over log10 ε and lr showing GD escape the saddle of x² − y² from (1, ε) (introduced in 06-saddles-plateaus)."""
    return SaddleEscapeExplorer(log_eps=log_eps, lr=lr)
