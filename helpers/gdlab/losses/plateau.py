"""A sigmoid plateau: fitting one sigmoid unit from deep in its saturated region, where the gradient almost vanishes."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss, as_point


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function 1/(1 + e^(−z)), elementwise, without overflow (introduced in 06-saddles-plateaus)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_slope(z: Any) -> np.ndarray:
    """σ'(z) = σ(z)·(1 − σ(z)): 0.25 at 0, about 6.6e-3 at 5 and 4.5e-5 at 10 (introduced in 06-saddles-plateaus)."""
    s = sigmoid(z)
    return s * (1.0 - s)


class SigmoidPlateau(Loss):
    """The one-parameter loss (σ(w) − target)² for 0 < target < 1 (introduced in 06-saddles-plateaus).

    Its minimum is at w = log(target/(1 − target)). Far to the left σ saturates,
    σ'(w) ≈ e^w, and the gradient 2(σ − target)·σ' is almost zero: a plateau.
    """

    dim = 1

    def __init__(self, target: float = 0.7) -> None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise TypeError(f"target must be a number, got {target!r}") from None
        if not 0.0 < target < 1.0:
            raise ValueError(f"target must lie strictly between 0 and 1 (a sigmoid's outputs), got {target}")
        self.target = target
        self.name = f"(σ(w) − {target:g})²"

    @property
    def minimum(self) -> np.ndarray:
        """The w where σ(w) = target: log(target/(1 − target))."""
        return as_point(np.log(self.target / (1.0 - self.target)), 1)

    def value(self, w: Any) -> np.ndarray:
        """(σ(w) − target)² at each point of `w`."""
        r = sigmoid(w) - self.target
        return r * r

    def grad(self, w: Any) -> np.ndarray:
        """2(σ(w) − target)·σ'(w) at each point of `w`."""
        return 2.0 * (sigmoid(w) - self.target) * sigmoid_slope(w)

    def hessian(self, w: Any) -> np.ndarray:
        """2(σ'² + (σ − target)·σ'·(1 − 2σ)) at each point of `w`, as 1×1 matrices (shape w.shape + (1, 1))."""
        s = sigmoid(w)
        slope = s * (1.0 - s)
        curvature = 2.0 * (slope * slope + (s - self.target) * slope * (1.0 - 2.0 * s))
        return np.asarray(curvature)[..., None, None]
