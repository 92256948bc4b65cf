"""The mini-batch explorer: a batch-size slider showing the spread of mini-batch gradients and the loss per example processed."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdlab._checks import check_count, check_point, check_positive_number, check_seed
from gdlab.losses.least_squares import LeastSquares
from gdlab.losses.minibatch import MiniBatchGradient
from gdlab.optim.gd import gradient_descent
from gdlab.plots import COURSE_STYLE
from gdlab.sampling import gradient_cloud
from gdlab.widgets.base import BlittedFigure, Demo, widgets

BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


class MiniBatchExplorer(Demo):
    """A batch-size slider over a least-squares problem: mini-batch gradients around the full gradient, and loss per example processed (introduced in 08-stochastic)."""

    def __init__(self, loss: LeastSquares, w0: Any, lr: float = 0.05, epochs: int = 4, batch_size: int = 10,
                 seed: int = 0, draws: int = 200) -> None:
        if not isinstance(loss, LeastSquares):
            raise TypeError(f"loss must be a LeastSquares problem, got {type(loss).__name__}")
        if loss.dim < 2:
            raise ValueError("the explorer draws the first two gradient components: it needs 2 or more parameters")
        self.loss, self.w0 = loss, check_point(w0, loss.dim)
        self.epochs, self.seed, self.draws = check_count(epochs, "epochs"), check_seed(seed), check_count(draws, "draws")
        self.sizes = [b for b in BATCH_SIZES if b <= loss.n and loss.n % b == 0]
        if loss.n not in self.sizes:
            self.sizes.append(loss.n)
        if batch_size not in self.sizes:
            raise ValueError(f"batch_size must be one of {self.sizes} (sizes that divide N), got {batch_size!r}")
        self.full = np.atleast_1d(loss.grad(self.w0))
        self.low = loss.minimum_value
        budget = self.epochs * loss.n

        self.figure = Figure(figsize=(9.5, 3.6), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.cloud_axes, self.loss_axes = self.figure.subplots(1, 2)
        widest = gradient_cloud(loss, self.w0, 1, draws=self.draws, seed=self.seed)[:, :2]
        half = np.maximum(3.0 * widest.std(axis=0), 1e-9)
        (self.cloud,) = self.cloud_axes.plot([], [], "o", markersize=3, alpha=0.5, color="#1b6ca8",
                                             label="mini-batch gradients")
        (star,) = self.cloud_axes.plot(self.full[:1], self.full[1:2], "*", markersize=14, color="#d1495b",
                                       markeredgecolor="white", label="full-batch gradient")
        self.cloud_axes.set(xlim=(self.full[0] - half[0], self.full[0] + half[0]),
                            ylim=(self.full[1] - half[1], self.full[1] + half[1]),
                            xlabel="gradient component 1", ylabel="gradient component 2",
                            title="Gradient estimates at w₀")
        self.cloud_axes.legend(loc="upper right")

        start = float(loss.value(self.w0)) - self.low
        gd = gradient_descent(loss, self.w0, lr, self.epochs)
        self.loss_axes.semilogy(np.arange(self.epochs + 1) * loss.n, np.maximum(gd.loss - self.low, 1e-16),
                                marker="o", color="0.55", label="full batch (one step per epoch)")
        (self.sgd_line,) = self.loss_axes.semilogy([], [], color="#d1495b", label="mini-batch SGD")
        self.loss_axes.set(xlim=(0, budget), ylim=(max(start, 1e-12) * 1e-5, max(start, 1e-12) * 3),
                           xlabel="examples processed", ylabel="loss − lowest loss (log scale)",
                           title="Progress per example processed")
        self.loss_axes.legend(loc="lower left")
        self.lr = check_positive_number(lr, "lr")
        self.slider = widgets.SelectionSlider(options=self.sizes, value=batch_size, description="batch size",
                                              continuous_update=False)
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.cloud, star, self.sgd_line])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(batch_size)

    def update(self, batch_size: int) -> None:
        """Redraw the cloud of mini-batch gradients and run SGD for the same number of examples at this batch size."""
        batch_size = int(batch_size)
        cloud = gradient_cloud(self.loss, self.w0, batch_size, draws=self.draws, seed=self.seed)
        self.cloud.set_data(cloud[:, 0], cloud[:, 1])
        steps = self.epochs * self.loss.n // batch_size
        self.run = gradient_descent(MiniBatchGradient(self.loss, batch_size, seed=self.seed), self.w0, self.lr, steps)
        self.sgd_line.set_data(np.arange(steps + 1) * batch_size, np.maximum(self.run.loss - self.low, 1e-16))
        measured = float(np.mean(np.sum((cloud - self.full) ** 2, axis=1)))
        theory = self.loss.minibatch_variance(self.w0, batch_size)
        ending = "diverged" if self.run.diverged else f"loss − lowest {self.run.loss[-1] - self.low:.3g}"
        self.readout.value = (f"B = {batch_size}: {steps} steps for {self.epochs} epochs; gradient variance at w₀ "
                              f"{measured:.3g} (theory {theory:.3g}); after {self.epochs * self.loss.n} examples: {ending}")
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.slider]
