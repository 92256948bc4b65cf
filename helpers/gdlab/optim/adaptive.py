"""One learning rate per parameter: AdaGrad, RMSProp and Adam divide each coordinate's step by the size of its gradients.

Dividing by a running size of the gradient is a cheap, diagonal stand-in for the inverse curvature of
07's Newton step: on a ravine whose axes are the coordinates, a steep coordinate has large gradients and
gets a small rate, a flat one small gradients and a large rate (introduced in 10-adaptive).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_decay_rate, check_positive_number
from gdlab.losses.base import Loss
from gdlab.optim.gd import gradient_descent
from gdlab.optim.momentum import momentum
from gdlab.optim.trajectory import Trajectory, run


def adagrad(loss: Loss, w0: Any, lr: Any, steps: int, *, eps: float = 1e-8) -> Trajectory:
    """AdaGrad: s ← s + g², w ← w − lr·g/(√s + ε) per coordinate, from s = 0; each coordinate's rate only shrinks."""
    eps = check_positive_number(eps, "eps")
    total = [0.0]

    def update(t: int, w: np.ndarray, grad: np.ndarray, rate: float) -> np.ndarray:
        total[0] = total[0] + grad * grad
        return w - rate * grad / (np.sqrt(total[0]) + eps)

    return run(loss, w0, lr, steps, update=update)


def rmsprop(loss: Loss, w0: Any, lr: Any, steps: int, *, rho: float = 0.9, eps: float = 1e-8) -> Trajectory:
    """RMSProp: v ← ρ·v + (1 − ρ)·g², w ← w − lr·g/(√v + ε), from v = 0 (no bias correction: the first step is lr/√(1 − ρ) per coordinate)."""
    rho = check_decay_rate(rho, "rho")
    eps = check_positive_number(eps, "eps")
    average = [0.0]

    def update(t: int, w: np.ndarray, grad: np.ndarray, rate: float) -> np.ndarray:
        average[0] = rho * average[0] + (1.0 - rho) * grad * grad
        return w - rate * grad / (np.sqrt(average[0]) + eps)

    return run(loss, w0, lr, steps, update=update)


def adam(loss: Loss, w0: Any, lr: Any, steps: int, *, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         bias_correction: bool = True) -> Trajectory:
    """Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), t = 1, 2, …

    With the bias correction every coordinate's first step is lr·sign(g) (up to ε), whatever the
    gradient's scale; without it (bias_correction=False, m̂ = m, v̂ = v) it is lr·(1 − β₁)/√(1 − β₂),
    about 3.16·lr for the defaults.
    """
    beta1 = check_decay_rate(beta1, "beta1")
    beta2 = check_decay_rate(beta2, "beta2")
    eps = check_positive_number(eps, "eps")
    if not isinstance(bias_correction, (bool, np.bool_)):
        raise TypeError(f"bias_correction must be True or False, got {bias_correction!r}")
    moments = [0.0, 0.0]

    def update(t: int, w: np.ndarray, grad: np.ndarray, rate: float) -> np.ndarray:
        moments[0] = beta1 * moments[0] + (1.0 - beta1) * grad
        moments[1] = beta2 * moments[1] + (1.0 - beta2) * grad * grad
        m_hat, v_hat = moments
        if bias_correction:
            m_hat, v_hat = m_hat / (1.0 - beta1 ** (t + 1)), v_hat / (1.0 - beta2 ** (t + 1))
        return w - rate * m_hat / (np.sqrt(v_hat) + eps)

    return run(loss, w0, lr, steps, update=update)


RACERS = ("gradient descent", "momentum", "RMSProp", "Adam")


def race(loss: Loss, w0: Any, lr: float, steps: int, *, beta1: float = 0.9, beta2: float = 0.999,
         warmup: int = 0) -> dict[str, Trajectory]:
    """Gradient descent, heavy ball (β₁), RMSProp (ρ = β₂) and Adam (β₁, β₂) from the same start at the same rate,
    with a linear warm-up over `warmup` steps when it is not 0; a noisy loss replays the same noise for each."""
    from gdlab.schedules import linear_warmup

    rate = linear_warmup(lr, warmup) if warmup else lr
    runs = {
        "gradient descent": lambda: gradient_descent(loss, w0, rate, steps),
        "momentum": lambda: momentum(loss, w0, rate, steps, beta=beta1),
        "RMSProp": lambda: rmsprop(loss, w0, rate, steps, rho=beta2),
        "Adam": lambda: adam(loss, w0, rate, steps, beta1=beta1, beta2=beta2),
    }
    results = {}
    for name, make in runs.items():
        loss.reset()
        results[name] = make()
    return results
