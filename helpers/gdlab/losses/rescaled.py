"""A loss seen in rescaled coordinates: L(s ⊙ u), to compare how optimisers react to a change of units."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss


class Rescaled(Loss):
    """The loss u ↦ inner(s ⊙ u): the same landscape with parameter i measured in units of 1/s_i (introduced in 07-newton).

    Gradient descent on it, mapped back by w = s ⊙ u, follows a different path
    from gradient descent on `inner`; Newton's method follows the same one.
    """

    def __init__(self, loss: Loss, scale: Any) -> None:
        if not isinstance(loss, Loss):
            raise TypeError(f"loss must be a gdlab loss, got {type(loss).__name__}")
        try:
            s = np.array(scale, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"scale must be a number or an array of numbers, got {scale!r}") from None
        if loss.dim == 1:
            if s.size != 1:
                raise ValueError(f"scale must be a single number for a loss of one parameter, got shape {s.shape}")
            s = s.reshape(())
        elif s.shape != (loss.dim,):
            raise ValueError(f"scale must have shape ({loss.dim},) to match the loss, got shape {s.shape}")
        if not np.all(np.isfinite(s)) or np.any(s == 0):
            raise ValueError("scale must contain only finite, non-zero numbers")
        self.inner, self.scale, self.dim = loss, s, loss.dim
        self.name = f"{loss.name} rescaled by {s.tolist()}"

    def to_original(self, u: Any) -> np.ndarray:
        """The original parameters w = s ⊙ u of rescaled points u (works on a whole trajectory)."""
        return np.asarray(u, dtype=float) * self.scale

    @property
    def minimum(self) -> np.ndarray | None:
        """The inner loss's minimiser in rescaled units, u = w / s (None when it has none)."""
        w = self.inner.minimum
        return None if w is None else np.asarray(w, dtype=float) / self.scale

    @property
    def curvatures(self) -> np.ndarray | None:
        """The eigenvalues of diag(s)·H·diag(s) when the inner Hessian H is the same everywhere; None otherwise."""
        if self.inner.curvatures is None:
            return None
        return np.linalg.eigvalsh(np.atleast_2d(self.hessian(np.zeros(np.shape(self.scale)))))

    def value(self, u: Any) -> np.ndarray:
        """inner(s ⊙ u) at each point of `u`."""
        return self.inner.value(self.to_original(u))

    def grad(self, u: Any) -> np.ndarray:
        """s ⊙ ∇inner(s ⊙ u) at each point of `u`."""
        return np.asarray(self.inner.grad(self.to_original(u)), dtype=float) * self.scale

    def hessian(self, u: Any) -> np.ndarray:
        """diag(s)·H_inner(s ⊙ u)·diag(s) at each point of `u` (shape batch + (D, D))."""
        s = np.atleast_1d(self.scale)
        return np.asarray(self.inner.hessian(self.to_original(u)), dtype=float) * s[:, None] * s[None, :]
