"""Seeded synthetic data sets for the course's experiments."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gdlab._checks import check_count, check_positive_number, check_scales, check_seed


class Regression(NamedTuple):
    """A linear-regression data set: features X (n×dim), targets y (n,) and the weights w_true that made them."""

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray


def make_regression(n: int = 200, dim: int = 5, noise: float = 0.5, seed: int | None = 0,
                    scales: Any = None) -> Regression:
    """y = X·w_true + noise·ε with standard-normal X (times `scales` per feature), w_true and ε, all from `seed` (introduced in 08-stochastic)."""
    n, dim = check_count(n, "n"), check_count(dim, "dim")
    noise = check_positive_number(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(check_seed(seed))
    scale = check_scales(scales, dim)
    X = rng.standard_normal((n, dim)) * scale
    w_true = rng.standard_normal(dim)
    y = X @ w_true + noise * rng.standard_normal(n)
    return Regression(X, y, w_true)


class Classification(NamedTuple):
    """A classification data set: points X (n×2) and class numbers y (n,)."""

    X: np.ndarray
    y: np.ndarray


def make_moons(n: int = 200, noise: float = 0.15, seed: int | None = 0) -> Classification:
    """Two interleaved half-moons in the plane, n/2 points each, with Gaussian noise: no straight line separates them (introduced in 11-network)."""
    n = check_count(n, "n")
    if n < 2:
        raise ValueError(f"n must be 2 or more (one point per moon at least), got {n}")
    noise = check_positive_number(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(check_seed(seed))
    upper, lower = n // 2, n - n // 2
    angles = np.concatenate([np.linspace(0, np.pi, upper), np.linspace(0, np.pi, lower)])
    X = np.concatenate([np.stack([np.cos(angles[:upper]), np.sin(angles[:upper])], axis=1),
                        np.stack([1 - np.cos(angles[upper:]), 0.5 - np.sin(angles[upper:])], axis=1)])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(upper, dtype=int), np.ones(lower, dtype=int)])
    order = rng.permutation(n)
    return Classification(X[order], y[order])
