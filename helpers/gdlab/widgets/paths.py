"""Path explorers on a two-parameter loss: sliders over lr (and β for momentum), the path on the contours and the loss per step."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdlab.analysis import distance, steps_to_tolerance
from gdlab.losses.base import Loss
from gdlab.optim.gd import gradient_descent
from gdlab.optim.momentum import momentum
from gdlab.optim.trajectory import Trajectory
from gdlab.plots import COURSE_STYLE
from gdlab.plots.contours import plot_contours
from gdlab.widgets.base import BlittedFigure, Demo, widgets


class PathExplorer(Demo):
    """Sliders over lr (and β) for a run on a two-parameter loss: its path on the contours and its loss per step (introduced in 03-learning-rate-sweeps)."""

    def __init__(self, loss: Loss, w0: Any, steps: int = 60, lr: float = 0.018, beta: float | None = None,
                 lr_min: float = 0.001, lr_max: float = 0.025, nesterov: bool = False, tol: float = 1e-6) -> None:
        if loss.dim != 2:
            raise ValueError(f"the path explorer draws two-parameter losses; this loss has {loss.dim}")
        if not lr_min < lr_max:
            raise ValueError(f"lr_min must be below lr_max, got {lr_min} and {lr_max}")
        if not lr_min <= lr <= lr_max:
            raise ValueError(f"lr must lie between lr_min and lr_max, got {lr}")
        self.loss, self.steps, self.nesterov, self.tol = loss, int(steps), bool(nesterov), float(tol)
        self.w0 = np.array(w0, dtype=float)
        self.target = np.zeros(2) if loss.minimum is None else np.asarray(loss.minimum, dtype=float)
        half = np.maximum(1.25 * np.abs(self.w0 - self.target), 1e-3)
        xlim = (self.target[0] - half[0], self.target[0] + half[0])
        ylim = (self.target[1] - half[1], self.target[1] + half[1])
        self.figure = Figure(figsize=(9.0, 3.6), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.path_axes, self.loss_axes = self.figure.subplots(1, 2)
        plot_contours(loss, ax=self.path_axes, xlim=xlim, ylim=ylim, labels=("x", "y"),
                      title="Path on the contours of the loss")
        (self.path_line,) = self.path_axes.plot([], [], marker="o", markersize=2.5, linewidth=1.2, color="#d1495b",
                                                label="path")
        self.path_axes.plot(self.w0[:1], self.w0[1:], marker="s", markersize=6, color="#d1495b", linestyle="")
        self.path_axes.legend(loc="upper right", fontsize=8)
        start = float(loss.value(self.w0))
        (self.loss_line,) = self.loss_axes.semilogy([], [], color="#1b6ca8", label="loss")
        self.loss_axes.set(xlim=(0, self.steps), ylim=(max(start, 1e-300) * 1e-14, max(start, 1e-300) * 1e6),
                           xlabel="step", ylabel="loss (log scale)", title="Loss against step")
        self.lr_slider = widgets.FloatLogSlider(value=lr, min=np.log10(lr_min), max=np.log10(lr_max), step=0.01,
                                                description="lr", readout_format=".4f", continuous_update=True,
                                                layout=widgets.Layout(width="60%"))
        self.beta_slider = None
        if beta is not None:
            self.beta_slider = widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="β",
                                                   readout_format=".2f", continuous_update=True,
                                                   layout=widgets.Layout(width="60%"))
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.path_line, self.loss_line])
        self.lr_slider.observe(lambda change: self.update(lr=change["new"]), names="value")
        if self.beta_slider is not None:
            self.beta_slider.observe(lambda change: self.update(beta=change["new"]), names="value")
        self.update(lr=lr, beta=beta)

    @property
    def sliders(self) -> list:
        """The demo's sliders: lr, and β when momentum is on."""
        return [self.lr_slider] + ([self.beta_slider] if self.beta_slider is not None else [])

    def compute(self, lr: float, beta: float | None) -> Trajectory:
        """The run for these slider values: gradient descent, or momentum when β is given."""
        if beta is None:
            return gradient_descent(self.loss, self.w0, lr, self.steps)
        return momentum(self.loss, self.w0, lr, self.steps, beta=beta, nesterov=self.nesterov)

    def update(self, lr: float | None = None, beta: float | None = None) -> None:
        """Run with the current slider values (overridden by the arguments) and redraw both panels."""
        lr = float(self.lr_slider.value if lr is None else lr)
        if self.beta_slider is not None:
            beta = float(self.beta_slider.value if beta is None else beta)
        run = self.compute(lr, beta)
        self.path_line.set_data(run.w[:, 0], run.w[:, 1])
        self.loss_line.set_data(np.arange(self.steps + 1), np.clip(run.loss, 1e-300, 1e300))
        reached = steps_to_tolerance(run, self.target, self.tol * float(distance(run, self.target)[0]))
        name = f"lr = {lr:.4f}" + (f", β = {beta:.2f}" if beta is not None else "")
        if run.diverged:
            tail = f"diverged (overflow at step {run.stopped_at})"
        else:
            tail = f"final loss {run.loss[-1]:.3g}; " + (
                f"error shrunk by 1e6 after {reached} steps" if reached is not None
                else f"error not yet shrunk by 1e6 in {self.steps} steps")
        self.readout.value = f"{name}: {tail}"
        self.run = run
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return list(self.sliders)


def ravine_explorer(loss: Loss, w0: Any, steps: int = 60, lr: float = 0.018, lr_min: float = 0.001,
                    lr_max: float = 0.025) -> PathExplorer:
    """A learning-rate slider for gradient descent on a two-parameter loss: path on the contours, loss per step (introduced in 03-learning-rate-sweeps)."""
    return PathExplorer(loss, w0, steps=steps, lr=lr, lr_min=lr_min, lr_max=lr_max)


def momentum_explorer(loss: Loss, w0: Any, steps: int = 60, lr: float = 0.018, beta: float = 0.0,
                      lr_min: float = 0.001, lr_max: float = 0.06, nesterov: bool = False) -> PathExplorer:
    """Sliders over lr and β for heavy-ball momentum (or Nesterov) on a two-parameter loss (introduced in 05-momentum)."""
    return PathExplorer(loss, w0, steps=steps, lr=lr, beta=beta, lr_min=lr_min, lr_max=lr_max, nesterov=nesterov)
