"""The Newton explorer: sliders over the start, the damping and the Levenberg–Marquardt shift, on log cosh."""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from gdlab.losses.logcosh import LogCosh
from gdlab.optim.newton import newton
from gdlab.optim.trajectory import Trajectory
from gdlab.plots import COURSE_STYLE
from gdlab.widgets.base import BlittedFigure, Demo, widgets

STEPS = 30
SPAN = 4.0


def newton_verdict(run: Trajectory, tol: float = 1e-8) -> str:
    """One phrase for how a Newton run on log cosh ended (introduced in 07-newton)."""
    if run.diverged:
        return f"diverges (the step overflowed at step {run.stopped_at})"
    close = np.flatnonzero(np.abs(run.w) < tol)
    if close.size:
        return f"converges: |x| < {tol:g} after {int(close[0])} steps"
    return f"not there yet: |x| = {abs(float(run.w[-1])):.2g} after {run.steps} steps"


class NewtonDampingExplorer(Demo):
    """Sliders over x0, damping and shift λ: the Newton path on log cosh and |x| per step (introduced in 07-newton)."""

    def __init__(self, x0: float = 2.0, damping: float = 1.0, shift: float = 0.0) -> None:
        self.loss = LogCosh()
        self.figure = Figure(figsize=(9.0, 3.4), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.path_axes, self.error_axes = self.figure.subplots(1, 2)
        grid = np.linspace(-SPAN, SPAN, 300)
        self.path_axes.plot(grid, self.loss.value(grid), color="0.6", linewidth=1.5, label="log cosh x")
        (self.path_line,) = self.path_axes.plot([], [], marker="o", markersize=4, color="#d1495b",
                                                label="x after each step (in view)")
        self.path_axes.set(xlim=(-SPAN, SPAN), ylim=(-0.2, 3.6), xlabel="x", ylabel="loss",
                           title="Newton steps on log cosh x")
        self.path_axes.legend(loc="upper center", fontsize=8)
        (self.error_line,) = self.error_axes.semilogy([], [], marker="o", markersize=3, color="#1b6ca8")
        self.error_axes.set(xlim=(0, STEPS), ylim=(1e-16, 1e4), xlabel="step",
                            ylabel="|x − 0| (log scale)", title="Distance to the minimum")
        self.x0_slider = widgets.FloatSlider(value=x0, min=-3.0, max=3.0, step=0.05, description="x0",
                                             readout_format=".2f", continuous_update=True)
        self.damping_slider = widgets.FloatSlider(value=damping, min=0.05, max=1.0, step=0.05, description="damping",
                                                  readout_format=".2f", continuous_update=True)
        self.shift_slider = widgets.FloatSlider(value=shift, min=0.0, max=3.0, step=0.1, description="shift λ",
                                                readout_format=".1f", continuous_update=True)
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.path_line, self.error_line])
        sliders = (self.x0_slider, self.damping_slider, self.shift_slider)
        for slider in sliders:
            slider.observe(lambda change: self.update(*(s.value for s in sliders)), names="value")
        self.update(x0, damping, shift)

    def update(self, x0: float, damping: float, shift: float) -> None:
        """Run damped, shifted Newton from x0 and redraw both panels."""
        run = newton(self.loss, x0, damping, STEPS, shift=shift)
        w = run.w[np.isfinite(run.w)]
        shown = w[np.abs(w) <= SPAN]
        self.path_line.set_data(shown, self.loss.value(shown))
        self.error_line.set_data(np.arange(len(w)), np.clip(np.abs(w), 1e-300, 1e300))
        self.run = run
        self.readout.value = f"x0 = {x0:.2f}, damping = {damping:.2f}, shift λ = {shift:.1f}: {newton_verdict(run)}"
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.x0_slider, self.damping_slider, self.shift_slider]


def newton_damping_explorer(x0: float = 2.0, damping: float = 1.0, shift: float = 0.0) -> NewtonDampingExplorer:
    """Sliders over the start, damping and Levenberg–Marquardt shift of Newton's method on log cosh (introduced in 07-newton)."""
    return NewtonDampingExplorer(x0=x0, damping=damping, shift=shift)
