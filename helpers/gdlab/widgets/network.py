"""The network explorer: sliders over lr, optimiser, batch size and hidden width; a short run redraws the decision regions and the loss."""

from __future__ import annotations

import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gdlab.losses import MiniBatchGradient, MLPLoss
from gdlab.plots import COURSE_STYLE
from gdlab.plots.contours import plot_decision_boundary
from gdlab.training import train
from gdlab.widgets.base import Demo, canvas_png, widgets


class NetworkExplorer(Demo):
    """Train a one-hidden-layer network on (X, y) for `steps` steps with the chosen settings, and draw what it learned (introduced in 11-network)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, steps: int = 200, lr: float = 0.05, optimizer: str = "adam",
                 batch: str = "all", width: int = 16) -> None:
        self.X, self.y, self.steps = np.asarray(X, dtype=float), np.asarray(y), int(steps)
        self.lr_slider = widgets.FloatLogSlider(value=lr, min=-3, max=1, step=0.05, description="lr", readout_format=".3f",
                                                continuous_update=False)
        self.optimizer_picker = widgets.Dropdown(options=["gd", "momentum", "adam"], value=optimizer, description="optimiser")
        self.batch_picker = widgets.Dropdown(options=["all", "50", "10"], value=batch, description="batch")
        self.width_picker = widgets.Dropdown(options=[2, 4, 8, 16, 32], value=width, description="width")
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.figure = Figure(figsize=(9.5, 3.8), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self.region_axes, self.loss_axes = self.figure.subplots(1, 2)
        for control in (self.lr_slider, self.optimizer_picker, self.batch_picker, self.width_picker):
            control.observe(lambda change: self.update(), names="value")
        self.update()

    def compute(self):
        """The network, its start and the run for the current settings (momentum uses β = 0.9)."""
        loss = MLPLoss(self.X, self.y, hidden=(int(self.width_picker.value),), activation="relu", seed=0)
        config = {"optimizer": self.optimizer_picker.value, "lr": float(self.lr_slider.value), "steps": self.steps}
        if config["optimizer"] == "momentum":
            config["beta"] = 0.9
        batch = self.batch_picker.value
        trained = loss if batch == "all" else MiniBatchGradient(loss, batch_size=int(batch), seed=0)
        return loss, train(config, trained, loss.initial_weights())

    def update(self) -> None:
        """Run with the current settings, redraw both panels, and say how long the run and the drawing took."""
        start = time.perf_counter()
        loss, run = self.compute()
        seconds = time.perf_counter() - start
        end = run.w[run.stopped_at - 1] if run.diverged else run.w[-1]
        self.region_axes.clear()
        self.loss_axes.clear()
        plot_decision_boundary(loss, end, ax=self.region_axes, title=f"What the network learned ({loss.name.split(' on')[0]})")
        self.loss_axes.semilogy(np.clip(run.loss, 1e-8, 1e8))
        self.loss_axes.set(xlabel="step", ylabel="training loss (log scale)", title="Loss against step", xlim=(0, self.steps))
        self.canvas.draw()
        self.image.value = canvas_png(self.canvas)
        total = time.perf_counter() - start
        verdict = "diverged" if run.diverged else f"loss {run.loss[-1]:.3g}, accuracy {loss.accuracy(end):.0%}"
        self.readout.value = f"{verdict} after {self.steps} steps (run {seconds:.2f} s, run and picture {total:.2f} s)"
        self.run, self.seconds = run, total

    def controls(self) -> list[widgets.Widget]:
        """The rate slider and the three pickers."""
        return [widgets.HBox([self.lr_slider, self.optimizer_picker]), widgets.HBox([self.batch_picker, self.width_picker])]
