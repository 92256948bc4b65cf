"""The log-cosh loss: quadratic near its minimum, linear far away, where Newton's method overshoots."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss, as_point


class LogCosh(Loss):
    """The one-parameter loss log(cosh(w − c)) (introduced in 07-newton).

    Its slope tanh(w − c) never exceeds 1 while its curvature 1/cosh²(w − c)
    dies off exponentially, so the Newton step −sinh·cosh is huge far from c:
    undamped Newton from c + 2 diverges, from within about 1.0887 of c it converges.
    """

    dim = 1

    def __init__(self, center: float = 0.0) -> None:
        try:
            center = float(center)
        except (TypeError, ValueError):
            raise TypeError(f"center must be a number, got {center!r}") from None
        if not np.isfinite(center):
            raise ValueError(f"center must be finite, got {center}")
        self.center = center
        self.name = f"log cosh(w − {center:g})" if center else "log cosh(w)"

    @property
    def minimum(self) -> np.ndarray:
        """Where the loss is smallest (zero): w = c."""
        return as_point(self.center, 1)

    def value(self, w: Any) -> np.ndarray:
        """log(cosh(w − c)) at each point of `w`, computed as |d| + log1p(e^(−2|d|)) − log 2 so it never overflows."""
        d = np.abs(np.asarray(w, dtype=float) - self.center)
        return d + np.log1p(np.exp(-2.0 * d)) - np.log(2.0)

    def grad(self, w: Any) -> np.ndarray:
        """tanh(w − c) at each point of `w`."""
        return np.tanh(np.asarray(w, dtype=float) - self.center)

    def hessian(self, w: Any) -> np.ndarray:
        """1/cosh²(w − c) at each point of `w`, as 1×1 matrices (shape w.shape + (1, 1)); it underflows to 0 far out."""
        d = np.asarray(w, dtype=float) - self.center
        with np.errstate(over="ignore"):
            curvature = 1.0 / np.cosh(d) ** 2
        return curvature[..., None, None]


def newton_two_cycle_point(tol: float = 1e-15) -> float:
    """The x* > 0 where undamped Newton on log cosh bounces x* → −x* forever: the root of sinh(2x) = 4x (introduced in 07-newton).

    The Newton map is x − tanh(x)·cosh²(x) = x − sinh(2x)/2, and it sends x to
    −x exactly when sinh(2x) = 4x; from |x| < x* every step shrinks |x|.
    """
    low, high = 0.5, 2.0   # sinh(2x) − 4x is negative at 0.5 and positive at 2
    while high - low > tol:
        middle = 0.5 * (low + high)
        if np.sinh(2.0 * middle) < 4.0 * middle:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)
