"""Saddle landscapes: the pure saddle a·x² − b·y² and a double well whose wells sit either side of a saddle."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_positive_number
from gdlab.losses.base import Loss


def _pairs(w: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split points of shape (..., 2) into their x and y parts, or raise naming `w`."""
    w = np.asarray(w, dtype=float)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(f"w must have shape (..., 2) for a loss of 2 parameters, got shape {w.shape}")
    return w[..., 0], w[..., 1]


def _diagonal_hessian(hxx: np.ndarray, hyy: np.ndarray) -> np.ndarray:
    """Stack the diagonal entries into Hessians of shape (..., 2, 2) with zero off-diagonal terms."""
    hxx, hyy = np.broadcast_arrays(np.asarray(hxx, dtype=float), np.asarray(hyy, dtype=float))
    H = np.zeros(hxx.shape + (2, 2))
    H[..., 0, 0], H[..., 1, 1] = hxx, hyy
    return H


class Saddle(Loss):
    """The saddle a·x² − b·y² (a, b > 0): a minimum along x, a maximum along y, a saddle at 0 (introduced in 06-saddles-plateaus).

    The defaults give x² − y². Gradient descent shrinks x by (1 − 2·a·lr) and
    grows y by (1 + 2·b·lr) every step. There is no minimum (`minimum` is None).
    """

    dim = 2

    def __init__(self, a: float = 1.0, b: float = 1.0) -> None:
        self.a = check_positive_number(a, "a")
        self.b = check_positive_number(b, "b")
        self.name = f"{self.a:g}·x² − {self.b:g}·y²"

    @property
    def curvatures(self) -> np.ndarray:
        """The Hessian's eigenvalues (the same everywhere), smallest first: −2b and 2a."""
        return np.array([-2.0 * self.b, 2.0 * self.a])

    @property
    def saddle(self) -> np.ndarray:
        """The stationary point, the origin."""
        return np.zeros(2)

    def escape_rate(self, lr: float) -> float:
        """The factor 1 + 2·b·lr by which one GD step multiplies y."""
        return 1.0 + 2.0 * self.b * check_positive_number(lr, "lr")

    def value(self, w: Any) -> np.ndarray:
        """a·x² − b·y² at each point of `w` (shape (..., 2))."""
        x, y = _pairs(w)
        return self.a * x * x - self.b * y * y

    def grad(self, w: Any) -> np.ndarray:
        """(2a·x, −2b·y) at each point of `w`."""
        x, y = _pairs(w)
        return np.stack([2.0 * self.a * x, -2.0 * self.b * y], axis=-1)

    def hessian(self, w: Any) -> np.ndarray:
        """diag(2a, −2b) at each point of `w` (shape (..., 2, 2))."""
        x, _ = _pairs(w)
        return _diagonal_hessian(np.full(x.shape, 2.0 * self.a), np.full(x.shape, -2.0 * self.b))


class DoubleWell(Loss):
    """a·x² + (y² − 1)²/4: a saddle at the origin between two minima at (0, ±1) (introduced in 07-newton).

    The Hessian is diag(2a, 3y² − 1): negative along y when |y| < 1/√3, so a
    Newton step there heads for the saddle instead of a well. `minimum` is None
    (there are two: `minima`).
    """

    dim = 2

    def __init__(self, a: float = 1.0) -> None:
        self.a = check_positive_number(a, "a")
        self.name = f"{self.a:g}·x² + (y² − 1)²/4"

    @property
    def saddle(self) -> np.ndarray:
        """The saddle point between the wells, the origin."""
        return np.zeros(2)

    @property
    def minima(self) -> np.ndarray:
        """The two minima (0, −1) and (0, 1), one per row."""
        return np.array([[0.0, -1.0], [0.0, 1.0]])

    def value(self, w: Any) -> np.ndarray:
        """a·x² + (y² − 1)²/4 at each point of `w` (shape (..., 2))."""
        x, y = _pairs(w)
        return self.a * x * x + 0.25 * (y * y - 1.0) ** 2

    def grad(self, w: Any) -> np.ndarray:
        """(2a·x, y³ − y) at each point of `w`."""
        x, y = _pairs(w)
        return np.stack([2.0 * self.a * x, y ** 3 - y], axis=-1)

    def hessian(self, w: Any) -> np.ndarray:
        """diag(2a, 3y² − 1) at each point of `w` (shape (..., 2, 2))."""
        x, y = _pairs(w)
        return _diagonal_hessian(np.full(x.shape, 2.0 * self.a), 3.0 * y * y - 1.0)

