"""Plain gradient descent: w ← w - lr·∇L(w)."""

from __future__ import annotations

from typing import Any

from gdlab.losses.base import Loss
from gdlab.optim.trajectory import Trajectory, run


def gradient_descent(loss: Loss, w0: Any, lr: Any, steps: int) -> Trajectory:
    """Run `steps` updates w ← w - lr·∇L(w) from w0; lr is a number or a schedule t -> lr (introduced in 02-first-steps)."""
    return run(loss, w0, lr, steps, update=lambda t, w, g, rate: w - rate * g)
