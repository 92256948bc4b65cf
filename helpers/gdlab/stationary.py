"""Stationary points: where the gradient vanishes, and what the Hessian's eigenvalues say about them."""

from __future__ import annotations

import enum
import numbers
from typing import Any

import numpy as np

from gdlab._checks import check_square_matrix
from gdlab.losses.base import Loss


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
