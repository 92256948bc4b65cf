"""Where heavy-ball momentum converges on a quadratic: the factor per step for every (lr, β) at once."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_betas, check_curvatures, check_point, check_positive_number, check_rates, check_steps
from gdlab.losses.base import Loss
from gdlab.optim.momentum import heavy_ball_step


def momentum_matrix(lr: float, beta: float, h: float) -> np.ndarray:
    """The 2×2 matrix taking (e_k, e_{k-1}) to (e_{k+1}, e_k) for heavy ball on curvature h (introduced in 05-momentum)."""
    return np.array([[1.0 + beta - lr * h, -beta], [1.0, 0.0]])


def momentum_factor(lr: Any, beta: Any, h: Any) -> np.ndarray:
    """Spectral radius of the heavy-ball iteration per (lr, β), worst over the curvatures h; vectorised (introduced in 05-momentum).

    lr and beta broadcast against each other; h is one curvature or several
    (the result is the largest factor over them). Below 1 the error shrinks by
    about this factor per step; above 1 the run diverges. beta = 0 gives plain
    gradient descent, |1 - lr·h|.
    """
    lr = check_rates(lr, "lr")
    beta = check_betas(beta)
    h = check_curvatures(h)
    lr, beta = np.broadcast_arrays(lr, beta)
    # eigenvalues of [[1+β-a, -β], [1, 0]] solve λ² - (1+β-a)·λ + β = 0, with a = lr·h
    trace = 1.0 + beta[..., None] - lr[..., None] * h
    disc = trace * trace - 4.0 * beta[..., None]
    root = np.sqrt(np.abs(disc))
    real_pair = np.maximum(np.abs(trace + root), np.abs(trace - root)) / 2.0
    complex_pair = np.sqrt(np.broadcast_to(beta[..., None], disc.shape))
    factor = np.where(disc >= 0, real_pair, complex_pair)
    return factor.max(axis=-1)


def heavy_ball_edge(beta: Any, h: Any) -> np.ndarray:
    """The largest learning rate at which heavy ball converges on curvature h: 2·(1+β)/h (introduced in 05-momentum)."""
    beta = check_betas(beta)
    h = check_curvatures(h)
    return 2.0 * (1.0 + beta) / h.max()


def best_momentum(h_min: float, h_max: float) -> tuple[float, float]:
    """The heavy-ball (lr, β) fastest on curvatures in [h_min, h_max]: 4/(√h_max+√h_min)², ((√κ−1)/(√κ+1))² (introduced in 05-momentum)."""
    h_min = check_positive_number(h_min, "h_min")
    h_max = check_positive_number(h_max, "h_max")
    if h_min > h_max:
        raise ValueError(f"h_min must not exceed h_max, got {h_min} and {h_max}")
    root_min, root_max = np.sqrt(h_min), np.sqrt(h_max)
    lr = 4.0 / (root_max + root_min) ** 2
    beta = ((root_max - root_min) / (root_max + root_min)) ** 2
    return float(lr), float(beta)


def best_momentum_factor(kappa: float) -> float:
    """The error factor per step of heavy ball with the best (lr, β): (√κ−1)/(√κ+1) (introduced in 05-momentum)."""
    kappa = check_positive_number(kappa, "kappa")
    if kappa < 1:
        raise ValueError(f"kappa = h_max/h_min must be at least 1, got {kappa}")
    root = np.sqrt(kappa)
    return float((root - 1.0) / (root + 1.0))


def convergence_map(lrs: Any, betas: Any, h: Any) -> np.ndarray:
    """The heavy-ball factor for every pair: rows are betas, columns are lrs (introduced in 05-momentum)."""
    lrs = np.ravel(check_rates(lrs, "lrs"))
    betas = np.ravel(check_betas(betas))
    return momentum_factor(lrs[None, :], betas[:, None], h)


def run_map(loss: Loss, w0: Any, lrs: Any, betas: Any, steps: int, nesterov: bool = False) -> np.ndarray:
    """Distance to the minimum after `steps` momentum updates, for every (β, lr) pair at once (introduced in 05-momentum).

    Rows are betas, columns are lrs, as in `convergence_map`. A run that
    overflows gets distance inf. The distance is measured from
    `loss.minimum`, so the loss needs one (a Quadratic has it).
    """
    steps = check_steps(steps)
    start = check_point(w0, loss.dim)
    lrs = np.ravel(check_rates(lrs, "lrs"))
    betas = np.ravel(check_betas(betas))
    if loss.minimum is None:
        raise TypeError(f"loss must know its minimum (e.g. a Quadratic), got {type(loss).__name__}")
    extra = (1,) * start.ndim
    lr = lrs.reshape((1, -1) + extra)
    beta = betas.reshape((-1, 1) + extra)
    w = np.broadcast_to(start, (betas.size, lrs.size) + start.shape).copy()
    v = np.zeros_like(w)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w, v = heavy_ball_step(loss, w, v, lr, beta, nesterov)
        err = (w - np.asarray(loss.minimum, dtype=float)).reshape(betas.size, lrs.size, -1)
        dist = np.linalg.norm(err, axis=-1)
    return np.where(np.isfinite(dist), dist, np.inf)
