"""Argument checks shared by the package: clear errors that name the bad argument."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def check_count(value: Any, name: str, minimum: int = 1, of: str = "") -> int:
    """Return `value` as an int >= minimum, or raise naming the argument (`of` says what is counted: " of steps")."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number{of}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be {minimum} or more, got {value}")
    return int(value)


def check_steps(steps: Any, name: str = "steps") -> int:
    """Return `steps` as an int, or raise naming the argument if it is not a count of updates >= 0."""
    return check_count(steps, name, minimum=0, of=" of updates")


def check_seed(seed: Any) -> int | None:
    """Return a seed for numpy's default_rng (None or a whole number >= 0), or raise naming `seed`."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number >= 0 (or None for fresh randomness), got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return int(seed)


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


def check_fraction(value: Any, name: str, allow_one: bool = True) -> float:
    """Return `value` as a float in (0, 1] (or (0, 1)), or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not (0.0 < value < 1.0 or (allow_one and value == 1.0)):
        bound = "0 < {0} <= 1" if allow_one else "0 < {0} < 1"
        raise ValueError(f"{name} must satisfy {bound.format(name)}, got {value}")
    return value


def check_square_matrix(value: Any, name: str, symmetric: bool = True) -> np.ndarray:
    """Return a number (as a 1×1 matrix) or a square matrix of finite numbers as a float matrix, or raise naming the argument.

    With `symmetric` the matrix must equal its transpose (up to rounding) and comes back exactly symmetric.
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a square matrix of numbers, got a bool")
    if isinstance(value, numbers.Real):
        value = [[value]]
    try:
        H = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a square matrix of numbers, got {value!r}") from None
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise ValueError(f"{name} must be a square matrix (D×D), got shape {H.shape}")
    if not np.all(np.isfinite(H)):
        raise ValueError(f"{name} must contain only finite numbers")
    if not symmetric:
        return H
    if not np.allclose(H, H.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(H).max())):
        raise ValueError(f"{name} must be symmetric ({name} == {name}.T: second derivatives do not depend on their order)")
    return (H + H.T) / 2


def check_numbers(values: Any, name: str) -> np.ndarray:
    """Return `values` as a float array of finite numbers, or raise naming the argument."""
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {values!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers")
    return arr


def check_rates(values: Any, name: str, one_dimensional: bool = False) -> np.ndarray:
    """Return learning rates as a float array (1-D if asked) of finite numbers > 0 (at least one), or raise naming the argument."""
    arr = check_numbers(values, name)
    if one_dimensional and (arr.ndim != 1 or arr.size == 0):
        raise ValueError(f"{name} must be a non-empty 1-D array of learning rates, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must contain only numbers > 0")
    return arr


def check_betas(values: Any) -> np.ndarray:
    """Return momentum coefficients as a float array of numbers in [0, 1) (at least one), or raise naming beta."""
    arr = check_numbers(values, "beta")
    if arr.size == 0:
        raise ValueError("beta must hold at least one value")
    if np.any(arr < 0) or np.any(arr >= 1):
        raise ValueError(f"beta must be in [0, 1), got values from {arr.min()} to {arr.max()}")
    return arr


def check_curvatures(h: Any, name: str = "h") -> np.ndarray:
    """Return curvatures as a 1-D float array of finite numbers > 0 (at least one), or raise naming the argument."""
    try:
        arr = np.atleast_1d(np.array(h, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a curvature or an array of curvatures, got {h!r}") from None
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be one or more finite curvatures > 0, got {h!r}")
    return arr


def check_scales(scales: Any, dim: int) -> np.ndarray:
    """Return feature scales (None: all 1; one number; or one per feature) as `dim` finite numbers > 0, or raise naming `scales`."""
    if scales is None:
        return np.ones(dim)
    try:
        scale = np.broadcast_to(np.asarray(scales, dtype=float), (dim,)).copy()
    except (TypeError, ValueError):
        raise ValueError(f"scales must be one number or one number per feature ({dim}), got {scales!r}") from None
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise ValueError(f"scales must be finite numbers > 0, one per feature, got {scales!r}")
    return scale


def check_indices(idx: Any, n: int) -> np.ndarray:
    """Return a mini-batch as a non-empty 1-D array of example indices in 0..n−1, or raise naming `idx`."""
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"idx must be a non-empty 1-D array of example indices (integers), got {idx!r}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"idx must hold indices between 0 and {n - 1}, got {idx.min()}..{idx.max()}")
    return idx
