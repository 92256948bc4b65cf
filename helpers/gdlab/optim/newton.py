"""Newton's method: the step −(H + λI)⁻¹·∇L, solved as a linear system, optionally damped."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_positive_number, check_square_matrix
from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory, run


def _solve(H: np.ndarray, g: np.ndarray, shift: float) -> np.ndarray:
    """The solution d of (H + shift·I)·d = g, shaped like g; nan when the matrix is singular."""
    g = np.asarray(g, dtype=float)
    H = np.asarray(H, dtype=float).reshape(g.size, g.size) + shift * np.eye(g.size)
    try:
        return np.linalg.solve(H, g.reshape(g.size)).reshape(g.shape)
    except np.linalg.LinAlgError:
        return np.full(g.shape, np.nan)


def newton(loss: Loss, w0: Any, damping: Any, steps: int, *, shift: float = 0.0) -> Trajectory:
    """Run `steps` Newton updates w ← w − damping·(H + shift·I)⁻¹·∇L(w) from w0 (introduced in 07-newton).

    `damping` (a number or a schedule t -> damping; 1.0 is the full Newton
    step) takes the place of a learning rate and is recorded as the run's `lr`; `shift` λ ≥ 0 is the
    Levenberg–Marquardt shift of the Hessian. The step is a linear solve,
    never an explicit inverse. A singular H + λI stops the run like an
    overflow (diverged=True from that step on).
    """
    shift = check_positive_number(shift, "shift", allow_zero=True)
    if not callable(damping):
        damping = check_positive_number(damping, "damping")

    def update(t: int, w: np.ndarray, g: np.ndarray, rate: float) -> np.ndarray:
        return w - rate * _solve(loss.hessian(w), g, shift)

    return run(loss, w0, damping, steps, update=update)


def determinant_learning_rate(hessian: Any) -> float:
    """The scalar heuristic (det H)^(−1/D): one over the geometric mean of the eigenvalues of a positive-definite H (introduced in 07-newton)."""
    H = check_square_matrix(hessian, "hessian", symmetric=False)
    sign, logdet = np.linalg.slogdet(H)
    if sign <= 0 or np.any(np.linalg.eigvalsh((H + H.T) / 2) <= 0):
        raise ValueError("hessian must be positive definite: (det H)^(−1/D) is a learning rate only at a minimum")
    return float(np.exp(-logdet / H.shape[0]))
