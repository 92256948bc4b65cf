"""Argument checks shared by the package: clear errors that name the bad argument."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_steps(steps: Any, name: str = "steps") -> int:
    """Return `steps` as an int, or raise naming the argument if it is not a count >= 0."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{name} must be a whole number of updates, got {steps!r} ({type(steps).__name__})")
    if steps < 0:
        raise ValueError(f"{name} must be 0 or more, got {steps}")
    return int(steps)


def check_positive_number(value: Any, name: str, allow_zero: bool = False) -> float:
    """Return `value` as a float, or raise naming the argument if it is not a finite positive number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_point(w: Any, dim: int, name: str = "w0") -> np.ndarray:
    """Return a starting point as a float array that fits a loss of `dim` parameters."""
    try:
        arr = np.array(w, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {w!r}") from None
    if dim == 1:
        if arr.size != 1:
            raise ValueError(f"{name} must be a single number for a loss of one parameter, got shape {arr.shape}")
        arr = arr.reshape(())
    elif arr.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) for a loss of {dim} parameters, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {w!r}")
    return arr


def check_decay_rate(value: Any, name: str) -> float:
    """Return an averaging coefficient (β₁, β₂, ρ) as a float in [0, 1), or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r} ({type(value).__name__})")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value
