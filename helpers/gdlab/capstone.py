"""The capstone: a logistic regression to minimise within a budget of gradient evaluations, and the runner that
grades a configuration (a plain dict of choices) by running it with gdlab's own optimisers."""

from __future__ import annotations

import difflib
import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdlab._checks import check_count, check_positive_number, check_seed
from gdlab.classification import make_classification
from gdlab.losses.base import Loss
from gdlab.losses.logistic import LogisticRegression
from gdlab.optim.gd import gradient_descent
from gdlab.optim.momentum import momentum
from gdlab.optim.newton import newton
from gdlab.optim.trajectory import Trajectory
from gdlab.schedules import SCHEDULES, ReduceOnPlateau, schedule_by_name

N_EXAMPLES = 500
N_FEATURES = 50
L2 = 1e-3
SCALES = np.geomspace(0.2, 3.0, N_FEATURES)
SCALES.setflags(write=False)
BUDGET = 200
TARGET_GAP = 1e-4
START_SPREAD = 0.05

OPTIMIZERS = ("gd", "momentum", "nesterov", "newton")
KEYS = ("optimizer", "lr", "steps", "schedule", "beta", "shift")
# the schedules a configuration may name: gdlab.schedules.SCHEDULES but "constant" (a constant rate is None);
# the starting rate is config["lr"], the run's length config["steps"]
DECAYS = tuple(name for name in SCHEDULES if name != "constant")
ALIASES = {"learning_rate": "lr", "rate": "lr", "lr0": "lr", "damping": "lr", "momentum": "beta", "mu": "beta",
           "n_steps": "steps", "num_steps": "steps", "iterations": "steps", "epochs": "steps",
           "optimiser": "optimizer", "method": "optimizer", "lr_schedule": "schedule", "decay": "schedule"}
EXAMPLE = {"optimizer": "momentum", "lr": 0.1, "beta": 0.5, "schedule": None, "steps": 100}
# name -> the optimiser, called optimiser(loss, w0, config["lr"] as a schedule, steps, **options), and its options
RUNNERS = {
    "gd": (gradient_descent, ()),
    "momentum": (momentum, ("beta",)),
    "nesterov": (functools.partial(momentum, nesterov=True), ("beta",)),
    "newton": (newton, ("shift",)),
}


class ConfigError(TypeError, ValueError):
    """A capstone configuration that cannot be run: the message names the bad key or value (introduced in 09-capstone)."""


@dataclass(frozen=True)
class CapstoneProblem:
    """What the capstone asks: minimise `loss` from `w0` to a loss <= `target` with at most `budget` gradient evaluations (introduced in 09-capstone)."""

    loss: LogisticRegression
    w0: np.ndarray
    target: float
    budget: int
    seed: int
    target_gap: float

    @property
    def lowest(self) -> float:
        """The lowest loss there is, L* (the target is L* + target_gap)."""
        return self.loss.minimum_value


@functools.lru_cache(maxsize=16)
def _capstone_loss(seed: int) -> LogisticRegression:
    """The L2-regularised logistic regression on the capstone's data set drawn with `seed` (its minimum found once)."""
    data = make_classification(N_EXAMPLES, N_FEATURES, seed=seed, scales=SCALES)
    loss = LogisticRegression(data.X, data.y, l2=L2)
    for shared in (loss.X, loss.y):
        shared.setflags(write=False)   # one loss serves every caller: nobody may edit its data
    _ = loss.minimum   # find the minimum once and remember it
    return loss


def capstone_problem(seed: int = 0, start_seed: int | None = None, target_gap: float = TARGET_GAP,
                     budget: int = BUDGET) -> CapstoneProblem:
    """The capstone problem on the data set drawn with `seed`, from w0 = 0 or a nearby random start (introduced in 09-capstone).

    Logistic regression with N_EXAMPLES examples and N_FEATURES features whose
    scales run from 0.2 to 3 (so the loss is ill-conditioned), l2 = L2. With
    `start_seed` the run starts from a random point with coordinates of size
    about START_SPREAD instead of from zero. The target is the lowest loss plus
    `target_gap`.
    """
    seed = check_seed(seed)
    if seed is None:
        raise ValueError("seed must be a whole number >= 0: the capstone's data set must be reproducible")
    target_gap = check_positive_number(target_gap, "target_gap")
    budget = check_count(budget, "budget", of=" of gradient evaluations")
    loss = _capstone_loss(seed)
    if start_seed is None:
        w0 = np.zeros(N_FEATURES)
    else:
        w0 = START_SPREAD * np.random.default_rng(check_seed(start_seed)).standard_normal(N_FEATURES)
    return CapstoneProblem(loss=loss, w0=w0, target=loss.minimum_value + float(target_gap), budget=int(budget),
                           seed=seed, target_gap=float(target_gap))


# ---------------------------------------------------------------------------
# Checking a configuration: every problem is a ConfigError naming the key.
# ---------------------------------------------------------------------------


def _number(config: dict, key: str) -> float:
    """config[key] as a float, after checking that it is a real number (not a bool or a string) and finite."""
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"config[{key!r}] must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ConfigError(f"config[{key!r}] must be finite, got {value}")
    return value


def _check_schedule(schedule: Any) -> dict | None:
    """The schedule as None (constant rate) or {'name': ..., parameters...}, or a ConfigError naming what is wrong."""
    if schedule is None or (isinstance(schedule, str) and schedule == "constant"):
        return None
    if callable(schedule):
        raise ConfigError("config['schedule'] must be data, not a function: None for a constant rate, or a dict "
                          "such as {'name': 'exponential', 'gamma': 0.99}, which the grader turns into a schedule")
    if isinstance(schedule, str):
        schedule = {"name": schedule}
    if not isinstance(schedule, dict):
        raise ConfigError(f"config['schedule'] must be None or a dict such as {{'name': 'exponential', 'gamma': 0.99}}, "
                          f"got {schedule!r} ({type(schedule).__name__})")
    name = schedule.get("name")
    if name == "constant" and len(schedule) == 1:
        return None
    if name not in DECAYS:
        raise ConfigError(f"config['schedule']['name'] must be one of {', '.join(DECAYS)} (or None for a constant "
                          f"rate), got {name!r}")
    required, optional = SCHEDULES[name].required, SCHEDULES[name].optional
    for key in schedule:
        if key != "name" and key not in required + optional:
            allowed = ", ".join(required + optional) or "none"
            raise ConfigError(f"config['schedule'] has an unknown parameter {key!r} for {name!r} (its parameters: "
                              f"{allowed}; the starting rate is config['lr'])")
    for key in required:
        if key not in schedule:
            raise ConfigError(f"config['schedule'] for {name!r} is missing its parameter {key!r}")
    return dict(schedule)


def check_config(config: Any) -> dict:
    """A checked copy of a capstone configuration, or a ConfigError naming the bad key or value (introduced in 09-capstone).

    A configuration is a dict: "optimizer" (one of OPTIMIZERS), "lr" (the
    learning rate; for Newton the damping), "steps" (a whole number), optionally
    "schedule" (None, or {"name": <a schedule of gdlab.schedules>, its
    parameters except the starting rate}), "beta" (momentum and nesterov, in
    [0, 1)) and "shift" (newton: the Levenberg–Marquardt shift, >= 0).
    """
    if not isinstance(config, dict):
        raise ConfigError(f"the configuration must be a dict of choices such as {EXAMPLE}, got {config!r} "
                          f"({type(config).__name__}): the grader runs your choices itself and measures the loss")
    for key in config:
        if key not in KEYS:
            close = [ALIASES[key]] if key in ALIASES else difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"the configuration has an unknown key {key!r}{hint}; the keys are {', '.join(KEYS)}. "
                              "It says how to optimise; the grader runs it and measures the loss itself")
    if "optimizer" not in config:
        raise ConfigError(f"the configuration is missing 'optimizer' (one of {', '.join(OPTIMIZERS)})")
    optimizer = config["optimizer"]
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ConfigError(f"config['optimizer'] must be one of {', '.join(repr(o) for o in OPTIMIZERS)}, got {optimizer!r}")
    needed = ["lr", "steps"] + (["beta"] if optimizer in ("momentum", "nesterov") else [])
    for key in needed:
        if key not in config:
            what = {"lr": "the learning rate, a number > 0", "steps": "the number of updates, a whole number",
                    "beta": f"the momentum coefficient in [0, 1), which {optimizer} needs"}[key]
            raise ConfigError(f"the configuration is missing {key!r} ({what})")
    if "beta" in config and optimizer not in ("momentum", "nesterov"):
        raise ConfigError(f"config['beta'] is only for 'momentum' and 'nesterov'; {optimizer!r} has no momentum: "
                          "remove 'beta' or change the optimizer")
    if "shift" in config and optimizer != "newton":
        raise ConfigError(f"config['shift'] is only for 'newton' (the Levenberg–Marquardt shift); remove it for {optimizer!r}")
    checked: dict[str, Any] = {"optimizer": optimizer}
    lr = _number(config, "lr")
    if lr <= 0:
        raise ConfigError(f"config['lr'] must be > 0, got {lr}")
    checked["lr"] = lr
    if optimizer in ("momentum", "nesterov"):
        beta = _number(config, "beta")
        if not 0.0 <= beta < 1.0:
            raise ConfigError(f"config['beta'] must be in [0, 1) (0 is plain gradient descent), got {beta}")
        checked["beta"] = beta
    if optimizer == "newton":
        shift = _number(config, "shift") if "shift" in config else 0.0
        if shift < 0:
            raise ConfigError(f"config['shift'] must be >= 0, got {shift}")
        checked["shift"] = shift
    steps = config["steps"]
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise ConfigError(f"config['steps'] must be a whole number (an int), got {steps!r} ({type(steps).__name__})")
    if steps < 1:
        raise ConfigError(f"config['steps'] must be 1 or more, got {steps}")
    checked["steps"] = int(steps)
    checked["schedule"] = _check_schedule(config.get("schedule"))
    build_schedule(checked["schedule"], lr, checked["steps"])   # the schedule's own checks name its bad parameter
    return checked


def build_schedule(schedule: dict | None, lr: float, steps: int) -> Any:
    """The learning rate (a number) or schedule that a checked schedule dict means, starting at lr (introduced in 09-capstone)."""
    if schedule is None:
        return lr
    params = {k: v for k, v in schedule.items() if k != "name"}
    try:
        return schedule_by_name(schedule["name"], lr, steps, **params)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"config['schedule'] ({schedule['name']}): {error}") from None


def gradients_per_step(optimizer: str, dim: int = N_FEATURES) -> int:
    """What one step costs in gradient evaluations: 1 for gd, momentum and nesterov, 1 + dim for newton (introduced in 09-capstone).

    A Hessian holds dim gradients' worth of numbers (one column per
    parameter; finite differences of the gradient make it from dim extra
    gradients), so a Newton step costs a gradient plus dim more. Nesterov needs
    one gradient per step, at the look-ahead point (gdlab also records the
    gradient at w for its plots; that one is not charged).
    """
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    return 1 + int(dim) if optimizer == "newton" else 1


def gradient_evaluations(config: Any, dim: int = N_FEATURES) -> int:
    """steps × gradients per step: what running the configuration costs (introduced in 09-capstone)."""
    checked = check_config(config)
    return checked["steps"] * gradients_per_step(checked["optimizer"], dim)


@dataclass(frozen=True)
class CapstoneRun:
    """A configuration run on a capstone problem by gdlab: the trajectory and its cost in gradient evaluations (introduced in 09-capstone)."""

    config: dict
    problem: CapstoneProblem
    trajectory: Trajectory
    per_step: int
    asked_steps: int

    @property
    def steps(self) -> int:
        """The steps actually run (fewer than asked when the grader stopped the run at the budget)."""
        return self.trajectory.steps

    @property
    def gradient_evaluations(self) -> int:
        """Gradient evaluations spent by the steps actually run."""
        return self.steps * self.per_step

    @property
    def asked_evaluations(self) -> int:
        """Gradient evaluations the configuration asks for."""
        return self.asked_steps * self.per_step

    @property
    def within_budget(self) -> bool:
        """True when the configuration asks for no more gradient evaluations than the budget."""
        return self.asked_evaluations <= self.problem.budget

    @property
    def evaluations(self) -> np.ndarray:
        """Gradient evaluations spent before each recorded loss: 0, per_step, 2·per_step, …"""
        return np.arange(self.steps + 1) * self.per_step

    @property
    def final_loss(self) -> float:
        """The loss after the last step run (inf if the run overflowed)."""
        return float(self.trajectory.loss[-1])

    @property
    def final_gap(self) -> float:
        """How far the final loss is above the lowest loss L*."""
        return self.final_loss - self.problem.lowest

    @property
    def reached(self) -> bool:
        """True when the final loss is at or below the target."""
        return bool(self.final_loss <= self.problem.target)

    @property
    def first_reached(self) -> int | None:
        """Gradient evaluations spent when the loss first got to the target, or None."""
        hits = np.flatnonzero(self.trajectory.loss <= self.problem.target)
        return int(hits[0] * self.per_step) if hits.size else None

    @property
    def message(self) -> str:
        """One line: the final gap to L*, the cost, and whether the target was reached."""
        verdict = "target reached" if self.reached else "target missed"
        return (f"{verdict}: loss − L* = {self.final_gap:.3g} (target {self.problem.target_gap:g}) after "
                f"{self.gradient_evaluations} gradient evaluations (budget {self.problem.budget})")


def run_config(config: Any, problem: CapstoneProblem | None = None, max_evaluations: int | None = None) -> CapstoneRun:
    """Check a configuration and run it with gdlab's optimisers on a capstone problem; stop at max_evaluations if given (introduced in 09-capstone).

    This is what the grader does with your configuration: your own code is
    never called, only your choices are used.
    """
    checked = check_config(config)
    problem = problem if problem is not None else capstone_problem()
    if not isinstance(problem, CapstoneProblem):
        raise TypeError(f"problem must be a CapstoneProblem (from capstone_problem()), got {type(problem).__name__}")
    loss: Loss = problem.loss
    per_step = gradients_per_step(checked["optimizer"], loss.dim)
    steps = checked["steps"]
    if max_evaluations is not None:
        steps = min(steps, check_count(max_evaluations, "max_evaluations", minimum=0) // per_step)
    rate = build_schedule(checked["schedule"], checked["lr"], checked["steps"])
    if isinstance(rate, ReduceOnPlateau):
        loss = rate.watch(loss)
    optimizer, options = RUNNERS[checked["optimizer"]]
    trajectory = optimizer(loss, problem.w0, rate, steps, **{name: checked[name] for name in options})
    return CapstoneRun(config=checked, problem=problem, trajectory=trajectory, per_step=per_step,
                       asked_steps=checked["steps"])


def diagnose(run: CapstoneRun) -> str:
    """A hint on why a run missed its target, from what the run did (introduced in 09-capstone)."""
    config, problem, traj = run.config, run.problem, run.trajectory
    h_max = float(np.linalg.eigvalsh(problem.loss.hessian(problem.w0))[-1])
    if run.reached:
        return "the run reached the target"
    if traj.diverged:
        return (f"the run diverged (the loss overflowed at step {traj.stopped_at}): lr = {config['lr']:g} is far "
                f"too large for the curvature h_max ≈ {h_max:.3g}")
    if run.final_loss > float(traj.loss[0]):
        return (f"the loss ended higher than it started ({run.final_loss:.3g} > {float(traj.loss[0]):.3g}): the steps "
                f"are too large for the curvature h_max ≈ {h_max:.3g} at the start (plain GD needs lr < 2/h_max, "
                "heavy ball lr < 2(1+β)/h_max)")
    if run.steps < run.asked_steps:
        if config["optimizer"] == "newton":
            return (f"each Newton step costs 1 + D = {run.per_step} gradient evaluations, so only {run.steps} steps "
                    f"fit the budget of {problem.budget}, and they end {run.final_gap:.3g} above L*")
        return (f"the configuration asks for {run.asked_evaluations} gradient evaluations; the grader stopped it at the "
                f"budget ({problem.budget}), where the loss was still {run.final_gap:.3g} above L*")
    if config["schedule"] is not None:
        rates = traj.lr[np.isfinite(traj.lr)]
        if rates.size and rates[-1] < 0.5 * config["lr"]:
            return (f"the schedule cut the learning rate from {config['lr']:g} to {rates[-1]:.3g} by the end; with "
                    "exact gradients there is no noise to average out, and decay only slows the progress down")
    if run.gradient_evaluations < problem.budget:
        spare = f"; {problem.budget - run.gradient_evaluations} gradient evaluations of the budget were left unused"
    else:
        spare = ""
    beta = config.get("beta", 0.0)
    if config["optimizer"] != "newton" and config["schedule"] is None:
        h_end = float(np.linalg.eigvalsh(problem.loss.hessian(problem.loss.minimum))[-1])
        edge = 2.0 * (1.0 + beta) / h_end
        if config["lr"] > edge:
            return (f"near the minimum the largest curvature is about {h_end:.3g}, so the edge there is "
                    f"2(1+β)/h_max ≈ {edge:.3g}; lr = {config['lr']:g} is beyond it, and the run keeps bouncing "
                    f"instead of settling ({run.final_gap:.3g} above L* at the end)")
    if config["optimizer"] == "gd":
        return (f"plain gradient descent crawls on this ill-conditioned loss (κ in the hundreds): even at its best "
                f"rate it needs thousands of steps, and it ended {run.final_gap:.3g} above L*{spare}")
    losses = traj.loss[-20:]
    if config["optimizer"] in ("momentum", "nesterov"):
        if np.all(np.diff(losses) <= 0):
            return (f"the loss was still falling steadily when the run ended ({run.final_gap:.3g} above L*){spare}: "
                    "larger steps (lr closer to the edge 2(1+β)/h_max) or more momentum would get further")
        return (f"the loss still rises and falls at the end ({run.final_gap:.3g} above L*): with β = {beta:g} the "
                f"velocity keeps carrying the run past the minimum (the error shrinks at best by √β ≈ {np.sqrt(beta):.3g} "
                f"per step); a smaller β damps the swings{spare}")
    return f"the final loss is {run.final_gap:.3g} above L*, more than the target gap {problem.target_gap:g}{spare}"


SCHEDULE_PRESETS = {
    "constant": None,
    "exponential, halves every 50 steps": {"name": "exponential", "gamma": round(0.5 ** (1 / 50), 5)},
    "1/t, half at step 50": {"name": "inverse_time", "k": 0.02},
    "cosine down to 0": {"name": "cosine_with_warmup", "warmup": 0},
}


def explorer_config(lr: float, beta: float, schedule: str, steps: int) -> dict:
    """The configuration dict the explorer runs: plain GD when β = 0, heavy ball otherwise (introduced in 09-capstone)."""
    if schedule not in SCHEDULE_PRESETS:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULE_PRESETS)}; got {schedule!r}")
    config: dict = {"optimizer": "gd" if beta == 0 else "momentum", "lr": round(float(lr), 4)}
    if beta != 0:
        config["beta"] = round(float(beta), 3)
    config["schedule"] = SCHEDULE_PRESETS[schedule]
    config["steps"] = int(steps)
    return config
