"""Gradient descent on a quadratic, predicted from the curvature: the factor per step, steps to a tolerance, good rates."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gdlab._checks import check_curvatures, check_positive_number, check_steps
from gdlab.losses.base import Loss
from gdlab.optim.gd import gradient_descent
from gdlab.optim.trajectory import Trajectory


def error_factor(lr: Any, h: Any) -> np.ndarray:
    """1 - lr·h: what one GD step multiplies the error by on curvature h; vectorised (introduced in 03-learning-rate-sweeps)."""
    return 1.0 - np.asarray(lr, dtype=float) * np.asarray(h, dtype=float)


def largest_stable_rate(h: Any) -> float:
    """2/h_max: the edge between bouncing and diverging for the steepest curvature (introduced in 03-learning-rate-sweeps)."""
    return float(2.0 / check_curvatures(h).max())


def predicted_steps(lr: float, h: float, e0: float, tol: float) -> int | None:
    """Steps until |e_k| < tol when each step multiplies the error by 1 - lr·h: ceil(log(tol/|e0|)/log|1-lr·h|) (introduced in 03-learning-rate-sweeps).

    0 if |e0| is already below tol, 1 when lr·h = 1 exactly, None when the
    run never gets there (|1 - lr·h| >= 1). A result that lands exactly on an
    integer is bumped by one, since the count is of strict |e_k| < tol.
    """
    lr = check_positive_number(lr, "lr")
    h = check_positive_number(h, "h")
    tol = check_positive_number(tol, "tol")
    e0 = abs(float(e0))
    if e0 < tol:
        return 0
    factor = abs(1.0 - lr * h)
    if factor == 0.0:
        return 1
    if factor >= 1.0:
        return None
    exact = math.log(tol / e0) / math.log(factor)
    steps = math.ceil(exact)
    return steps + 1 if steps == exact else steps


def best_rate(h_min: float, h_max: float) -> float:
    """2/(h_min + h_max): the single rate that shrinks the slowest direction fastest (introduced in 03-learning-rate-sweeps)."""
    h_min = check_positive_number(h_min, "h_min")
    h_max = check_positive_number(h_max, "h_max")
    if h_min > h_max:
        raise ValueError(f"h_min must not exceed h_max, got {h_min} and {h_max}")
    return 2.0 / (h_min + h_max)


def best_factor(kappa: float) -> float:
    """(κ-1)/(κ+1): the error factor per step of GD at the best single rate, κ = h_max/h_min (introduced in 03-learning-rate-sweeps)."""
    kappa = check_positive_number(kappa, "kappa")
    if kappa < 1:
        raise ValueError(f"kappa = h_max/h_min must be at least 1, got {kappa}")
    return (kappa - 1.0) / (kappa + 1.0)


def steps_per_factor(factor: float, shrink: float = 1e6) -> float:
    """How many steps an error factor per step needs to shrink the error by `shrink`: log(shrink)/log(1/factor) (introduced in 03-learning-rate-sweeps)."""
    factor = check_positive_number(factor, "factor")
    shrink = check_positive_number(shrink, "shrink")
    if factor >= 1:
        return math.inf
    return math.log(shrink) / -math.log(factor)


def range_test(loss: Loss, w0: Any, lr_min: float, lr_max: float, steps: int) -> Trajectory:
    """One GD run whose rate grows geometrically from lr_min to lr_max: the learning-rate range test (introduced in 03-learning-rate-sweeps).

    The trajectory's `lr` holds the rate of every step; read the loss against
    it (`trajectory.loss[1:]` is the loss after the step taken at `trajectory.lr`).
    """
    lr_min = check_positive_number(lr_min, "lr_min")
    lr_max = check_positive_number(lr_max, "lr_max")
    steps = check_steps(steps)
    if lr_min >= lr_max:
        raise ValueError(f"lr_min must be below lr_max, got {lr_min} and {lr_max}")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 for a range test, got {steps}")
    ratio = lr_max / lr_min
    return gradient_descent(loss, w0, lambda t: lr_min * ratio ** (t / (steps - 1)), steps)
