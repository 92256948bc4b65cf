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
        v = velocity[0]
        if nesterov:
            grad = np.asarray(loss.grad(w + beta * v), dtype=float)
        v = beta * v - rate * grad
        velocity[0] = v
        return w + v

    return run(loss, w0, lr, steps, update=update)
