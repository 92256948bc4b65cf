"""Quadratic losses 0.5·(w-c)ᵀH(w-c): the model problem of the whole course."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_point, check_positive_number, check_square_matrix
from gdlab.losses.base import Loss, as_point


class Quadratic(Loss):
    """The loss 0.5·(w-c)ᵀH(w-c) for a symmetric H (introduced in 02-first-steps).

    With one parameter (H of size 1×1, or a plain number) this is 0.5·h·(w-c)²,
    whose second derivative is h everywhere. The centre defaults to the origin.
    """

    def __init__(self, H: Any, center: Any = None) -> None:
        self.H = check_square_matrix(H, "H")
        self.dim = self.H.shape[0]
        if center is None:
            center = np.zeros(self.dim)
        self.center = check_point(center, self.dim, "center")
        self.name = f"Quadratic(H={self.H.tolist()}, center={self.center.tolist()})"

    @property
    def curvatures(self) -> np.ndarray:
        """The eigenvalues of H, smallest first: the curvature along each principal direction."""
        return np.linalg.eigvalsh(self.H)

    @property
    def minimum(self) -> np.ndarray | None:
        """The centre c when no curvature is negative (a minimiser: the only one when H is positive definite); None otherwise."""
        return as_point(self.center, self.dim) if self.curvatures[0] >= 0 else None

    def value(self, w: Any) -> np.ndarray:
        """0.5·(w-c)ᵀH(w-c) at each point of `w`."""
        d = np.asarray(w, dtype=float) - self.center
        if self.dim == 1:
            return 0.5 * self.H[0, 0] * d * d
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.H, d)

    def grad(self, w: Any) -> np.ndarray:
        """H·(w-c) at each point of `w`."""
        d = np.asarray(w, dtype=float) - self.center
        if self.dim == 1:
            return self.H[0, 0] * d
        return d @ self.H

    def hessian(self, w: Any) -> np.ndarray:
        """H at each point of `w` (the same everywhere)."""
        return self._constant_hessian(self.H, w)


def parabola(a: float = 1.0, center: float = 0.0) -> Quadratic:
    """The one-parameter loss a·(w-center)², e.g. x² or (w-3)² (introduced in 01-slope)."""
    loss = Quadratic([[2.0 * a]], center)
    loss.name = f"{a:g}·(w-{center:g})²" if center else f"{a:g}·w²"
    return loss


def rotation(angle: float) -> np.ndarray:
    """The 2×2 matrix that turns the plane by `angle` degrees (counter-clockwise)."""
    turn = np.radians(angle)
    return np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])


def rotated_ravine(kappa: float = 100.0, angle: float = 45.0) -> Quadratic:
    """The ravine ½(x² + κ·y²) turned by `angle` degrees: its steep and flat directions are no longer the coordinates (introduced in 10-adaptive)."""
    kappa = check_positive_number(kappa, "kappa")
    turn = rotation(check_positive_number(angle, "angle", allow_zero=True))
    loss = Quadratic(turn @ np.diag([1.0, kappa]) @ turn.T)
    loss.name = f"ravine ½(x² + {kappa:g}·y²) turned by {float(angle):g}°"
    return loss
