"""Heavy-ball momentum and Nesterov's look-ahead variant: v ← β·v − lr·∇L, w ← w + v."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_decay_rate
from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory, run


def momentum(loss: Loss, w0: Any, lr: Any, steps: int, *, beta: float, nesterov: bool = False) -> Trajectory:
    """Heavy ball v ← β·v − lr·∇L(w), w ← w + v from v = 0; Nesterov takes the gradient at w + β·v (introduced in 05-momentum).

    lr is a number or a schedule t -> lr. The trajectory records the gradient
    at each w (not at the look-ahead point), like every optimiser in gdlab.
    """
    beta = check_decay_rate(beta, "beta")   # in [0, 1): 0 is plain gradient descent
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
    velocity: list[np.ndarray | float] = [0.0]

    def update(t: int, w: np.ndarray, grad: np.ndarray, rate: float) -> np.ndarray:
        w, velocity[0] = heavy_ball_step(loss, w, velocity[0], rate, beta, nesterov, grad)
        return w

    return run(loss, w0, lr, steps, update=update)


def heavy_ball_step(loss: Loss, w: Any, v: Any, lr: Any, beta: Any, nesterov: bool = False,
                    grad: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """The update rule v ← β·v − lr·∇L, w ← w + v: returns the new (w, v) (introduced in 05-momentum).

    The gradient is taken at w (`grad`, if already known) or, for Nesterov, at the look-ahead point
    w + β·v. Works elementwise on stacks of points, rates and βs (a convergence map runs them all at once).
    """
    if nesterov:
        grad = loss.grad(w + beta * v)
    elif grad is None:
        grad = loss.grad(w)
    v = beta * v - lr * np.asarray(grad, dtype=float)
    return w + v, v
