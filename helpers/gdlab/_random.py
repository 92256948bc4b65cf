"""Seeds for the course's random experiments: checked, so that a bad seed fails with a clear message."""

from __future__ import annotations

import numbers
from typing import Any


def check_seed(seed: Any) -> int | None:
    """Return a seed for numpy's default_rng (None or a whole number >= 0), or raise naming `seed`."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number >= 0 (or None for fresh randomness), got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return int(seed)


def check_count(value: Any, name: str) -> int:
    """Return `value` as an int >= 1, or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, got {value}")
    return int(value)
