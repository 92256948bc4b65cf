"""Rates chosen afresh at every step from the loss itself: Armijo backtracking and Polyak's step (introduced in 10-adaptive)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_fraction, check_positive_number
from gdlab.losses.base import Loss
from gdlab.optim.gd import gd_step
from gdlab.optim.trajectory import Trajectory, run

MAX_SHRINKS = 60  # 0.5**60 ≈ 1e-18: a rate that small means the gradient is not a descent direction here


def _check_search(lr0: Any, shrink: Any, c: Any) -> tuple[float, float, float]:
    """lr0 > 0, and shrink and c in (0, 1), or raise naming the bad one."""
    return (check_positive_number(lr0, "lr0"), check_fraction(shrink, "shrink", allow_one=False),
            check_fraction(c, "c", allow_one=False))


def armijo_rate(loss: Loss, w: Any, grad: Any, lr0: float = 1.0, shrink: float = 0.5, c: float = 1e-4) -> float:
    """The first rate lr0·shrinkᵏ (k = 0, 1, …) with L(w − rate·g) ≤ L(w) − c·rate·‖g‖²: Armijo's sufficient decrease."""
    lr0, shrink, c = _check_search(lr0, shrink, c)
    w, grad = np.asarray(w, dtype=float), np.asarray(grad, dtype=float)
    start, slope = float(loss.value(w)), float(np.sum(grad * grad))
    rate = lr0
    with np.errstate(all="ignore"):
        for _ in range(MAX_SHRINKS):
            value = float(loss.value(w - rate * grad))
            if np.isfinite(value) and value <= start - c * rate * slope:
                return rate
            rate *= shrink
    return rate


def backtracking(loss: Loss, w0: Any, lr0: float, steps: int, *, shrink: float = 0.5, c: float = 1e-4) -> Trajectory:
    """Gradient descent whose rate is found by Armijo backtracking at every step, starting from lr0 each time; `lr` records each accepted rate."""
    lr0, shrink, c = _check_search(lr0, shrink, c)
    return run(loss, w0, None, steps, update=lambda t, w, g, rate: gd_step(w, g, rate),
               rate_rule=lambda t, w, g: armijo_rate(loss, w, g, lr0, shrink, c))


def polyak_rate(value: float, f_star: float, grad: Any) -> float:
    """Polyak's rate (L(w) − f*)/‖∇L(w)‖² (0 where the gradient vanishes)."""
    squared = float(np.sum(np.asarray(grad, dtype=float) ** 2))
    return max(float(value) - float(f_star), 0.0) / squared if squared > 0 else 0.0


def polyak(loss: Loss, w0: Any, f_star: float, steps: int) -> Trajectory:
    """Gradient descent with Polyak's rate (L(w) − f*)/‖∇L(w)‖² at every step, for a loss whose lowest value f* is known."""
    if isinstance(f_star, bool) or not np.isfinite(np.asarray(f_star, dtype=float)).all() or np.ndim(f_star):
        raise ValueError(f"f_star must be a finite number (the loss's lowest value), got {f_star!r}")
    return run(loss, w0, None, steps, update=lambda t, w, g, rate: gd_step(w, g, rate),
               rate_rule=lambda t, w, g: polyak_rate(loss.value(w), f_star, g))
