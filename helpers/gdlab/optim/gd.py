"""Plain gradient descent: w ← w - lr·∇L(w)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory, run


def gd_step(w: Any, grad: Any, lr: Any) -> np.ndarray:
    """The update rule w − lr·∇L(w), elementwise on stacks of points and rates (introduced in 02-first-steps; a sweep runs all rates at once)."""
    return w - lr * grad


def gradient_descent(loss: Loss, w0: Any, lr: Any, steps: int) -> Trajectory:
    """Run `steps` updates w ← w - lr·∇L(w) from w0; lr is a number or a schedule t -> lr (introduced in 02-first-steps)."""
    return run(loss, w0, lr, steps, update=lambda t, w, g, rate: gd_step(w, g, rate))
