"""w²/2 + a·w⁴/4: a bowl whose curvature 1 + 3a·w² is large far out and falls to 1 at the minimum."""

from __future__ import annotations

from typing import Any

import numpy as np

from gdlab._checks import check_positive_number
from gdlab.losses.base import Loss, as_point


class QuarticBowl(Loss):
    """The one-parameter loss w²/2 + a·w⁴/4 (a > 0): minimum 0 at w = 0, curvature 1 + 3a·w² (introduced in 10-adaptive).

    A rate that is stable at the minimum (lr < 2 for plain gradient descent) can be far too large
    where the run starts: this is the loss on which a warm-up matters.
    """

    dim = 1

    def __init__(self, a: float = 1.0) -> None:
        self.a = check_positive_number(a, "a")
        self.name = f"w²/2 + {self.a:g}·w⁴/4"

    @property
    def minimum(self) -> np.ndarray:
        """The minimiser w = 0."""
        return as_point(0.0, 1)

    def value(self, w: Any) -> np.ndarray:
        """w²/2 + a·w⁴/4 at each point of `w`."""
        w = np.asarray(w, dtype=float)
        return w * w / 2 + self.a * w ** 4 / 4

    def grad(self, w: Any) -> np.ndarray:
        """w + a·w³ at each point of `w`."""
        w = np.asarray(w, dtype=float)
        return w + self.a * w ** 3

    def hessian(self, w: Any) -> np.ndarray:
        """1 + 3a·w² at each point of `w`, as 1×1 matrices (shape w.shape + (1, 1))."""
        w = np.asarray(w, dtype=float)
        return (1.0 + 3.0 * self.a * w * w)[..., None, None]
