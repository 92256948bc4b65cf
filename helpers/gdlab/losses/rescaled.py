"""A loss seen in rescaled coordinates: L(s ⊙ u), to compare how optimisers react to a change of units."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss


class Rescaled(Loss):
    """The loss u ↦ base(s ⊙ u): the same landscape with parameter i measured in units of 1/s_i (introduced in 07-newton).

    Gradient descent on it, mapped back by w = s ⊙ u, follows a different path
    from gradient descent on `base`; Newton's method follows the same one.
    """

    def __init__(self, base: Loss, scale: Any) -> None:
        if not isinstance(base, Loss):
            raise TypeError(f"base must be a gdlab loss, got {type(base).__name__}")
        try:
            s = np.array(scale, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"scale must be a number or an array of numbers, got {scale!r}") from None
        if base.dim == 1:
            if s.size != 1:
                raise ValueError(f"scale must be a single number for a loss of one parameter, got shape {s.shape}")
            s = s.reshape(())
        elif s.shape != (base.dim,):
            raise ValueError(f"scale must have shape ({base.dim},) to match the loss, got shape {s.shape}")
        if not np.all(np.isfinite(s)) or np.any(s == 0):
            raise ValueError("scale must contain only finite, non-zero numbers")
        self.base, self.scale, self.dim = base, s, base.dim
        self.name = f"{base.name} rescaled by {s.tolist()}"

    def to_original(self, u: Any) -> np.ndarray:
        """The original parameters w = s ⊙ u of rescaled points u (works on a whole trajectory)."""
        return np.asarray(u, dtype=float) * self.scale

    def value(self, u: Any) -> np.ndarray:
        """base(s ⊙ u) at each point of `u`."""
        return self.base.value(self.to_original(u))

    def grad(self, u: Any) -> np.ndarray:
        """s ⊙ ∇base(s ⊙ u) at each point of `u`."""
        return np.asarray(self.base.grad(self.to_original(u)), dtype=float) * self.scale

    def hessian(self, u: Any) -> np.ndarray:
        """diag(s)·H_base(s ⊙ u)·diag(s) at each point of `u` (shape (..., D, D))."""
        s = np.atleast_1d(self.scale)
        return np.asarray(self.base.hessian(self.to_original(u)), dtype=float) * s[:, None] * s[None, :]
