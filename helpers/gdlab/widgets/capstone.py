"""The budget explorer of the capstone: sliders over lr and β and a schedule menu, the loss against gradient evaluations
with the target and the budget drawn in."""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure

from gdlab.capstone import SCHEDULE_PRESETS, CapstoneProblem, CapstoneRun, capstone_problem, explorer_config, run_config
from gdlab.plots import COURSE_STYLE
from gdlab.widgets.base import BlittedFigure, Demo, widgets

GAP_FLOOR, GAP_CEILING = 1e-12, 1e2


def _gaps(run: CapstoneRun) -> np.ndarray:
    """loss − L* along a run, clipped into the drawable range of a log axis."""
    return np.clip(np.nan_to_num(run.trajectory.loss - run.problem.lowest, nan=GAP_CEILING, posinf=GAP_CEILING),
                   GAP_FLOOR, GAP_CEILING)


class BudgetExplorer(Demo):
    """Sliders over lr and β and a schedule menu: loss − L* against gradient evaluations, the target, the budget (introduced in 09-capstone).

    Each setting is turned into a configuration dict and run with `run_config`,
    exactly as the grader runs one; the readout shows the dict. The grey curve
    is plain gradient descent at lr = 1/h_max, the baseline that falls short.
    """

    def __init__(self, problem: CapstoneProblem | None = None, lr: float = 0.43, beta: float = 0.5,
                 schedule: str = "constant", lr_min: float = 0.01, lr_max: float = 20.0) -> None:
        self.problem = problem if problem is not None else capstone_problem()
        if not 0 < lr_min < lr_max:
            raise ValueError(f"lr_min must be > 0 and below lr_max, got {lr_min} and {lr_max}")
        if not lr_min <= lr <= lr_max:
            raise ValueError(f"lr must lie between lr_min and lr_max, got {lr}")
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
        self.steps = self.problem.budget
        h_max = float(np.linalg.eigvalsh(self.problem.loss.hessian(self.problem.w0))[-1])
        self.baseline = run_config(explorer_config(round(1 / h_max, 2), 0.0, "constant", self.steps), self.problem)
        self.figure = Figure(figsize=(9.5, 3.6), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.loss_axes, self.rate_axes = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        ax = self.loss_axes
        ax.semilogy(self.baseline.evaluations, _gaps(self.baseline), color="0.6", linewidth=1.5,
                    label=f"baseline: GD, lr = 1/h_max = {self.baseline.config['lr']:g}")
        (self.loss_line,) = ax.semilogy([], [], color="#d1495b", label="your setting")
        ax.axhline(self.problem.target_gap, color="#00798c", linestyle=":", label=f"target: L* + {self.problem.target_gap:g}")
        ax.axvline(self.problem.budget, color="0.25", linestyle="--", linewidth=1.2, label=f"budget: {self.problem.budget}")
        ax.set(xlim=(0, 1.05 * self.problem.budget), ylim=(GAP_FLOOR, GAP_CEILING), xlabel="gradient evaluations",
               ylabel="loss − L* (log scale)", title="Loss against the budget")
        ax.legend(loc="lower left", fontsize=8)
        t = np.arange(self.steps)
        (self.rate_line,) = self.rate_axes.semilogy(t, np.ones(self.steps), color="#d1495b")
        self.rate_axes.set(xlim=(0, self.steps), ylim=(1e-4, 2 * lr_max), xlabel="step",
                           ylabel="learning rate (log scale)", title="The learning rate per step")
        self.lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=np.log10(lr_min), max=np.log10(lr_max), step=0.01,
                                                description="lr", readout_format=".3g", continuous_update=True,
                                                layout=widgets.Layout(width="60%"))
        self.beta_slider = widgets.FloatSlider(value=beta, min=0.0, max=0.99, step=0.01, description="β",
                                               readout_format=".2f", continuous_update=True,
                                               layout=widgets.Layout(width="60%"))
        self.schedule_menu = widgets.Dropdown(options=list(SCHEDULE_PRESETS), value=schedule, description="schedule")
        self.readout = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.loss_line, self.rate_line])
        for control in (self.lr_slider, self.beta_slider, self.schedule_menu):
            control.observe(lambda change: self.update(), names="value")
        self.update(lr, beta, schedule)

    @property
    def sliders(self) -> list:
        """The demo's controls: lr, β and the schedule menu."""
        return [self.lr_slider, self.beta_slider, self.schedule_menu]

    def update(self, lr: float | None = None, beta: float | None = None, schedule: str | None = None) -> None:
        """Run the configuration of these settings (default: the controls' values) with gdlab and redraw."""
        lr = float(self.lr_slider.value if lr is None else lr)
        beta = float(self.beta_slider.value if beta is None else beta)
        schedule = self.schedule_menu.value if schedule is None else schedule
        self.config = explorer_config(lr, beta, schedule, self.steps)
        run = run_config(self.config, self.problem)
        self.loss_line.set_data(run.evaluations, _gaps(run))
        self.rate_line.set_data(np.arange(run.steps), np.clip(np.nan_to_num(run.trajectory.lr, nan=1e-4), 1e-4, None))
        self.run = run
        reached = (f"first at {run.first_reached} gradient evaluations" if run.first_reached is not None else "never")
        self.readout.value = f"<code>{self.config}</code><br>{run.message}; target reached {reached}"
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders and the schedule menu above the picture."""
        return [self.lr_slider, self.beta_slider, self.schedule_menu]


def budget_explorer(problem: CapstoneProblem | None = None, lr: float = 0.43, beta: float = 0.5,
                    schedule: str = "constant", lr_min: float = 0.01, lr_max: float = 20.0) -> BudgetExplorer:
    """Sliders over lr and β and a schedule menu, drawing the loss against the budget of gradient evaluations (introduced in 09-capstone)."""
    return BudgetExplorer(problem, lr=lr, beta=beta, schedule=schedule, lr_min=lr_min, lr_max=lr_max)
