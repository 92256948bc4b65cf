"""Stationary points: where the gradient vanishes, and what the Hessian's eigenvalues say about them."""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

from gdlab._checks import check_square_matrix
from gdlab.losses.base import Loss
from gdlab.losses.saddle import Saddle
from gdlab.optim.gd import gradient_descent
from gdlab.optim.trajectory import Trajectory


class StationaryKind(enum.StrEnum):
    """What the second-derivative test says about a stationary point (introduced in 06-saddles-plateaus)."""

    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    SADDLE = "saddle"
    INCONCLUSIVE = "inconclusive"


def classify_stationary(hessian: Any, tol: float = 1e-9) -> StationaryKind:
    """Classify a stationary point from the signs of its Hessian's eigenvalues (introduced in 06-saddles-plateaus).

    All positive: minimum; all negative: maximum; at least one of each sign:
    saddle (whatever the others are). Otherwise some eigenvalue is zero (|λ| ≤
    tol times the largest |λ|, or ≤ tol when all are tiny) and the others share
    one sign: the second-derivative test cannot decide (x³, x⁴ and −x⁴ at 0
    all have Hessian 0).
    """
    eigenvalues = np.linalg.eigvalsh(check_square_matrix(hessian, "hessian"))
    scale = max(1.0, float(np.abs(eigenvalues).max()))
    positive = eigenvalues > tol * scale
    negative = eigenvalues < -tol * scale
    if positive.any() and negative.any():
        return StationaryKind.SADDLE
    if positive.all():
        return StationaryKind.MINIMUM
    if negative.all():
        return StationaryKind.MAXIMUM
    return StationaryKind.INCONCLUSIVE


def is_stationary(loss: Loss, w: Any, tol: float = 1e-8) -> bool:
    """True when the gradient of `loss` at the single point `w` has norm at most `tol` (introduced in 06-saddles-plateaus)."""
    g = np.asarray(loss.grad(np.asarray(w, dtype=float)), dtype=float)
    return bool(np.linalg.norm(g) <= tol)


MAX_ESCAPE_STEPS = 300


def escape_run(eps: float, lr: float, x0: float = 1.0, b: float = 1.0) -> tuple[Trajectory, int | None, float]:
    """GD on x² − b·y² from (x0, ε), long enough to leave the saddle; returns the run, the measured and the predicted escape step (introduced in 06-saddles-plateaus)."""
    loss = Saddle(1.0, b)
    predicted = math.log(1.0 / eps) / math.log(loss.escape_rate(lr))
    steps = min(MAX_ESCAPE_STEPS, int(math.ceil(predicted)) + 5)
    run = gradient_descent(loss, [x0, eps], lr, steps)
    escaped = np.flatnonzero(np.abs(run.w[:, 1]) >= 1.0)
    return run, (int(escaped[0]) if escaped.size else None), predicted
