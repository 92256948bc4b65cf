"""Noisy gradients: any loss whose gradient comes with seeded Gaussian noise, while its value stays exact."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_point, check_positive_number, check_rates, check_seed, check_steps
from gdlab.losses.base import Loss, Wrapper
from gdlab.schedules import as_schedule, rate_at


class NoisyGradient(Wrapper):
    """`loss` whose gradient has independent N(0, sigma²) noise added to every component, from a seeded generator (introduced in 04-decay).

    `value` and `hessian` are exact; each call of `grad` draws fresh noise, so a
    run of gradient descent on it is a run with noisy gradients, reproducible
    from the seed. Call `reset()` (or build a new one) to replay the same noise.
    """

    def __init__(self, loss: Loss, sigma: float, seed: int | None = None) -> None:
        if not isinstance(loss, Loss):
            raise TypeError(f"loss must be a gdlab loss (with value, grad and hessian), got {type(loss).__name__}")
        self.inner = loss
        self.sigma = check_positive_number(sigma, "sigma", allow_zero=True)
        self.seed = check_seed(seed)
        self.dim = loss.dim
        self.name = f"{loss.name} with gradient noise σ = {self.sigma:g}"
        self.reset()

    def reset(self) -> None:
        """Restart the noise from the seed, so that the next run sees the same noise as the first."""
        self.rng = np.random.default_rng(self.seed)

    def grad(self, w: Any) -> np.ndarray:
        """The exact gradient at `w` plus fresh Gaussian noise of standard deviation sigma in every component."""
        g = np.asarray(self.inner.grad(w), dtype=float)
        return g + self.sigma * self.rng.standard_normal(g.shape)

    def _positive_curvatures(self) -> np.ndarray:
        """The inner quadratic's curvatures, all > 0, or raise saying why there is no closed form."""
        curvatures = self.inner.curvatures
        if curvatures is None:
            raise TypeError(f"this closed form holds on quadratics only; {self.inner.name} has no curvatures")
        h = np.asarray(curvatures, dtype=float)
        if np.any(h <= 0):
            raise ValueError("this closed form needs a positive-definite quadratic (every curvature > 0)")
        return h

    def expected_loss(self, w0: Any, lr: Any, steps: int) -> np.ndarray:
        """E[L] after each of 0..steps GD updates with rate (or schedule) lr on a quadratic, exactly (introduced in 04-decay).

        Along each eigen-direction of curvature h the error's mean follows
        m ← (1 − lr_t·h)·m and its variance v ← (1 − lr_t·h)²·v + lr_t²·σ², and
        E[L] = min + Σ h/2·(m² + v). Nothing is sampled.
        """
        self._positive_curvatures()
        steps = check_steps(steps)
        start = check_point(w0, self.dim)
        schedule = as_schedule(lr)
        h, vectors = np.linalg.eigh(np.atleast_2d(self.inner.hessian(start)))
        mean = vectors.T @ np.atleast_1d(start - self.inner.minimum)
        var = np.zeros_like(mean)
        low = float(np.min(self.inner.value(self.inner.minimum)))
        out = np.empty(steps + 1)
        with np.errstate(all="ignore"):
            for t in range(steps + 1):
                out[t] = low + 0.5 * float(np.sum(h * (mean * mean + var)))
                if t < steps:
                    rate = rate_at(schedule, t)
                    factor = 1.0 - rate * h
                    mean, var = factor * mean, factor * factor * var + rate * rate * self.sigma ** 2
        return np.where(np.isfinite(out), out, np.inf)

    def noise_floor(self, lr: Any) -> np.ndarray:
        """Expected loss that constant-rate GD settles at on a quadratic: min + Σᵢ lr·σ²/(2·(2 − lr·hᵢ)) (introduced in 04-decay).

        For L = h/2·w² the update w ← (1 − lr·h)·w − lr·ξ has stationary variance
        lr²σ²/(1 − (1 − lr·h)²), and h/2 times that is lr·σ²/(2·(2 − lr·h)); the
        curvatures add. Vectorised over lr; inf where lr ≥ 2/h_max (no floor: the run diverges).
        """
        h = self._positive_curvatures()
        rates = check_rates(lr, "lr")
        r = rates[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            per_direction = np.where(r * h < 2.0, r * self.sigma ** 2 / (2.0 * (2.0 - r * h)), np.inf)
        floor = per_direction.sum(axis=-1) + float(np.min(self.inner.value(self.inner.minimum)))
        return float(floor) if np.ndim(floor) == 0 else floor
