"""One contract for every loss in gdlab, checked alike (in the spirit of scikit-learn's check_estimator).

Every loss exported by gdlab.losses is listed in LOSSES (a new one fails test_every_loss_is_checked
until it is added). At random points each must give a finite value, a gradient of the point's shape
that matches central differences of the value, and, where it has a Hessian, a symmetric matrix that
matches central differences of the gradient. Wrappers that add noise or draw mini-batches (their
gradient is not the value's derivative by design) are checked through the loss they wrap.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdlab.losses as losses
from gdlab.datasets import make_moons, make_regression

RNG = np.random.default_rng(0)
REGRESSION = make_regression(n=30, dim=3, noise=0.3, seed=1)
MOONS = make_moons(n=30, noise=0.2, seed=1)
LOSSES = {
    "Quadratic": lambda: losses.Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), [0.5, -1.0]),
    "parabola": lambda: losses.parabola(2.0, 1.0),
    "rotated_ravine": lambda: losses.rotated_ravine(50.0, 30.0),
    "QuarticBowl": lambda: losses.QuarticBowl(0.5),
    "Cubic": lambda: losses.Cubic(2.0),
    "Saddle": lambda: losses.Saddle(1.5, 0.5),
    "DoubleWell": lambda: losses.DoubleWell(),
    "LogCosh": lambda: losses.LogCosh(0.3),
    "SigmoidPlateau": lambda: losses.SigmoidPlateau(0.7),
    "LeastSquares": lambda: losses.LeastSquares(REGRESSION.X, REGRESSION.y),
    "LogisticRegression": lambda: losses.LogisticRegression(REGRESSION.X, (REGRESSION.y > 0).astype(float), l2=0.1),
    "MLPLoss": lambda: losses.MLPLoss(MOONS.X, MOONS.y, hidden=(3,), activation="tanh"),
    "Rescaled": lambda: losses.Rescaled(losses.Quadratic(np.diag([1.0, 4.0])), [2.0, 0.5]),
}
WRAPPERS = {"MiniBatchGradient": "a mini-batch of its loss's examples", "NoisyGradient": "its loss plus seeded noise"}


def test_every_loss_is_checked():
    """Is every loss class and factory of gdlab.losses in LOSSES (or a noisy wrapper, named with its reason)?"""
    exported = {name for name in losses.__all__ if name != "Loss" and (
        inspect.isclass(getattr(losses, name)) and issubclass(getattr(losses, name), losses.Loss)
        or name in ("parabola", "rotated_ravine"))}
    assert exported - set(LOSSES) - set(WRAPPERS) == set()


def point(loss, values) -> np.ndarray | float:
    """A point for `loss` from numbers in [-1, 1] (a float for a loss of one parameter)."""
    w = np.asarray(values[: loss.dim], dtype=float) * 1.5
    return float(w[0]) if loss.dim == 1 else w


def central(f, w, h: float = 1e-6) -> np.ndarray:
    """Central differences of f at w along every coordinate (columns)."""
    w = np.atleast_1d(np.asarray(w, dtype=float))
    shape = (lambda x: float(x[0])) if w.size == 1 else (lambda x: x)
    return np.stack([(np.asarray(f(shape(w + h * e))) - np.asarray(f(shape(w - h * e)))) / (2 * h) for e in np.eye(w.size)],
                    axis=-1)


@pytest.mark.parametrize("name", sorted(LOSSES))
@settings(max_examples=15)
@given(values=st.lists(st.floats(-1, 1), min_size=100, max_size=100))
def test_value_gradient_and_hessian_agree(name, values):
    """Finite value; gradient of the point's shape equal to the value's central differences; Hessian symmetric and equal to the gradient's."""
    loss = LOSSES[name]()
    w = point(loss, values)
    value = float(np.asarray(loss.value(w)))
    assert np.isfinite(value)
    grad = np.asarray(loss.grad(w), dtype=float)
    assert grad.shape == np.shape(w), f"{name}: grad has shape {grad.shape} at a point of shape {np.shape(w)}"
    assert np.allclose(np.atleast_1d(grad), np.ravel(central(loss.value, w)), rtol=1e-4, atol=1e-5)
    try:
        H = np.asarray(loss.hessian(w), dtype=float).reshape(loss.dim, loss.dim)
    except NotImplementedError:
        return
    assert np.allclose(H, H.T, atol=1e-6)
    assert np.allclose(H, central(loss.grad, w).reshape(loss.dim, loss.dim), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_noisy_wrappers_keep_the_value_of_their_loss(name):
    """A wrapper's value is its loss's value, exactly (only the gradient differs)."""
    inner = losses.LeastSquares(REGRESSION.X, REGRESSION.y)
    wrapped = losses.MiniBatchGradient(inner, batch_size=5, seed=0) if name == "MiniBatchGradient" else losses.NoisyGradient(inner, 1.0, seed=0)
    w = RNG.normal(size=3)
    assert float(wrapped.value(w)) == float(inner.value(w))
