"""Logistic regression: the mean cross-entropy of a linear classifier, with an optional L2 penalty."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_count, check_indices, check_positive_number
from gdlab.losses.base import Loss, as_point
from gdlab.losses.plateau import sigmoid


def _products(points: np.ndarray, X: np.ndarray) -> np.ndarray:
    """xᵢ·w for every row of X and every point: shape (..., N).

    A stack of points goes through einsum rather than a BLAS matrix product:
    multi-threaded BLAS on small matrices slows down many times over when
    other processes share the cores (as in a test run), einsum does not.
    """
    return points @ X.T if points.ndim == 1 else np.einsum("...d,nd->...n", points, X)


def _combine(weights: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Σᵢ weightsᵢ·xᵢ for every point: shape (..., D) (einsum for stacks, as in _products)."""
    return weights @ X if weights.ndim == 1 else np.einsum("...n,nd->...d", weights, X)


class LogisticRegression(Loss):
    """L(w) = (1/N)·Σᵢ [log(1 + e^(zᵢ)) − yᵢ·zᵢ] + (l2/2)·|w|², zᵢ = xᵢ·w, labels yᵢ ∈ {0, 1} (introduced in 09-capstone).

    The gradient is Xᵀ(σ(Xw) − y)/N + l2·w and the Hessian
    Xᵀ·diag(σ'(Xw))·X/N + l2·I. Since σ' ≤ 1/4 the curvature is never larger
    than at σ = 1/2: `curvature_bound` is λ_max(XᵀX)/(4N) + l2 for every w.
    Points are (..., D) arrays; a loss of one parameter works elementwise.
    """

    def __init__(self, X: Any, y: Any, l2: float = 0.0) -> None:
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
            raise ValueError(f"y must have one label per row of X, shape ({X.shape[0]},), got shape {y.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X must contain only finite numbers")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must hold class labels 0 and 1 only")
        self.X, self.y = X, y
        self.l2 = check_positive_number(l2, "l2", allow_zero=True)
        self.n, self.dim = X.shape
        self.name = f"LogisticRegression(N={self.n}, D={self.dim}, l2={self.l2:g})"
        self._minimum: np.ndarray | None = None
        self._searched = False

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

    def value(self, w: Any) -> np.ndarray:
        """The mean cross-entropy plus (l2/2)·|w|² at each point of `w`; log(1 + e^z) is computed without overflow."""
        points = self._points(w)
        z = _products(points, self.X)
        data = np.mean(np.logaddexp(0.0, z) - self.y * z, axis=-1)
        return data + 0.5 * self.l2 * np.sum(points * points, axis=-1)

    def grad(self, w: Any) -> np.ndarray:
        """Xᵀ(σ(Xw) − y)/N + l2·w at each point of `w`."""
        points = self._points(w)
        residual = sigmoid(_products(points, self.X)) - self.y
        return self._shaped(_combine(residual, self.X) / self.n + self.l2 * points)

    def hessian(self, w: Any) -> np.ndarray:
        """Xᵀ·diag(σ'(Xw))·X/N + l2·I at each point of `w`: shape (..., D, D)."""
        points = self._points(w)
        p = sigmoid(_products(points, self.X))
        weights = p * (1.0 - p) / self.n
        H = np.einsum("...n,ni,nj->...ij", weights, self.X, self.X)
        return H + self.l2 * np.eye(self.dim)

    def batch_grad(self, w: Any, idx: Any) -> np.ndarray:
        """The gradient of the mean cross-entropy over the examples in idx only, plus l2·w: a mini-batch gradient."""
        idx = check_indices(idx, self.n)
        points = self._points(w)
        residual = sigmoid(_products(points, self.X[idx])) - self.y[idx]
        return self._shaped(_combine(residual, self.X[idx]) / idx.size + self.l2 * points)

    @property
    def curvature_bound(self) -> float:
        """λ_max(XᵀX)/(4N) + l2: no curvature of this loss, anywhere, is larger (σ' is at most 1/4, reached at w = 0)."""
        return float(np.linalg.eigvalsh(self.X.T @ self.X / self.n)[-1] / 4.0 + self.l2)

    def find_minimum(self, tol: float = 1e-12, max_iterations: int = 100) -> np.ndarray:
        """The minimiser, by Newton's method with step halving from w = 0; raises if it does not converge.

        The loss is convex, so a point where the gradient vanishes is the
        minimum; with l2 = 0 and separable data there is none (the loss keeps
        falling as |w| grows), and this raises.
        """
        tol = check_positive_number(tol, "tol")
        max_iterations = check_count(max_iterations, "max_iterations")
        w = np.zeros(self.dim)
        value = float(self.value(self._shaped(w)))
        scale = max(1.0, float(np.abs(self.X).max()))
        for _ in range(max_iterations):
            g = np.atleast_1d(self.grad(self._shaped(w)))
            if np.linalg.norm(g) <= tol * scale:
                return self._check_flat(w)
            H = np.asarray(self.hessian(self._shaped(w))).reshape(self.dim, self.dim)
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            alpha, moved, size = 1.0, False, np.linalg.norm(g)
            while alpha > 1e-10 and not moved:
                trial = w - alpha * step
                trial_value = float(self.value(self._shaped(trial)))
                # downhill, or (near the minimum, where values tie in floating point) a smaller gradient
                better = trial_value < value or np.linalg.norm(self.grad(self._shaped(trial))) < size
                moved = better and trial_value <= value + 1e-12 * max(1.0, abs(value)) and not np.array_equal(trial, w)
                alpha *= 0.5
            if not moved:
                break
            w, value = trial, trial_value
        g = np.atleast_1d(self.grad(self._shaped(w)))
        if np.linalg.norm(g) <= 1e3 * tol * scale:
            return self._check_flat(w)
        raise ValueError("the loss has no minimum Newton could find (separable data without an l2 penalty?); "
                         f"the gradient is still {np.linalg.norm(g):.3g} after {max_iterations} iterations")

    def _check_flat(self, w: np.ndarray) -> np.ndarray:
        """Return w, unless the loss is flat there in some direction: a vanishing gradient far out on separable data."""
        H = np.asarray(self.hessian(self._shaped(w))).reshape(self.dim, self.dim)
        if np.linalg.eigvalsh(H)[0] <= 1e-9 * max(self.curvature_bound, 1e-300):
            raise ValueError("the loss has no minimum: the gradient vanishes only where the loss is flat, far out "
                             "(separable data without an l2 penalty: the loss keeps falling as |w| grows)")
        return w

    @property
    def minimum(self) -> np.ndarray | None:
        """The minimiser (found once by Newton's method, then remembered); None when there is none (`find_minimum` says why)."""
        if not self._searched:
            self._searched = True
            try:
                self._minimum = as_point(self.find_minimum(), self.dim)
            except ValueError:
                self._minimum = None
        return None if self._minimum is None else self._minimum.copy()

    @property
    def minimum_value(self) -> float:
        """The lowest loss, at the minimiser; raises (saying why) when there is none."""
        if self.minimum is None:
            self.find_minimum()
        return float(self.value(self.minimum))
