"""Does gradient descent on a quadratic do exactly what the closed forms say?"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.analysis import Regime, classify, steps_to_tolerance, sweep
from gdlab.losses import Quadratic, parabola
from gdlab.optim import gradient_descent

curvatures = st.floats(0.05, 50.0)
centres = st.floats(-10.0, 10.0)
starts = st.floats(-10.0, 10.0)


@settings(max_examples=200, deadline=None)
@given(h=curvatures, c=centres, w0=starts, fraction=st.floats(0.01, 0.99), steps=st.integers(1, 40))
def test_error_shrinks_by_one_minus_lr_h_per_step(h, c, w0, fraction, steps):
    """Is GD's error after k steps (1 - lr·h)^k times the first, for any curvature, centre, start and stable rate?"""
    lr = fraction * 2 / h
    run = gradient_descent(Quadratic([[h]], c), w0, lr, steps)
    expected = (w0 - c) * (1 - lr * h) ** np.arange(steps + 1)
    assert np.allclose(run.w - c, expected, rtol=1e-9, atol=1e-12 * max(1.0, abs(w0 - c)))


@settings(max_examples=100, deadline=None)
@given(h1=curvatures, h2=curvatures, angle=st.floats(0, np.pi), fraction=st.floats(0.01, 0.99),
       steps=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_error_in_each_eigendirection_follows_its_own_factor(h1, h2, angle, fraction, steps, seed):
    """In D dimensions, does the error along each eigenvector of H shrink by its own (1 - lr·h_i)^k?"""
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    H = rotation @ np.diag([h1, h2]) @ rotation.T
    rng = np.random.default_rng(seed)
    c, w0 = rng.uniform(-5, 5, 2), rng.uniform(-5, 5, 2)
    lr = fraction * 2 / max(h1, h2)
    run = gradient_descent(Quadratic(H, c), w0, lr, steps)
    coords = (run.w - c) @ rotation          # error in the eigenbasis, one row per step
    factors = np.array([1 - lr * h1, 1 - lr * h2])
    expected = coords[0] * factors ** np.arange(steps + 1)[:, None]
    assert np.allclose(coords, expected, rtol=1e-8, atol=1e-10 * (1 + np.abs(coords[0]).max()))


def test_records_losses_gradients_and_rates():
    """Does a run record steps + 1 weights, losses and gradients and one learning rate per step?"""
    run = gradient_descent(parabola(1.0, 3.0), 7.0, 0.1, 2)
    assert run.w.shape == (3,) and run.loss.shape == (3,) and run.grad.shape == (3,) and run.lr.shape == (2,)
    assert np.allclose(run.w, [7.0, 6.2, 5.56])
    assert np.allclose(run.loss, [16.0, 10.24, 2.56**2])
    assert np.allclose(run.grad, [8.0, 6.4, 5.12])
    assert np.allclose(run.lr, [0.1, 0.1])


def test_schedule_sets_the_rate_of_each_step():
    """Does a schedule t -> lr give each step its own rate?"""
    run = gradient_descent(parabola(), 1.0, lambda t: 0.1 / (t + 1), 3)
    assert np.allclose(run.lr, [0.1, 0.05, 0.1 / 3])
    assert np.allclose(run.w[1:], np.cumprod([1 - 0.2, 1 - 0.1, 1 - 0.2 / 3]))


@pytest.mark.parametrize("h", [0.5, 2.0, 30.0])
def test_stability_edge_is_two_over_h(h):
    """Is lr = 2/h the edge: just below converges, exactly at it bounces, just above diverges?"""
    loss = Quadratic([[h]], 1.0)
    below = gradient_descent(loss, 4.0, 0.99 * 2 / h, 400)
    at = gradient_descent(loss, 4.0, 2 / h, 400)
    above = gradient_descent(loss, 4.0, 1.01 * 2 / h, 400)
    assert below.loss[-1] < 1e-3 * below.loss[0]
    assert np.isclose(at.loss[-1], at.loss[0], rtol=1e-9)
    assert above.loss[-1] > 1e3 * above.loss[0]


def test_overflow_stops_cleanly_and_says_so():
    """Does a run that overflows stop without warnings, mark where, and keep inf/nan as data?"""
    with _no_warnings():
        run = gradient_descent(parabola(1.0, 2.0), 8.0, 3.0, 2000)
    assert run.diverged and run.stopped_at is not None and 0 < run.stopped_at <= 2000
    assert np.all(np.isfinite(run.w[: run.stopped_at])) and np.all(np.isnan(run.w[run.stopped_at:]))
    assert np.all(np.isinf(run.loss[run.stopped_at:]))
    assert "diverged" in run.message and str(run.stopped_at) in run.message


class _no_warnings:
    """Fail if the block emits any warning (a warning in a notebook is stderr, which costs points)."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings(record=True)
        self.caught = self._catch.__enter__()
        warnings.simplefilter("always")

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)
        assert not self.caught, [str(w.message) for w in self.caught]


@settings(max_examples=60, deadline=None)
@given(h=curvatures, c=centres, w0=starts, steps=st.integers(0, 60),
       rates=st.lists(st.floats(1e-3, 3.0), min_size=1, max_size=12))
def test_sweep_agrees_with_single_runs(h, c, w0, steps, rates):
    """Does the vectorised sweep give, for every rate, the final loss of a single run?"""
    loss = Quadratic([[h]], c)
    swept = sweep(loss, w0, rates, steps)
    single = np.array([gradient_descent(loss, w0, lr, steps).loss[-1] for lr in rates])
    finite = np.isfinite(single)
    assert np.array_equal(np.isfinite(swept), finite)
    assert np.allclose(swept[finite], single[finite], rtol=1e-9, atol=1e-300)


def test_sweep_in_two_dimensions_agrees_with_single_runs():
    """Does the sweep work on a two-parameter quadratic, including diverging rates?"""
    loss = Quadratic(np.diag([1.0, 100.0]), [1.0, -2.0])
    rates = np.array([0.001, 0.01, 0.0198, 0.0201, 0.5])
    swept = sweep(loss, [0.0, 0.0], rates, 300)
    single = np.array([gradient_descent(loss, [0.0, 0.0], lr, 300).loss[-1] for lr in rates])
    assert np.allclose(swept[:3], single[:3], rtol=1e-9)
    assert swept[3] > 1e3 and np.isinf(swept[4]) and np.isinf(single[4])


def test_sweep_has_no_python_loop_over_rates(monkeypatch):
    """Does a sweep of 100,000 rates evaluate the gradient once per step on all rates at once (no loop over rates)?"""
    loss = parabola(1.0, 2.0)
    calls = []
    grad = loss.grad
    monkeypatch.setattr(loss, "grad", lambda w: calls.append(np.shape(w)) or grad(w), raising=False)
    sweep(loss, 8.0, np.linspace(0.01, 1.2, 100_000), 50)
    assert len(calls) <= 51 and all(shape[0] == 100_000 for shape in calls)


@pytest.mark.parametrize(
    "lr, regime",
    [(0.1, Regime.STEADY), (0.5, Regime.ONE_STEP), (0.75, Regime.OSCILLATING), (1.0, Regime.BOUNCES),
     (1.1, Regime.DIVERGES), (0.001, Regime.STEADY), (0.999, Regime.OSCILLATING), (5.0, Regime.DIVERGES)],
)
def test_classify_each_regime(lr, regime):
    """Does classify name each of the five regimes on (w - 2)² (curvature 2) from w0 = 8?"""
    assert classify(gradient_descent(parabola(1.0, 2.0), 8.0, lr, 30)) == regime


@settings(max_examples=100, deadline=None)
@given(h=curvatures, c=centres, w0=starts, fraction=st.floats(0.02, 1.98))
def test_classify_agrees_with_the_factor_one_minus_lr_h(h, c, w0, fraction):
    """Does classify agree with the theory's factor 1 - lr·h for any quadratic?"""
    if abs(w0 - c) < 1e-3 or abs(fraction - 1) < 1e-6:
        return
    factor = 1 - fraction
    run = gradient_descent(Quadratic([[h]], c), w0, fraction / h, 25)
    expected = Regime.STEADY if factor > 0 else Regime.OSCILLATING
    assert classify(run) == expected


def test_classify_a_two_dimensional_ravine():
    """On 0.5·(x² + 100·y²), does a rate just above 2/h_max diverge and the best rate converge?"""
    loss = Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0])
    assert classify(gradient_descent(loss, [1.0, 1.0], 0.0201, 200)) == Regime.DIVERGES
    assert classify(gradient_descent(loss, [1.0, 1.0], 2 / 101, 200)) in (Regime.STEADY, Regime.OSCILLATING)


def test_steps_to_tolerance_matches_the_closed_form():
    """Does steps_to_tolerance give 29 and 39 on the (w - 2)² exploration, and ceil(log(tol/|e0|)/log|1 - lr·h|) in general?"""
    run = gradient_descent(parabola(1.0, 2.0), 8.0, 0.1, 100)
    assert steps_to_tolerance(run, 2.0, 0.01) == 29
    assert steps_to_tolerance(run, 2.0, 0.001) == 39
    for h, lr, tol in [(3.0, 0.1, 1e-6), (0.7, 1.2, 1e-4), (10.0, 0.15, 1e-8)]:
        run = gradient_descent(Quadratic([[h]], 0.0), 5.0, lr, 2000)
        predicted = math.ceil(math.log(tol / 5.0) / math.log(abs(1 - lr * h)))
        assert steps_to_tolerance(run, 0.0, tol) == predicted
    assert steps_to_tolerance(gradient_descent(parabola(1.0, 2.0), 8.0, 1.0, 50), 2.0, 0.01) is None


def test_seed_error_four_small_rate_needs_about_49500_steps():
    """Does lr = 0.0001 on x² from 2 need about 49,500 steps to reach |x| < 1e-4 (seed error 4)?"""
    run = gradient_descent(parabola(), 2.0, 0.0001, 50_000)
    assert steps_to_tolerance(run, 0.0, 1e-4) == math.ceil(math.log(1e-4 / 2) / math.log(1 - 2e-4)) == 49_513
