"""The learning-rate explorer: a slider over the rate, the path on the loss curve and the loss per step."""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from gdlab.analysis import classify
from gdlab.losses.base import Loss
from gdlab.optim.gd import gradient_descent
from gdlab.plots import COURSE_STYLE
from gdlab.widgets.base import BlittedFigure, Demo, widgets


class LearningRateExplorer(Demo):
    """A learning-rate slider over a one-parameter loss: the path on the curve and the loss per step (introduced in 02-first-steps)."""

    def __init__(self, loss: Loss, w0: float, steps: int = 20, lr: float = 0.1,
                 lr_min: float = 0.01, lr_max: float = 1.2, span: float | None = None) -> None:
        if loss.dim != 1:
            raise ValueError(f"the learning-rate explorer draws one-parameter losses; this loss has {loss.dim}")
        if not lr_min < lr_max:
            raise ValueError(f"lr_min must be below lr_max, got {lr_min} and {lr_max}")
        self.loss, self.w0, self.steps = loss, float(w0), int(steps)
        centre = 0.0 if loss.minimum is None else float(loss.minimum)
        half = span if span is not None else 1.6 * abs(self.w0 - centre)
        self.figure = Figure(figsize=(9.0, 3.4), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.path_axes, self.loss_axes = self.figure.subplots(1, 2)
        grid = np.linspace(centre - max(half, 1.0), centre + max(half, 1.0), 300)
        self.path_axes.plot(grid, loss.value(grid), color="0.6", linewidth=1.5, label="loss")
        (self.path_line,) = self.path_axes.plot([], [], marker="o", markersize=4, color="#d1495b", label="w after each step")
        self.path_axes.set(xlim=(grid[0], grid[-1]), ylim=(-0.05 * loss.value(grid).max(), 1.05 * loss.value(grid).max()),
                           xlabel="w", ylabel="loss", title="Path of w on the loss curve")
        self.path_axes.legend(loc="upper center", frameon=False, fontsize=8)
        (self.loss_line,) = self.loss_axes.semilogy([], [], marker="o", markersize=3, color="#1b6ca8")
        self.loss_axes.set(xlim=(0, self.steps), ylim=(1e-12, 1e8), xlabel="step", ylabel="loss (log scale)",
                           title="Loss against step (zero drawn at the bottom)")
        self.slider = widgets.FloatSlider(value=lr, min=lr_min, max=lr_max, step=0.01, description="lr",
                                          readout_format=".2f", continuous_update=True,
                                          layout=widgets.Layout(width="60%"))
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.path_line, self.loss_line])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(lr)

    def update(self, lr: float) -> None:
        """Run gradient descent at this rate and redraw both panels."""
        run = gradient_descent(self.loss, self.w0, lr, self.steps)
        steps = np.arange(self.steps + 1)
        self.path_line.set_data(run.w, self.loss.value(run.w))
        self.loss_line.set_data(steps, np.clip(run.loss, 1e-12, 1e8))
        self.readout.value = f"lr = {lr:.2f}: {classify(run)}, final loss {run.loss[-1]:.3g}"
        self.run = run
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.slider]


def learning_rate_explorer(loss: Loss, w0: float, steps: int = 20, lr: float = 0.1,
                           lr_min: float = 0.01, lr_max: float = 1.2, span: float | None = None) -> LearningRateExplorer:
    """A learning-rate slider drawing the path of w on the loss curve and the loss per step (introduced in 02-first-steps)."""
    return LearningRateExplorer(loss, w0, steps=steps, lr=lr, lr_min=lr_min, lr_max=lr_max, span=span)
