"""Tests for the package parts of 03-learning-rate-sweeps: predictions from the curvature, best rates, contours, the ravine demo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from gdlab.analysis import Regime, classify, distance, steps_to_tolerance, sweep
from gdlab.losses import Quadratic
from gdlab.optim import gradient_descent
from gdlab.plots import contour_grid, plot_contours, plot_sweep
from gdlab.rates import (best_factor, best_rate, error_factor, largest_stable_rate, predicted_steps, range_test,
                         steps_per_factor)
from gdlab.widgets import PathExplorer, ravine_explorer

curvature = st.floats(0.05, 50.0)
start = st.floats(-20.0, 20.0).filter(lambda e: abs(e) > 1e-3)


def rotated_quadratic(rng, curvatures, center=None):
    """A quadratic with the given curvatures along random orthogonal directions, and its eigenvectors."""
    dim = len(curvatures)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    H = q @ np.diag(curvatures) @ q.T
    c = rng.uniform(-3, 3, size=dim) if center is None else np.asarray(center, dtype=float)
    return Quadratic((H + H.T) / 2, c), q


@settings(max_examples=200)
@given(h=curvature, ratio=st.floats(0.01, 2.2), e0=start, k=st.integers(0, 60))
def test_gd_error_after_k_steps_is_the_factor_to_the_k(h, ratio, e0, k):
    """Is GD's error after k steps on curvature h equal to (1 - lr·h)^k times the first error?"""
    lr = ratio / h
    run = gradient_descent(Quadratic(h, 1.5), 1.5 + e0, lr, k)
    expected = error_factor(lr, h) ** k * e0
    assert run.w[k] - 1.5 == pytest.approx(expected, rel=1e-9, abs=1e-9 * abs(e0))


@settings(max_examples=200)
@given(h=curvature, factor=st.floats(-0.95, 0.95).filter(lambda f: abs(f) > 0.02), e0=start,
       log_tol=st.floats(-9.0, 0.0))
def test_predicted_steps_match_a_run(h, factor, e0, log_tol):
    """Does ceil(log(tol/|e0|)/log|1 - lr·h|) give the first step with |w_k - c| < tol, as measured on a run?"""
    lr = (1 - factor) / h
    tol = 10.0 ** log_tol
    exact = math.log(tol / abs(e0)) / math.log(abs(factor)) if abs(e0) >= tol else 0.0
    assume(abs(exact - round(exact)) > 1e-6)          # a tie is decided by rounding, not by the formula
    predicted = predicted_steps(lr, h, e0, tol)
    run = gradient_descent(Quadratic(h, 0.0), e0, lr, predicted + 2)
    assert steps_to_tolerance(run, 0.0, tol) == predicted


def test_predicted_steps_on_the_first_steps_example():
    """Does the formula reproduce 02's counts on (w-2)² from 8 with lr 0.1: 29 steps to 0.01, 39 to 0.001?"""
    assert predicted_steps(0.1, 2.0, 6.0, 0.01) == 29
    assert predicted_steps(0.1, 2.0, 6.0, 0.001) == 39


def test_predicted_steps_edge_cases():
    """Already within tol: 0 steps; lr = 1/h: 1 step; |1 - lr·h| >= 1: never (None)?"""
    assert predicted_steps(0.1, 2.0, 1e-3, 1e-2) == 0
    assert predicted_steps(0.25, 4.0, 5.0, 1e-9) == 1
    assert predicted_steps(0.5, 4.0, 5.0, 1e-3) is None      # bounces
    assert predicted_steps(0.6, 4.0, 5.0, 1e-3) is None      # diverges
    with pytest.raises(ValueError, match="tol"):
        predicted_steps(0.1, 2.0, 1.0, 0.0)
    with pytest.raises(TypeError, match="lr"):
        predicted_steps("0.1", 2.0, 1.0, 0.1)


@settings(max_examples=100)
@given(h=curvature, ratio=st.floats(0.02, 2.5), e0=start)
def test_regime_follows_from_lr_times_h(h, ratio, e0):
    """Does classify agree with the regime the factor 1 - lr·h predicts, away from the edges 1/h and 2/h?"""
    assume(abs(ratio - 1) > 1e-3 and abs(ratio - 2) > 1e-3)
    run = gradient_descent(Quadratic(h, 0.0), e0, ratio / h, 30)
    want = Regime.STEADY if ratio < 1 else Regime.OSCILLATING if ratio < 2 else Regime.DIVERGES
    assert classify(run) == want


@pytest.mark.parametrize("h", [0.3, 2.0, 7.0, 49.0])
def test_regime_edges_one_over_h_and_two_over_h(h):
    """Does lr = 1/h land in one step and lr = 2/h bounce forever, even when lr·h is not exactly 1 or 2 in floats?"""
    assert classify(gradient_descent(Quadratic(h, 0.0), 3.0, 1 / h, 20)) == Regime.ONE_STEP
    assert classify(gradient_descent(Quadratic(h, 0.0), 3.0, 2 / h, 20)) == Regime.BOUNCES


@settings(max_examples=30, deadline=None)
@given(h_small=st.floats(0.1, 1.0), kappa=st.floats(2.0, 200.0), seed=st.integers(0, 2**32 - 1))
def test_largest_stable_rate_is_set_by_the_steepest_direction(h_small, kappa, seed):
    """On a rotated 2-D quadratic, do runs just below 2/h_max shrink and runs just above it grow?"""
    rng = np.random.default_rng(seed)
    curv = [h_small, h_small * kappa]
    loss, q = rotated_quadratic(rng, curv)
    edge = largest_stable_rate(curv)
    assert edge == pytest.approx(2 / max(curv))
    w0 = loss.minimum + q @ (rng.choice([-1.0, 1.0], size=2) * rng.uniform(0.5, 2.0, size=2))   # both directions present
    below = gradient_descent(loss, w0, 0.99 * edge, 400)
    above = gradient_descent(loss, w0, 1.01 * edge, 400)
    assert below.loss[-1] < below.loss[0]
    assert above.diverged or above.loss[-1] > above.loss[0]


@given(h_min=st.floats(0.01, 10.0), kappa=st.floats(1.0, 1e4))
def test_best_rate_minimises_the_worst_factor(h_min, kappa):
    """Is 2/(h_min + h_max) the rate with the smallest worst-case factor max|1 - lr·h|, equal to (κ-1)/(κ+1)?"""
    h_max = h_min * kappa
    lr = best_rate(h_min, h_max)
    worst = max(abs(1 - lr * h_min), abs(1 - lr * h_max))
    assert worst == pytest.approx(best_factor(kappa), rel=1e-9, abs=1e-12)
    for nudge in (0.99, 1.01):
        other = nudge * lr
        assert max(abs(1 - other * h_min), abs(1 - other * h_max)) >= worst - 1e-12


def test_kappa_100_needs_about_690_steps_per_factor_a_million():
    """With κ = 100 at the best rate, is the factor 99/101 ≈ 0.980 and does a run need 691 steps to shrink its error 1e6-fold?"""
    assert best_factor(100) == pytest.approx(0.980198, abs=1e-6)
    assert steps_per_factor(best_factor(100), 1e6) == pytest.approx(690.8, abs=0.05)
    loss = Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0])
    run = gradient_descent(loss, [1.0, 1.0], best_rate(1.0, 100.0), 700)
    d = distance(run, loss.minimum)
    assert np.allclose(d[1:] / d[:-1], best_factor(100), rtol=1e-9)
    assert steps_to_tolerance(run, loss.minimum, 1e-6 * d[0]) == 691


def test_sweep_final_loss_matches_closed_form():
    """Does the vectorised sweep give 0.5·h·((1 - lr·h)^steps·e0)² for every rate, and inf where it overflows?"""
    h, e0, steps = 4.0, 3.0, 25
    lrs = np.geomspace(1e-3, 2.0, 40)
    final = sweep(Quadratic(h, 0.0), e0, lrs, steps)
    with np.errstate(over="ignore"):
        expected = 0.5 * h * ((1 - lrs * h) ** steps * e0) ** 2
    assert np.allclose(final[np.isfinite(expected)], expected[np.isfinite(expected)], rtol=1e-9, atol=1e-300)
    huge = sweep(Quadratic(h, 0.0), e0, [100.0], 2000)
    assert np.isinf(huge[0])


def test_range_test_rates_grow_geometrically():
    """Does the range test use lr_min at the first step, lr_max at the last, with a constant ratio in between?"""
    run = range_test(Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0]), [1.0, 1.0], 1e-4, 1.0, 81)
    assert run.lr[0] == pytest.approx(1e-4) and run.lr[-1] == pytest.approx(1.0)
    assert np.allclose(run.lr[1:] / run.lr[:-1], (1.0 / 1e-4) ** (1 / 80))
    with pytest.raises(ValueError, match="lr_min"):
        range_test(Quadratic(1.0, 0.0), 1.0, 1.0, 0.1, 10)


def test_contours_draw_the_path_through_any_two_coordinates():
    """Does plot_contours draw each run's path projected on the chosen coordinates, for a 3-D loss too?"""
    loss = Quadratic(np.diag([1.0, 10.0, 100.0]), [0.0, 1.0, 0.0])
    run = gradient_descent(loss, [2.0, 2.0, 0.5], 0.015, 30)
    ax = Figure().subplots()
    plot_contours(loss, {"gd": run}, ax=ax, dims=(0, 2))
    path = [line for line in ax.get_lines() if line.get_label() == "gd"][0]
    assert np.allclose(path.get_xdata(), run.w[:, 0]) and np.allclose(path.get_ydata(), run.w[:, 2])
    assert ax.get_xlabel() == "w[0]" and ax.get_ylabel() == "w[2]" and ax.get_title()
    X, Y, Z = contour_grid(loss, (-1, 1), (-2, 2), dims=(0, 2), n=5)
    assert np.allclose(Z, 0.5 * (X**2 + 100 * Y**2))          # the slice passes through the minimum
    with pytest.raises(ValueError, match="at least 2"):
        plot_contours(Quadratic(1.0, 0.0))
    with pytest.raises(ValueError, match="dims"):
        plot_contours(loss, dims=(1, 1))


def test_plot_sweep_marks_diverged_runs():
    """Does plot_sweep put finite losses on log axes and diverged (inf) runs as separate crosses?"""
    ax = Figure().subplots()
    plot_sweep([0.1, 0.2, 0.3], [1.0, 0.0, np.inf], ax=ax, marks={"2/h": 0.25})
    labels = [line.get_label() for line in ax.get_lines()]
    assert "overflowed (diverged)" in labels and "2/h" in labels
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="same shape"):
        plot_sweep([0.1, 0.2], [1.0])


def test_ravine_explorer_renders_quickly_and_follows_its_slider(monkeypatch):
    """Does the ravine demo render a PNG with its default rate, and rerun GD when the slider moves?"""

    monkeypatch.setenv("GDLAB_HEADLESS", "1")
    loss = Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0])
    demo = ravine_explorer(loss, [-9.0, 1.0])  # its redraw time is measured in tests/benchmarks/widget_redraw.py
    assert isinstance(demo, PathExplorer) and demo.image.value[:4] == b"\x89PNG"
    assert demo.run.lr[0] == pytest.approx(0.018)
    demo.lr_slider.value = 0.021                   # above 2/h_max = 0.02: the steep direction diverges
    assert demo.run.lr[0] == pytest.approx(0.021, rel=1e-2)
    assert demo.run.loss[-1] > demo.run.loss[0]
