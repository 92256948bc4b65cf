"""The shape every loss in gdlab shares: value, gradient and Hessian, vectorised over leading axes."""

from __future__ import annotations

import numpy as np


class Loss:
    """A differentiable loss of `dim` parameters (introduced in 02-first-steps).

    A loss of one parameter works elementwise on any array of points; a loss of
    D > 1 parameters takes points of shape (..., D). `value` returns one number
    per point, `grad` one gradient per point and `hessian` the D×D matrix at a
    single point.
    """

    dim: int = 1
    name: str = "loss"

    def value(self, w: np.ndarray) -> np.ndarray:
        """The loss at `w`."""
        raise NotImplementedError

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The gradient of the loss at `w`."""
        raise NotImplementedError

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """The D×D matrix of second derivatives at the single point `w`."""
        raise NotImplementedError

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """The loss at `w`, so a loss can be used where a plain function is expected."""
        return self.value(w)

    def __repr__(self) -> str:
        return self.name
