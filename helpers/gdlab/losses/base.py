"""The contract every loss in gdlab keeps: value, gradient, Hessian, minimum and curvatures, vectorised over leading axes."""

from __future__ import annotations

from typing import Any

import numpy as np


class Loss:
    """A differentiable loss of `dim` parameters (introduced in 02-first-steps).

    Points: a loss of one parameter works elementwise on any array of points
    (a single point is a number, shape ()); a loss of D > 1 parameters takes
    points of shape (..., D) (a single point has shape (D,)). Call the leading
    axes the batch: w.shape for one parameter, w.shape[:-1] otherwise.

    Every loss declares, with the same shapes (tests/test_loss_contract.py
    checks each one alike):

    - `value(w)`: one number per point, shape batch;
    - `grad(w)`: one gradient per point, the shape of `w`;
    - `hessian(w)`: one D×D matrix per point, shape batch + (D, D); at a
      single point that is one D×D matrix (1×1 for one parameter), also where
      the Hessian is the same everywhere. `w` is always given;
    - `minimum`: the minimiser as a point (a float array of shape () for one
      parameter, (D,) otherwise), or None when the loss has no minimum or no
      single one (a saddle, a cubic, a double well's two wells, a network);
    - `value_and_grad(w)`: the pair (value(w), grad(w)), which the
      optimisers ask for at each step; a loss may share work between the
      two (a network's forward pass), and must return exactly that pair;
    - `curvatures`: the Hessian's eigenvalues, smallest first (shape (D,)),
      when the Hessian is the same at every point; None when it varies;
    - `reset()`: replay a loss's randomness (noise, mini-batches) from its
      seed, so that two runs see the same; nothing for a deterministic loss.

    A loss that wraps another (NoisyGradient, MiniBatchGradient, Rescaled)
    keeps it in `inner`.
    """

    dim: int = 1
    name: str = "loss"
    minimum: np.ndarray | None = None
    curvatures: np.ndarray | None = None

    def value(self, w: np.ndarray) -> np.ndarray:
        """The loss at `w`."""
        raise NotImplementedError

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The gradient of the loss at `w`."""
        raise NotImplementedError

    def hessian(self, w: np.ndarray) -> np.ndarray:
        """The D×D matrix of second derivatives at each point of `w`: shape batch + (D, D)."""
        raise NotImplementedError

    def value_and_grad(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pair (value(w), grad(w)), computed in that order."""
        return self.value(w), self.grad(w)

    def _batch_shape(self, w: Any) -> tuple[int, ...]:
        """The leading axes of `w`: its shape for a loss of one parameter, all but the last axis otherwise."""
        shape = np.shape(w)
        return shape if self.dim == 1 else shape[:-1]

    def _constant_hessian(self, H: np.ndarray, w: Any) -> np.ndarray:
        """The same D×D matrix H at every point of `w` (shape batch + (D, D)), for losses whose Hessian never changes."""
        return np.array(np.broadcast_to(H, self._batch_shape(w) + (self.dim, self.dim)))

    def reset(self) -> None:
        """Replay the loss's randomness from its seed (nothing to do for a deterministic loss)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """The loss at `w`, so a loss can be used where a plain function is expected."""
        return self.value(w)

    def __repr__(self) -> str:
        return self.name


def as_point(w: Any, dim: int) -> np.ndarray:
    """A minimiser as the contract wants it: a float array of shape () for one parameter, (dim,) otherwise."""
    point = np.array(w, dtype=float)
    return point.reshape(()) if dim == 1 else point.reshape(dim)


class Wrapper(Loss):
    """A loss that changes only the gradient of the loss it wraps, `inner` (noise, mini-batches).

    Its value, Hessian, minimum and curvatures are the inner loss's, exactly;
    any other attribute (a data set's `n`, `minimum_value`, …) is looked up on
    the inner loss.
    """

    inner: Loss

    def value(self, w: Any) -> np.ndarray:
        """The inner loss's value at `w`, exactly."""
        return self.inner.value(w)

    def hessian(self, w: Any) -> np.ndarray:
        """The inner loss's Hessian at each point of `w`, exactly."""
        return self.inner.hessian(w)

    def reset(self) -> None:
        """Replay the inner loss's randomness (a wrapper with randomness of its own replays that instead)."""
        self.inner.reset()

    @property
    def minimum(self) -> np.ndarray | None:
        """The inner loss's minimum."""
        return self.inner.minimum

    @property
    def curvatures(self) -> np.ndarray | None:
        """The inner loss's curvatures."""
        return self.inner.curvatures

    def __getattr__(self, name: str) -> Any:
        if name == "inner" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.inner, name)
