"""Stochastic gradients from mini-batches: a loss whose gradient is that of the next seeded mini-batch, while its value stays exact."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss, Wrapper
from gdlab.sampling import MiniBatchSampler


class MiniBatchGradient(Wrapper):
    """`loss` (with `n` examples and `batch_grad`) whose gradient is the mini-batch gradient of the next batch (introduced in 08-stochastic).

    Batches come from a seeded MiniBatchSampler: every epoch is a new shuffle,
    each example used once per epoch. Gradient descent on this loss is
    mini-batch SGD (batch_size = 1: one example per step; batch_size = n: full
    batch). Each call of `grad` uses up one batch and counts its examples in
    `examples_seen`; `value` and `hessian` are exact. With several points
    (w of shape (..., D)) one batch serves them all.
    """

    def __init__(self, loss: Loss, batch_size: int, seed: int | None = None) -> None:
        if not (isinstance(loss, Loss) and hasattr(loss, "batch_grad") and hasattr(loss, "n")):
            raise TypeError(f"loss must be a gdlab loss over a data set (with n and batch_grad, e.g. LeastSquares), "
                            f"got {type(loss).__name__}")
        self.inner = loss
        self.sampler = MiniBatchSampler(loss.n, batch_size, seed=seed)
        self.batch_size = self.sampler.batch_size
        self.dim = loss.dim
        self.name = f"{loss.name}, mini-batches of {self.batch_size}"
        self.examples_seen = 0

    def reset(self) -> None:
        """Restart the batches from the seed and the example count from zero."""
        self.sampler.reset()
        self.examples_seen = 0

    def grad(self, w: Any) -> np.ndarray:
        """The gradient on the next mini-batch."""
        batch = self.sampler.next_batch()
        self.examples_seen += batch.size
        return self.inner.batch_grad(w, batch)
