"""Least squares on a data set: the mean of ½(x·w − y)² over the examples, with per-example and mini-batch gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_count, check_indices
from gdlab.losses.base import Loss, as_point


class LeastSquares(Loss):
    """L(w) = (1/N)·Σᵢ ½(xᵢ·w − yᵢ)² for features X (N×D) and targets y (N,) (introduced in 08-stochastic).

    The gradient is the mean of the per-example gradients gᵢ = xᵢ·(xᵢ·w − yᵢ),
    the Hessian XᵀX/N. `batch_grad(w, idx)` is the same mean over the examples
    in `idx` only: the mini-batch gradient.
    """

    def __init__(self, X: Any, y: Any) -> None:
        try:
            X = np.array(X, dtype=float)
            y = np.array(y, dtype=float)
        except (TypeError, ValueError):
            raise TypeError("X and y must be arrays of numbers") from None
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must be a matrix of shape (N, D) with one row per example, got shape {X.shape}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have one target per row of X, shape ({X.shape[0]},), got shape {y.shape}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("X and y must contain only finite numbers")
        self.X, self.y = X, y
        self.n, self.dim = X.shape
        self.name = f"LeastSquares(N={self.n}, D={self.dim})"
        self._minimum: np.ndarray | None = None

    def _points(self, w: Any) -> np.ndarray:
        """Points as (..., D) arrays (a loss of one parameter takes any array, elementwise)."""
        w = np.asarray(w, dtype=float)
        if self.dim == 1:
            return w[..., None]
        if w.ndim == 0 or w.shape[-1] != self.dim:
            raise ValueError(f"w must have shape (..., {self.dim}) for a loss of {self.dim} parameters, got shape {w.shape}")
        return w

    def _shaped(self, g: np.ndarray) -> np.ndarray:
        """Drop the parameter axis again for a loss of one parameter."""
        return g[..., 0] if self.dim == 1 else g

    def residuals(self, w: Any, idx: Any = None) -> np.ndarray:
        """xᵢ·w − yᵢ for every example (or those in idx), for every point of `w`: shape (..., N)."""
        X, y = (self.X, self.y) if idx is None else (self.X[idx], self.y[idx])
        return self._points(w) @ X.T - y

    def value(self, w: Any) -> np.ndarray:
        """The mean of ½(xᵢ·w − yᵢ)² over all examples, at each point of `w`."""
        r = self.residuals(w)
        return 0.5 * np.mean(r * r, axis=-1)

    def grad(self, w: Any) -> np.ndarray:
        """The full-batch gradient Xᵀ(Xw − y)/N at each point of `w`."""
        return self._shaped(self.residuals(w) @ self.X / self.n)

    def hessian(self, w: Any) -> np.ndarray:
        """XᵀX/N at each point of `w` (the same everywhere)."""
        return self._constant_hessian(self.X.T @ self.X / self.n, w)

    def batch_grad(self, w: Any, idx: Any) -> np.ndarray:
        """The mini-batch gradient: the mean of gᵢ = xᵢ·(xᵢ·w − yᵢ) over the examples in idx (introduced in 08-stochastic)."""
        idx = check_indices(idx, self.n)
        return self._shaped(self.residuals(w, idx) @ self.X[idx] / idx.size)

    def example_grads(self, w: Any) -> np.ndarray:
        """The N per-example gradients gᵢ = xᵢ·(xᵢ·w − yᵢ) at the single point `w`: shape (N, D) ((N,) with one parameter)."""
        point = self._points(w)
        if point.ndim != 1:
            raise ValueError("example_grads takes a single point w")
        return self._shaped(self.X * (self.X @ point - self.y)[:, None])

    def minibatch_variance(self, w: Any, batch_size: int, replace: bool = False) -> float:
        """E‖ĝ_B − ∇L‖² for a uniformly random batch of B examples: tr(S)/B·(N−B)/(N−1), or tr(S)/B with replacement (introduced in 08-stochastic).

        S is the covariance of the per-example gradients over the data set
        (divided by N); (N−B)/(N−1) is the finite-population correction for
        drawing without replacement: it is 1 at B = 1 and 0 at B = N.
        """
        B = check_count(batch_size, "batch_size")
        if B > self.n and not replace:
            raise ValueError(f"batch_size must be at most N = {self.n} without replacement, got {B}")
        g = np.asarray(self.example_grads(w), dtype=float).reshape(self.n, -1)
        spread = float(np.mean(np.sum((g - g.mean(axis=0)) ** 2, axis=1)))
        if replace:
            return spread / B
        return spread / B * ((self.n - B) / (self.n - 1) if self.n > 1 else 0.0)

    @property
    def curvatures(self) -> np.ndarray:
        """The eigenvalues of XᵀX/N, smallest first."""
        return np.linalg.eigvalsh(self.X.T @ self.X / self.n)

    @property
    def minimum(self) -> np.ndarray:
        """The least-squares solution (the minimiser when XᵀX is invertible)."""
        if self._minimum is None:
            self._minimum = as_point(np.linalg.lstsq(self.X, self.y, rcond=None)[0], self.dim)
        return self._minimum.copy()

    @property
    def minimum_value(self) -> float:
        """The lowest loss, at the least-squares solution."""
        return float(self.value(self.minimum))
