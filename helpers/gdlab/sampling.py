"""Mini-batch sampling from a seed: every epoch is one fresh shuffle, cut into batches, so each example is used once per epoch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from gdlab._checks import check_count, check_point, check_seed

if TYPE_CHECKING:
    from gdlab.losses.least_squares import LeastSquares


class MiniBatchSampler:
    """Batches of example indices, epoch after epoch: shuffle once per epoch, then cut in order (introduced in 08-stochastic).

    Every example appears exactly once per epoch. When batch_size does not
    divide n the last batch of an epoch is smaller (or dropped with
    drop_last=True, in which case those examples miss that epoch). The whole
    sequence is reproducible from the seed.
    """

    def __init__(self, n: int, batch_size: int, seed: int | None = None, drop_last: bool = False) -> None:
        self.n = check_count(n, "n")
        self.batch_size = check_count(batch_size, "batch_size")
        if self.batch_size > self.n:
            raise ValueError(f"batch_size must be at most n = {self.n} (one epoch), got {self.batch_size}")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
        self.seed = check_seed(seed)
        self.drop_last = bool(drop_last)
        self.reset()

    def reset(self) -> None:
        """Start again from the seed: the next batches are the very first ones."""
        self.rng = np.random.default_rng(self.seed)
        self.epochs_started = 0
        self._queue: list[np.ndarray] = []

    @property
    def batches_per_epoch(self) -> int:
        """How many batches one epoch is cut into."""
        full, rest = divmod(self.n, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def epoch(self) -> list[np.ndarray]:
        """The batches of the next epoch: one new shuffle of 0..n-1 cut into consecutive batches."""
        order = self.rng.permutation(self.n)
        stop = self.n - self.n % self.batch_size if self.drop_last else self.n
        self.epochs_started += 1
        return [order[i:i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def next_batch(self) -> np.ndarray:
        """The next batch of indices, starting a new epoch (a new shuffle) when the current one is used up."""
        if not self._queue:
            self._queue = self.epoch()[::-1]
        return self._queue.pop()

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            yield self.next_batch()


def minibatches(n: int, batch_size: int, epochs: int = 1, seed: int | None = None,
                drop_last: bool = False) -> list[np.ndarray]:
    """All the batches of `epochs` epochs, in order, from a seeded MiniBatchSampler (introduced in 08-stochastic)."""
    epochs = check_count(epochs, "epochs")
    sampler = MiniBatchSampler(n, batch_size, seed=seed, drop_last=drop_last)
    return [batch for _ in range(epochs) for batch in sampler.epoch()]


def gradient_cloud(loss: LeastSquares, w: Any, batch_size: int, draws: int = 200, seed: int | None = 0) -> np.ndarray:
    """`draws` mini-batch gradients at w, from seeded batches of `batch_size` (introduced in 08-stochastic): shape (draws, D)."""
    draws = check_count(draws, "draws")
    sampler = MiniBatchSampler(loss.n, batch_size, seed=check_seed(seed))
    point = check_point(w, loss.dim, "w")
    return np.array([np.atleast_1d(loss.batch_grad(point, sampler.next_batch())) for _ in range(draws)])
