"""The adaptive race: gradient descent, momentum, RMSProp and Adam from one start on a loss the student picks."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdlab.losses import NoisyGradient, Quadratic, Saddle, rotated_ravine
from gdlab.losses.quadratic import rotation
from gdlab.losses.base import Loss
from gdlab.optim.adaptive import RACERS, race
from gdlab.plots import COURSE_STYLE
from gdlab.plots.contours import plot_contours
from gdlab.widgets.base import BlittedFigure, Demo, widgets

COLOURS = ("#7a7a7a", "#1b6ca8", "#2a9d8f", "#d1495b")


def race_losses() -> dict[str, tuple[Loss, np.ndarray]]:
    """The losses of the race, each with its start: the ravine of 03/05, the same ravine turned by 45°, a saddle, a noisy ravine."""
    ravine = Quadratic(np.diag([1.0, 100.0]))
    return {
        "ravine ½(x² + 100y²)": (ravine, np.array([2.0, 1.0])),
        "rotated ravine (45°)": (rotated_ravine(100.0, 45.0), rotation(45.0) @ np.array([2.0, 1.0])),  # the start turned too
        "saddle x² − y²": (Saddle(), np.array([2.0, 1e-3])),
        "noisy ravine (σ = 1)": (NoisyGradient(ravine, sigma=1.0, seed=0), np.array([2.0, 1.0])),
    }


class AdaptiveRace(Demo):
    """Four optimisers race on a loss the student picks, with sliders for lr, β₁, β₂ and warm-up (introduced in 10-adaptive)."""

    def __init__(self, steps: int = 100, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, warmup: int = 0,
                 loss: str = "ravine ½(x² + 100y²)") -> None:
        self.losses, self.steps = race_losses(), int(steps)
        if loss not in self.losses:
            raise ValueError(f"loss must be one of {list(self.losses)}, got {loss!r}")
        self.figure = Figure(figsize=(9.5, 3.8), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.path_axes, self.loss_axes = self.figure.subplots(1, 2)
        self.picker = widgets.Dropdown(options=list(self.losses), value=loss, description="loss")
        self.lr_slider = widgets.FloatLogSlider(value=lr, min=-3, max=0, step=0.02, description="lr", readout_format=".4f")
        self.beta1_slider = widgets.FloatSlider(value=beta1, min=0.0, max=0.99, step=0.01, description="β₁")
        self.beta2_slider = widgets.FloatSlider(value=beta2, min=0.9, max=0.9999, step=0.0001, description="β₂",
                                                readout_format=".4f")
        self.warmup_slider = widgets.IntSlider(value=warmup, min=0, max=50, description="warm-up")
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png")
        self._draw_still(loss)
        for control in (self.lr_slider, self.beta1_slider, self.beta2_slider, self.warmup_slider):
            control.observe(lambda change: self.update(), names="value")
        self.picker.observe(lambda change: self._pick(change["new"]), names="value")
        self.update()

    def _draw_still(self, name: str) -> None:
        """Contours and axes of the chosen loss, drawn once; the eight moving lines over them."""
        loss, start = self.losses[name]
        self.path_axes.clear()
        self.loss_axes.clear()
        span = 1.3 * max(np.abs(start).max(), 1.0)
        plain = loss.inner if isinstance(loss, NoisyGradient) else loss
        plot_contours(plain, ax=self.path_axes, xlim=(-span, span), ylim=(-span, span), labels=("x", "y"), title=name)
        self.paths = [self.path_axes.plot([], [], color=c, linewidth=1.2, marker="o", markersize=1.5, label=n)[0]
                      for n, c in zip(RACERS, COLOURS)]
        self.path_axes.legend(loc="lower left", fontsize=7)
        self.curves = [self.loss_axes.plot([], [], color=c, linewidth=1.3)[0] for c in COLOURS]
        start_loss = abs(float(plain.value(start)))
        if isinstance(plain, Saddle):  # unbounded below: a symmetric log scale shows the fall past 0
            self.loss_axes.set_yscale("symlog", linthresh=1.0)
            self.loss_axes.set(ylim=(-1e8, 1e2), ylabel="loss (symmetric log scale)")
        else:
            self.loss_axes.set_yscale("log")
            self.loss_axes.set(ylim=(start_loss * 1e-14, start_loss * 1e4), ylabel="loss (log scale)")
        self.loss_axes.set(xlim=(0, self.steps), xlabel="step", title="Loss against step")
        self.drawing = BlittedFigure(self.figure, self.paths + self.curves)

    def _pick(self, name: str) -> None:
        self._draw_still(name)
        self.update()

    def update(self) -> None:
        """Run the race with the sliders' values and redraw the paths and loss curves."""
        loss, start = self.losses[self.picker.value]
        runs = race(loss, start, float(self.lr_slider.value), self.steps, beta1=float(self.beta1_slider.value),
                    beta2=float(self.beta2_slider.value), warmup=int(self.warmup_slider.value))
        parts = []
        for path, curve, (name, run) in zip(self.paths, self.curves, runs.items()):
            path.set_data(run.w[:, 0], run.w[:, 1])
            curve.set_data(np.arange(self.steps + 1), np.clip(run.loss, -1e300, 1e300))  # an overflowed run ends its line
            parts.append(f"{name}: " + ("diverged" if run.diverged else f"{run.loss[-1]:.3g}"))
        self.runs = runs
        self.readout.value = "final loss after " + f"{self.steps} steps — " + "; ".join(parts)
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The loss picker and the four sliders."""
        return [self.picker, widgets.HBox([self.lr_slider, self.warmup_slider]),
                widgets.HBox([self.beta1_slider, self.beta2_slider])]


def adaptive_race(**settings: Any) -> AdaptiveRace:
    """The race of gradient descent, momentum, RMSProp and Adam (introduced in 10-adaptive); settings as in AdaptiveRace."""
    return AdaptiveRace(**settings)
