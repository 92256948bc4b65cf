"""One contract for every loss in gdlab, checked alike (in the spirit of scikit-learn's check_estimator).

Every loss exported by gdlab.losses is listed in LOSSES (a new one fails test_every_loss_is_checked
until it is added). At random points each must give a finite value, a gradient of the point's shape
that matches central differences of the value, and a symmetric Hessian that matches central
differences of the gradient; on a stack of points value, grad and hessian keep the shapes of
gdlab.losses.Loss (batch, batch + point, batch + (D, D)) and agree point by point; `minimum` is a
point where the gradient vanishes and the loss is lowest, or None exactly for the losses in
NO_MINIMUM; value_and_grad is exactly the pair (value, grad); `curvatures` are the Hessian's
eigenvalues exactly when the Hessian is the same everywhere, else None; reset() replays the gradients.
Wrappers that add noise or draw mini-batches (their gradient is not the value's derivative by design)
are checked through the loss they wrap, and declare its minimum and curvatures.
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
    "LogisticRegression, one parameter": lambda: losses.LogisticRegression(REGRESSION.X[:, 0], (REGRESSION.y > 0), l2=0.0),
    "LeastSquares, one parameter": lambda: losses.LeastSquares(REGRESSION.X[:, :1], REGRESSION.y),
    "MLPLoss": lambda: losses.MLPLoss(MOONS.X, MOONS.y, hidden=(3,), activation="tanh"),
    "Rescaled": lambda: losses.Rescaled(losses.Quadratic(np.diag([1.0, 4.0])), [2.0, 0.5]),
}
NO_MINIMUM = {"Cubic", "Saddle", "DoubleWell", "MLPLoss"}   # no minimum, or no single one known
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
    H = np.asarray(loss.hessian(w), dtype=float)
    assert H.shape == (loss.dim, loss.dim), f"{name}: the Hessian at one point has shape {H.shape}, not (D, D)"
    assert np.allclose(H, H.T, atol=1e-6)
    assert np.allclose(H, central(loss.grad, w).reshape(loss.dim, loss.dim), rtol=1e-4, atol=1e-4)


def wrapper(name: str, inner):
    """The noisy wrapper named `name` (one of WRAPPERS) around `inner`, seeded."""
    return (losses.MiniBatchGradient(inner, batch_size=5, seed=0) if name == "MiniBatchGradient"
            else losses.NoisyGradient(inner, 1.0, seed=0))


def wrapped_or_plain(name: str):
    """The loss named `name`: one of LOSSES, or a noisy wrapper (WRAPPERS) of a least-squares loss."""
    return wrapper(name, losses.LeastSquares(REGRESSION.X, REGRESSION.y)) if name in WRAPPERS else LOSSES[name]()


@pytest.mark.parametrize("name", sorted(LOSSES) + sorted(WRAPPERS))
def test_value_and_grad_is_exactly_value_then_grad(name):
    """Is value_and_grad(w), which the optimisers call, exactly (value(w), grad(w)), at a point and on a stack (a wrapper's
    noise or batches replayed from its seed)?"""
    loss = wrapped_or_plain(name)
    for w in (np.random.default_rng(4).uniform(-1.5, 1.5, size=shape + point_shape(loss)) for shape in ((), (3, 2))):
        loss.reset()
        value, grad = loss.value_and_grad(w)
        loss.reset()
        assert np.array_equal(value, loss.value(w)) and np.array_equal(grad, loss.grad(w)), name


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_noisy_wrappers_keep_the_value_of_their_loss(name):
    """A wrapper's value is its loss's value, exactly (only the gradient differs)."""
    inner = losses.LeastSquares(REGRESSION.X, REGRESSION.y)
    wrapped = wrapper(name, inner)
    w = RNG.normal(size=3)
    assert float(wrapped.value(w)) == float(inner.value(w))


def point_shape(loss) -> tuple[int, ...]:
    """The shape of a single point: () for one parameter, (D,) otherwise."""
    return () if loss.dim == 1 else (loss.dim,)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_stack_of_points_keeps_the_shape_convention(name):
    """On a (3, 2) stack of points are value, grad and hessian of shape batch, batch + point and batch + (D, D), equal point by point?"""
    loss = LOSSES[name]()
    points = np.random.default_rng(3).uniform(-1.5, 1.5, size=(3, 2) + point_shape(loss))
    values, grads, hessians = loss.value(points), loss.grad(points), loss.hessian(points)
    assert np.shape(values) == (3, 2) and np.shape(grads) == points.shape
    assert np.shape(hessians) == (3, 2, loss.dim, loss.dim), f"{name}: hessian of a stack has shape {np.shape(hessians)}"
    for index in np.ndindex(3, 2):
        assert np.isclose(values[index], loss.value(points[index]))
        assert np.allclose(grads[index], loss.grad(points[index]))
        assert np.allclose(hessians[index], loss.hessian(points[index]))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_minimum_is_a_point_where_the_loss_is_lowest_or_none(name):
    """Is `minimum` None exactly for the losses without one, and otherwise a float point with zero gradient and nothing lower nearby?"""
    loss = LOSSES[name]()
    if name in NO_MINIMUM:
        assert loss.minimum is None
        return
    m = loss.minimum
    assert isinstance(m, np.ndarray) and m.dtype == float and m.shape == point_shape(loss), (
        f"{name}: minimum {m!r} is not a float array of a point's shape {point_shape(loss)}")
    assert np.allclose(loss.grad(m), 0.0, atol=1e-8)
    nearby = m + 1e-2 * np.random.default_rng(5).normal(size=(20,) + m.shape)
    assert np.all(loss.value(nearby) >= loss.value(m))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_curvatures_are_declared_exactly_when_the_hessian_is_constant(name):
    """Are `curvatures` the sorted Hessian eigenvalues at every point when the Hessian never changes, and None when it does?"""
    loss = LOSSES[name]()
    points = np.random.default_rng(7).uniform(-1.5, 1.5, size=(4,) + point_shape(loss))
    hessians = [np.asarray(loss.hessian(p), dtype=float) for p in points]
    constant = all(np.allclose(H, hessians[0], rtol=1e-9, atol=1e-12) for H in hessians)
    if not constant:
        assert loss.curvatures is None, f"{name}: the Hessian changes from point to point, so curvatures must be None"
        return
    assert loss.curvatures is not None, f"{name}: the Hessian is the same everywhere, so it must declare its curvatures"
    assert np.shape(loss.curvatures) == (loss.dim,)
    assert np.allclose(loss.curvatures, np.linalg.eigvalsh(hessians[0]))


@pytest.mark.parametrize("name", sorted(WRAPPERS))
@pytest.mark.parametrize("inner", ["LeastSquares", "MLPLoss"])
def test_wrappers_declare_the_minimum_and_curvatures_of_their_loss(name, inner):
    """Does a wrapper's `inner` hold its loss, with the same minimum, curvatures and Hessian?"""
    loss = LOSSES[inner]()
    wrapped = wrapper(name, loss)
    assert wrapped.inner is loss
    for attribute in ("minimum", "curvatures"):
        mine, theirs = getattr(wrapped, attribute), getattr(loss, attribute)
        assert (mine is None) == (theirs is None) and (mine is None or np.array_equal(mine, theirs))
    w = np.random.default_rng(8).normal(size=loss.dim)
    assert np.array_equal(wrapped.hessian(w), loss.hessian(w))


@pytest.mark.parametrize("name", sorted(LOSSES) + sorted(WRAPPERS))
def test_reset_replays_the_gradients(name):
    """After reset(), does every loss (a wrapper's seeded noise or batches too) give the same gradients again?"""
    loss = wrapped_or_plain(name)
    w = np.random.default_rng(9).uniform(-1, 1, size=point_shape(loss))
    first = [np.asarray(loss.grad(w)) for _ in range(3)]
    assert loss.reset() is None
    assert all(np.array_equal(a, np.asarray(loss.grad(w))) for a in first)
