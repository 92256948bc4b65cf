"""The record of an optimisation run, and the loop every optimiser in gdlab shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from gdlab._checks import check_point, check_steps
from gdlab.losses.base import Loss
from gdlab.schedules import as_schedule, rate_at

Update = Callable[[int, np.ndarray, np.ndarray, float], np.ndarray]


@dataclass(frozen=True)
class Trajectory:
    """Weights, losses, gradients and learning rates of a run (introduced in 02-first-steps).

    `w`, `loss` and `grad` have steps+1 rows (row k is after k updates); `lr`
    has `steps` rows (the rate used by update k). A run that overflows stops:
    `diverged` is True, `stopped_at` is the first row that was not finite, and
    from that row on `w` and `grad` are nan and `loss` is inf.
    """

    w: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    diverged: bool = False
    stopped_at: int | None = None

    @property
    def steps(self) -> int:
        """The number of updates asked for."""
        return len(self.lr)

    @property
    def message(self) -> str:
        """One line saying how the run ended."""
        if self.diverged:
            return f"diverged: the loss overflowed at step {self.stopped_at}, the run stopped there"
        return f"finished {self.steps} steps, final loss {self.loss[-1]:.6g}"

    def __repr__(self) -> str:
        return f"Trajectory({self.message})"


def run(loss: Loss, w0: Any, lr: Any, steps: Any, *, update: Update,
        rate_rule: Callable[[int, np.ndarray, np.ndarray], float] | None = None) -> Trajectory:
    """Apply `update(t, w, grad, lr) -> new w` `steps` times from w0 and record everything.

    Every optimiser in gdlab is called the same way: optimiser(loss, w0, rate, steps, *, options),
    the rate (lr; Newton's damping; a line search's first rate lr0; Polyak's lowest value f*) third
    and the number of updates fourth, anything else by name.

    The rate of step t comes from the schedule `lr`, or, when `rate_rule` is given (and lr is None), from
    rate_rule(t, w, grad): a rate chosen from the loss at each step, such as a line search's.
    """
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a gdlab loss (with value, grad and hessian), got {type(loss).__name__}")
    steps = check_steps(steps)
    w0 = check_point(w0, loss.dim)
    schedule = as_schedule(lr) if rate_rule is None else None
    if rate_rule is not None and lr is not None:
        raise ValueError("give either a learning rate (lr) or a rate_rule, not both")
    w = np.full((steps + 1,) + w0.shape, np.nan)
    grad = np.full_like(w, np.nan)
    values = np.full(steps + 1, np.inf)
    rates = np.full(steps, np.nan)
    stopped_at = None
    current = w0
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            value, g = loss.value_and_grad(current)
            value, g = float(value), np.asarray(g, dtype=float)
            if not (math.isfinite(value) and np.isfinite(current).all() and np.isfinite(g).all()):
                stopped_at = t
                break
            w[t], grad[t], values[t] = current, g, value
            if t == steps:
                break
            rates[t] = rate_at(schedule, t) if rate_rule is None else rate_at(lambda _: rate_rule(t, w[t], g), t)
            current = np.asarray(update(t, w[t], g, rates[t]), dtype=float)
    return Trajectory(w=w, loss=values, grad=grad, lr=rates, diverged=stopped_at is not None, stopped_at=stopped_at)
