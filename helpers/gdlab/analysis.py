"""Reading runs: learning-rate sweeps, steps to a tolerance, and the regime a run is in."""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from gdlab._checks import check_point, check_positive_number, check_rates, check_steps
from gdlab.losses.base import Loss
from gdlab.optim.gd import gd_step
from gdlab.optim.trajectory import Trajectory


class Regime(enum.StrEnum):
    """The five ways a gradient-descent run can behave (introduced in 02-first-steps)."""

    ONE_STEP = "converges in one step"
    STEADY = "converges steadily"
    OSCILLATING = "converges oscillating"
    BOUNCES = "bounces forever"
    DIVERGES = "diverges"


def sweep(loss: Loss, w0: Any, lrs: Any, steps: int) -> np.ndarray:
    """Final loss after `steps` GD updates for every rate in `lrs`, all rates at once (introduced in 03-learning-rate-sweeps).

    A run that overflows has final loss inf, as in `gradient_descent`.
    """
    steps = check_steps(steps)
    start = check_point(w0, loss.dim)
    rates = check_rates(lrs, "lrs", one_dimensional=True)
    w = np.broadcast_to(start, rates.shape + start.shape).copy()
    lr = rates.reshape(rates.shape + (1,) * start.ndim)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = gd_step(w, loss.grad(w), lr)
        final = np.asarray(loss.value(w), dtype=float)
        finite_point = np.all(np.isfinite(w.reshape(rates.size, -1)), axis=1)
    return np.where(finite_point & np.isfinite(final), final, np.inf)


def distance(trajectory: Trajectory, target: Any) -> np.ndarray:
    """|w_k - target| for every row k of a run (the Euclidean norm with several parameters)."""
    err = np.asarray(trajectory.w, dtype=float) - np.asarray(target, dtype=float)
    return np.abs(err) if err.ndim == 1 else np.linalg.norm(err, axis=-1)


def steps_to_tolerance(trajectory: Trajectory, target: Any, tol: float) -> int | None:
    """The first step k with |w_k - target| < tol, or None if the run never gets there (introduced in 02-first-steps)."""
    tol = check_positive_number(tol, "tol")
    with np.errstate(invalid="ignore"):
        inside = np.flatnonzero(distance(trajectory, target) < tol)
    return int(inside[0]) if inside.size else None


def classify(trajectory: Trajectory, rtol: float = 1e-9) -> Regime:
    """Which of the five regimes a run is in, judged from the sizes and directions of its steps (introduced in 02-first-steps).

    Needs at least two steps. A run that never moves (it started where the
    gradient is zero) counts as converging steadily.
    """
    if trajectory.diverged:
        return Regime.DIVERGES
    if trajectory.steps < 2:
        raise ValueError(f"classify needs a run of at least 2 steps, got {trajectory.steps}")
    moves = np.diff(np.asarray(trajectory.w, dtype=float).reshape(trajectory.steps + 1, -1), axis=0)
    sizes = np.linalg.norm(moves, axis=1)
    first = sizes[0]
    if first == 0:
        return Regime.STEADY
    if np.all(sizes[1:] <= rtol * first):
        return Regime.ONE_STEP
    last = len(sizes) - 1
    growth = (sizes[last] / first) ** (1.0 / last)
    turns = np.einsum("ij,ij->i", moves[:-1], moves[1:])
    moving = (sizes[:-1] > rtol * first) & (sizes[1:] > rtol * first)
    oscillating = bool(turns[moving][-1] < 0) if moving.any() else False
    if growth > 1 + 1e-6:
        return Regime.DIVERGES
    if growth >= 1 - 1e-6:
        return Regime.BOUNCES
    return Regime.OSCILLATING if oscillating else Regime.STEADY
