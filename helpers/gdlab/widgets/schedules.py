"""The schedule picker: choose a learning-rate schedule, see its curve and the loss curve it produces on a noisy problem."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdlab._checks import check_point, check_positive_number, check_steps
from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory
from gdlab.plots import COURSE_STYLE
from gdlab.schedules import SCHEDULE_LABELS, make_schedule, run_schedule
from gdlab.widgets.base import BlittedFigure, Demo, widgets

class SchedulePicker(Demo):
    """Pick a schedule, its starting rate and decay time: the rate per step and the loss per step beside the constant rate lr0 (introduced in 04-decay)."""

    def __init__(self, loss: Loss, w0: Any, steps: int = 200, schedule: str = "1/t", lr0: float = 0.5,
                 decay: int = 20, target: float | None = None, lr_range: tuple[float, float] = (1e-3, 2.0)) -> None:
        if schedule not in SCHEDULE_LABELS:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULE_LABELS)}; got {schedule!r}")
        self.loss, self.w0, self.steps = loss, check_point(w0, loss.dim), check_steps(steps)
        if self.steps < 2:
            raise ValueError(f"steps must be 2 or more for a loss curve, got {steps}")
        self.target = None if target is None else check_positive_number(target, "target")
        start_loss = float(loss.value(self.w0))
        floor_guess = self.target if self.target is not None else start_loss * 1e-6
        self.figure = Figure(figsize=(9.5, 3.5), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.rate_axes, self.loss_axes = self.figure.subplots(1, 2)
        t = np.arange(self.steps)
        (self.rate_line,) = self.rate_axes.semilogy(t, np.ones(self.steps), color="#d1495b", label="chosen schedule")
        (self.rate_constant,) = self.rate_axes.semilogy(t, np.ones(self.steps), color="0.55", linestyle="--",
                                                         label="constant lr0")
        self.rate_axes.set(xlim=(0, self.steps), ylim=lr_range, xlabel="step t", ylabel="learning rate (log scale)",
                           title="The schedule: learning rate per step")
        self.rate_axes.legend(loc="lower left")
        steps_axis = np.arange(self.steps + 1)
        (self.loss_line,) = self.loss_axes.semilogy(steps_axis, np.ones(self.steps + 1), color="#d1495b",
                                                    label="chosen schedule")
        (self.loss_constant,) = self.loss_axes.semilogy(steps_axis, np.ones(self.steps + 1), color="0.55",
                                                        label="constant lr0")
        if self.target is not None:
            self.loss_axes.axhline(self.target, color="#00798c", linestyle=":", label=f"target {self.target:g}")
        self.loss_axes.set(xlim=(0, self.steps), ylim=(floor_guess / 30, start_loss * 3), xlabel="step",
                           ylabel="loss (log scale)", title="The loss it gives (same noise for both)")
        self.loss_axes.legend(loc="upper right")
        self.picker = widgets.Dropdown(options=SCHEDULE_LABELS, value=schedule, description="schedule")
        self.lr_slider = widgets.FloatLogSlider(value=lr0, base=10, min=np.log10(lr_range[0]), max=np.log10(lr_range[1]),
                                                step=0.02, description="lr0", readout_format=".3g",
                                                continuous_update=False)
        self.decay_slider = widgets.IntSlider(value=decay, min=1, max=self.steps, description="decay steps",
                                              continuous_update=False)
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.rate_line, self.rate_constant, self.loss_line, self.loss_constant])
        for control in (self.picker, self.lr_slider, self.decay_slider):
            control.observe(lambda change: self.update(), names="value")
        self.update()

    def update(self, schedule: str | None = None, lr0: float | None = None, decay: int | None = None) -> None:
        """Run the chosen schedule and the constant rate lr0 on the same noise and redraw both panels."""
        name = schedule if schedule is not None else self.picker.value
        lr0 = float(lr0 if lr0 is not None else self.lr_slider.value)
        decay = int(decay if decay is not None else self.decay_slider.value)
        chosen, formula = make_schedule(name, lr0, decay, self.steps)
        self.run = run_schedule(self.loss, self.w0, chosen, self.steps)
        self.constant_run = run_schedule(self.loss, self.w0, lr0, self.steps)
        t = np.arange(self.steps)
        self.rate_line.set_data(t, np.clip(np.nan_to_num(self.run.lr, nan=1e-12), 1e-12, None))
        self.rate_constant.set_data(t, np.full(self.steps, lr0))
        steps_axis = np.arange(self.steps + 1)
        self.loss_line.set_data(steps_axis, np.clip(self.run.loss, 1e-300, 1e300))
        self.loss_constant.set_data(steps_axis, np.clip(self.constant_run.loss, 1e-300, 1e300))

        def verdict(run: Trajectory) -> str:
            if run.diverged:
                return f"diverged at step {run.stopped_at}"
            final = float(run.loss[-1])
            mark = "" if self.target is None else (" ✓ below target" if final < self.target else " ✗ above target")
            return f"final loss {final:.3g}{mark}"

        self.readout.value = (f"<b>{name}</b>: {formula}<br>chosen schedule: {verdict(self.run)}; "
                              f"constant lr0 = {lr0:.3g}: {verdict(self.constant_run)}")
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [widgets.HBox([self.picker, self.lr_slider, self.decay_slider])]
