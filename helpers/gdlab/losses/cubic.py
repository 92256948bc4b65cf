"""The cubic a·w³: a stationary point at 0 that is an inflection point, neither a minimum nor a maximum."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab.losses.base import Loss


class Cubic(Loss):
    """The one-parameter loss a·w³ (a ≠ 0): slope and curvature both vanish at w = 0 (introduced in 06-saddles-plateaus).

    w = 0 is a stationary inflection point: the loss keeps falling on one side,
    so it is not a minimum, and with one parameter it cannot be a saddle. It has no minimum (`minimum` is None).
    """

    dim = 1

    def __init__(self, a: float = 1.0) -> None:
        try:
            a = float(a)
        except (TypeError, ValueError):
            raise TypeError(f"a must be a number, got {a!r}") from None
        if not np.isfinite(a) or a == 0:
            raise ValueError(f"a must be a finite non-zero number, got {a}")
        self.a = a
        self.name = f"{a:g}·w³"

    def value(self, w: Any) -> np.ndarray:
        """a·w³ at each point of `w`."""
        w = np.asarray(w, dtype=float)
        return self.a * w ** 3

    def grad(self, w: Any) -> np.ndarray:
        """3a·w² at each point of `w`."""
        w = np.asarray(w, dtype=float)
        return 3.0 * self.a * w * w

    def hessian(self, w: Any) -> np.ndarray:
        """6a·w at each point of `w`, as 1×1 matrices (shape w.shape + (1, 1))."""
        w = np.asarray(w, dtype=float)
        return (6.0 * self.a * w)[..., None, None]
