"""Learning rates as functions of the step t: a plain number is the constant schedule."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from gdlab._checks import check_count, check_fraction, check_positive_number
from gdlab.losses.base import Loss, Wrapper

if TYPE_CHECKING:
    from gdlab.optim.trajectory import Trajectory

Schedule = Callable[[int], float]


def constant(lr: float) -> Schedule:
    """The schedule t -> lr (introduced in 02-first-steps)."""
    value = float(lr)
    return lambda t: value


def as_schedule(lr: Any) -> Schedule:
    """Turn `lr` (a positive number, or a callable t -> lr) into a schedule, or raise naming `lr`."""
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr must be a positive number or a schedule (a function t -> lr), got {lr!r} ({type(lr).__name__})")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr}")
    return constant(lr)


def rate_at(schedule: Schedule, t: int) -> float:
    """The schedule's learning rate at step t, checked to be a finite number >= 0."""
    value = schedule(t)
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"the lr schedule returned {value!r} at step {t}; it must return a number")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"the lr schedule returned {value} at step {t}; it must return a finite number >= 0")
    return value


# ---------------------------------------------------------------------------
# Decaying schedules (introduced in 04-decay). Each factory checks its
# parameters and returns a function of the step t that also works on an array
# of steps (one rate per step), so a schedule can be plotted in one call.
# ---------------------------------------------------------------------------


def _steps_of(t: Any) -> np.ndarray:
    """The step(s) t as a float array of numbers >= 0, or raise naming `t`."""
    try:
        steps = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"t must be a step number or an array of step numbers, got {t!r}") from None
    if not np.isfinite(steps).all() or (steps < 0).any():
        raise ValueError(f"t must be a step number >= 0 (the first update is t = 0), got {t!r}")
    return steps


def _rates(values: np.ndarray) -> float | np.ndarray:
    """A plain float for a single step, an array for an array of steps."""
    return float(values) if np.ndim(values) == 0 else values


def step_decay(lr0: float, drop: float = 0.5, every: int = 10) -> Schedule:
    """lr0·drop^⌊t/every⌋: the rate is multiplied by `drop` every `every` steps (introduced in 04-decay)."""
    lr0 = check_positive_number(lr0, "lr0")
    drop = check_fraction(drop, "drop")
    every = check_count(every, "every", of=" of steps")
    return lambda t: _rates(lr0 * drop ** np.floor(_steps_of(t) / every))


def exponential(lr0: float, gamma: float) -> Schedule:
    """lr0·γ^t: the rate shrinks by the same factor γ every step (introduced in 04-decay)."""
    lr0 = check_positive_number(lr0, "lr0")
    gamma = check_fraction(gamma, "gamma")
    return lambda t: _rates(lr0 * gamma ** _steps_of(t))


def inverse_sqrt(lr0: float, k: float = 1.0) -> Schedule:
    """lr0/√(1 + k·t): the inverse-square-root decay, lr0/√(1+t) with the default k = 1 (introduced in 04-decay)."""
    lr0 = check_positive_number(lr0, "lr0")
    k = check_positive_number(k, "k")
    return lambda t: _rates(lr0 / np.sqrt(1.0 + k * _steps_of(t)))


def inverse_time(lr0: float, k: float = 1.0) -> Schedule:
    """lr0/(1 + k·t): the 1/t decay, lr0/(1+t) with the default k = 1 (introduced in 04-decay)."""
    lr0 = check_positive_number(lr0, "lr0")
    k = check_positive_number(k, "k")
    return lambda t: _rates(lr0 / (1.0 + k * _steps_of(t)))


def cosine_with_warmup(lr_max: float, warmup: int, total: int, lr_min: float = 0.0) -> Schedule:
    """Linear warm-up lr_max·(t+1)/warmup for t < warmup, then a half cosine from lr_max to lr_min at t = total (introduced in 04-decay)."""
    lr_max = check_positive_number(lr_max, "lr_max")
    warmup = check_count(warmup, "warmup", minimum=0, of=" of steps")
    total = check_count(total, "total", of=" of steps")
    lr_min = check_positive_number(lr_min, "lr_min", allow_zero=True)
    if total <= warmup:
        raise ValueError(f"total must be larger than warmup (the cosine needs steps), got total={total}, warmup={warmup}")
    if lr_min > lr_max:
        raise ValueError(f"lr_min must not exceed lr_max, got lr_min={lr_min}, lr_max={lr_max}")

    def schedule(t: Any) -> float | np.ndarray:
        steps = _steps_of(t)
        warming = lr_max * (steps + 1.0) / max(warmup, 1)
        progress = np.clip((steps - warmup) / (total - warmup), 0.0, 1.0)
        cooling = lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(np.pi * progress))
        return _rates(np.where(steps < warmup, warming, cooling))

    return schedule


def linear_warmup(lr: Any, warmup: int) -> Schedule:
    """The rate `lr` (a number or a schedule) scaled by (t + 1)/warmup during the first `warmup` steps (introduced in 10-adaptive)."""
    base = as_schedule(lr)
    warmup = check_count(warmup, "warmup", minimum=0, of=" of steps")

    def schedule(t: Any) -> float | np.ndarray:
        steps = _steps_of(t)
        ramp = np.minimum((steps + 1.0) / max(warmup, 1), 1.0)
        return _rates(ramp * np.asarray(base(t), dtype=float))

    return schedule


def reduce_on_plateau_rates(losses: Any, lr0: float, factor: float = 0.5, patience: int = 10,
                            threshold: float = 0.0, min_lr: float = 0.0) -> np.ndarray:
    """The rates reduce-on-plateau picks after each loss of a run: rates[t] follows losses[0..t] (introduced in 04-decay).

    A loss improves when it is below best − threshold·|best|, best being the
    lowest loss so far. After `patience` losses in a row that do not improve,
    the next one that does not improve cuts the rate by `factor` (never below
    min_lr) and the count starts again.
    """
    values = np.asarray(losses, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"losses must be a 1-D sequence of loss values, got shape {values.shape}")
    plateau = ReduceOnPlateau(lr0, factor=factor, patience=patience, threshold=threshold, min_lr=min_lr)
    return np.array([plateau.observe(value) for value in values], dtype=float)


class ReduceOnPlateau:
    """Cut the rate by `factor` when the loss has not improved for more than `patience` steps (introduced in 04-decay).

    It is a schedule t -> lr that must see the loss of every step before it is
    asked for that step's rate. With `gradient_descent` (or any optimiser built
    on `run`), give each run a freshly watched loss:

        plateau = ReduceOnPlateau(0.5, factor=0.5, patience=10)
        run = gradient_descent(plateau.watch(loss), w0, plateau, steps)

    `watch` starts the schedule afresh and returns the same loss, except that
    every single-point value it computes is fed to `observe`. You may also feed
    losses by hand with `observe(loss)`, which returns the rate for that step.
    """

    def __init__(self, lr0: float, factor: float = 0.5, patience: int = 10,
                 threshold: float = 0.0, min_lr: float = 0.0) -> None:
        self.lr0 = check_positive_number(lr0, "lr0")
        self.factor = check_fraction(factor, "factor", allow_one=False)
        self.patience = check_count(patience, "patience", minimum=0, of=" of steps")
        self.threshold = check_positive_number(threshold, "threshold", allow_zero=True)
        if self.threshold >= 1:
            raise ValueError(f"threshold must be a relative improvement below 1, got {threshold}")
        self.min_lr = check_positive_number(min_lr, "min_lr", allow_zero=True)
        self.reset()

    def reset(self) -> None:
        """Forget every loss seen: back to lr0, with no best loss yet."""
        self.lr = self.lr0
        self.best = np.inf
        self.bad_steps = 0
        self.seen = 0
        self.cuts: list[int] = []

    def observe(self, loss: float) -> float:
        """Take the loss of the next step and return the learning rate to use for that step."""
        value = float(loss)
        improved = value < self.best - self.threshold * abs(self.best) if np.isfinite(self.best) else value < self.best
        if improved:
            self.best, self.bad_steps = value, 0
        else:
            self.bad_steps += 1
            if self.bad_steps > self.patience:
                self.lr = max(self.lr * self.factor, self.min_lr)
                self.bad_steps = 0
                self.cuts.append(self.seen)
        self.seen += 1
        return self.lr

    def __call__(self, t: int) -> float:
        """The rate for step t, which needs the losses of steps 0..t to have been observed."""
        if int(t) != self.seen - 1:
            raise ValueError(
                f"ReduceOnPlateau was asked for the rate of step {t} after seeing {self.seen} losses; it needs "
                "the loss of every step up to t. Run on plateau.watch(loss) (a fresh watch for every run) "
                "or feed losses with observe()."
            )
        return self.lr

    def watch(self, loss: Loss) -> Loss:
        """Start afresh and return `loss` wrapped so that each loss value it computes at a single point is observed."""
        if not isinstance(loss, Loss):
            raise TypeError(f"loss must be a gdlab loss (with value, grad and hessian), got {type(loss).__name__}")
        self.reset()
        return _Watched(loss, self)

    def __repr__(self) -> str:
        return (f"ReduceOnPlateau(lr0={self.lr0:g}, factor={self.factor:g}, patience={self.patience}, "
                f"lr now {self.lr:g} after {self.seen} losses)")


class _Watched(Wrapper):
    """A loss that reports every single-point value it computes to a ReduceOnPlateau schedule."""

    def __init__(self, loss: Loss, plateau: ReduceOnPlateau) -> None:
        self.inner, self.plateau = loss, plateau
        self.dim = loss.dim
        self.name = f"{loss.name} (watched by reduce-on-plateau)"

    def value(self, w: Any) -> np.ndarray:
        """The inner loss at `w`; a single value is also fed to the schedule."""
        result = self.inner.value(w)
        if np.ndim(result) == 0:
            self.plateau.observe(float(result))
        return result

    def grad(self, w: Any) -> np.ndarray:
        """The inner loss's gradient."""
        return self.inner.grad(w)


# ---------------------------------------------------------------------------
# Every schedule gdlab builds by name: the capstone's configurations (09) and
# the schedule picker (04) both look them up here.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleKind:
    """How to build one kind of schedule by name: factory(lr0, **parameters), plus the run's length as `total` if it needs it."""

    label: str                             # what the schedule picker (04) shows
    factory: Callable[..., Any]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()
    needs_total: bool = False


SCHEDULES = {
    "constant": ScheduleKind("constant", constant),
    "step_decay": ScheduleKind("step decay", step_decay, optional=("drop", "every")),
    "exponential": ScheduleKind("exponential", exponential, required=("gamma",)),
    "inverse_sqrt": ScheduleKind("inverse square root", inverse_sqrt, optional=("k",)),
    "inverse_time": ScheduleKind("1/t", inverse_time, optional=("k",)),
    "reduce_on_plateau": ScheduleKind("reduce on plateau", ReduceOnPlateau,
                                      optional=("factor", "patience", "threshold", "min_lr")),
    "cosine_with_warmup": ScheduleKind("cosine with warm-up", cosine_with_warmup, optional=("warmup", "lr_min"),
                                       defaults=(("warmup", 0),), needs_total=True),
}
SCHEDULE_LABELS = tuple(kind.label for kind in SCHEDULES.values())


def schedule_by_name(name: str, lr0: float, steps: int, **parameters: Any) -> Any:
    """The schedule SCHEDULES[name] starting at lr0, for a run of `steps` updates (introduced in 09-capstone)."""
    if name not in SCHEDULES:
        raise ValueError(f"name must be one of {', '.join(SCHEDULES)}; got {name!r}")
    kind = SCHEDULES[name]
    arguments = {**dict(kind.defaults), **parameters}
    if kind.needs_total:
        arguments["total"] = steps
    return kind.factory(lr0, **arguments)


def make_schedule(name: str, lr0: float, decay: int, steps: int) -> tuple[Any, str]:
    """The schedule the picker means by (name, lr0, decay), and its formula in words (introduced in 04-decay).

    `decay` is a number of steps: the step at which the decaying schedules have
    halved the rate (step decay halves every `decay` steps), the patience of
    reduce-on-plateau, the warm-up of the cosine schedule.
    """
    lr0 = check_positive_number(lr0, "lr0")
    decay = max(1, int(decay))
    if name not in SCHEDULE_LABELS:
        raise ValueError(f"name must be one of {', '.join(SCHEDULE_LABELS)}; got {name!r}")
    if name == "constant":
        return constant(lr0), f"lr = {lr0:.3g} at every step"
    if name == "step decay":
        return schedule_by_name("step_decay", lr0, steps, drop=0.5, every=decay), f"lr = {lr0:.3g}·0.5^⌊t/{decay}⌋ (halved every {decay} steps)"
    if name == "exponential":
        gamma = 0.5 ** (1.0 / decay)
        return schedule_by_name("exponential", lr0, steps, gamma=gamma), f"lr = {lr0:.3g}·{gamma:.4f}^t (halves every {decay} steps)"
    if name == "inverse square root":
        k = 3.0 / decay
        return schedule_by_name("inverse_sqrt", lr0, steps, k=k), f"lr = {lr0:.3g}/√(1 + {k:.3g}·t) (half of lr0 at t = {decay})"
    if name == "1/t":
        k = 1.0 / decay
        return schedule_by_name("inverse_time", lr0, steps, k=k), f"lr = {lr0:.3g}/(1 + {k:.3g}·t) (half of lr0 at t = {decay})"
    if name == "reduce on plateau":
        return schedule_by_name("reduce_on_plateau", lr0, steps, factor=0.5, patience=decay), (
            f"lr starts at {lr0:.3g} and halves once {decay + 1} steps in a row bring no new best loss (patience {decay})")
    if name == "cosine with warm-up":
        warmup = min(decay, steps - 1)
        return schedule_by_name("cosine_with_warmup", lr0, steps, warmup=warmup), (
            f"lr climbs to {lr0:.3g} over {warmup} steps, then follows a half cosine to 0 at step {steps}")
    raise AssertionError(f"no formula for the schedule {name!r}")   # every label of SCHEDULES has one above


def run_schedule(loss: Loss, w0: Any, schedule: Any, steps: int) -> Trajectory:
    """Gradient descent with `schedule`, replaying the loss's noise from its seed and watching the loss for reduce-on-plateau (introduced in 04-decay)."""
    from gdlab.optim.gd import gradient_descent   # gdlab.optim reads its rates from this module

    loss.reset()
    if isinstance(schedule, ReduceOnPlateau):
        return gradient_descent(schedule.watch(loss), w0, schedule, steps)
    return gradient_descent(loss, w0, schedule, steps)
