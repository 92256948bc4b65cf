"""Seeded synthetic classification data: labels 0/1 drawn from a logistic model."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gdlab._checks import check_count, check_scales, check_seed
from gdlab.losses.plateau import sigmoid


class Classification(NamedTuple):
    """A binary classification data set: features X (n×dim), labels y (n,) in {0, 1}, and the weights w_true behind them."""

    X: np.ndarray
    y: np.ndarray
    w_true: np.ndarray


def make_classification(n: int = 500, dim: int = 50, seed: int | None = 0, scales: Any = None) -> Classification:
    """Features N(0, scale²) per column, w_true N(0, 1/scale²), labels 1 with probability σ(x·w_true), all from `seed` (introduced in 09-capstone).

    Scaling w_true by 1/scale gives every feature the same share of the logit,
    so wide-ranging `scales` make the loss ill-conditioned without making any
    feature useless.
    """
    n, dim = check_count(n, "n"), check_count(dim, "dim")
    rng = np.random.default_rng(check_seed(seed))
    scale = check_scales(scales, dim)
    X = rng.standard_normal((n, dim)) * scale
    w_true = rng.standard_normal(dim) / scale
    y = (rng.random(n) < sigmoid(X @ w_true)).astype(float)
    return Classification(X, y, w_true)
