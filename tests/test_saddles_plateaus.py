"""Tests for the package parts of 06-saddles-plateaus: saddle, cubic and plateau losses, and the second-derivative test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.losses import Cubic, Saddle, SigmoidPlateau, sigmoid, sigmoid_slope
from gdlab.optim import gradient_descent
from gdlab.stationary import StationaryKind, classify_stationary, is_stationary

from demokit import is_still_picture


def test_saddle_default_is_x_squared_minus_y_squared():
    """Is Saddle() the loss x² − y², with Hessian diag(2, −2) everywhere?"""
    loss = Saddle()
    assert loss.value([3.0, 2.0]) == pytest.approx(5.0)
    assert np.array_equal(loss.hessian([0.3, -0.7]), np.diag([2.0, -2.0]))
    assert np.array_equal(loss.curvatures, [-2.0, 2.0])


@given(signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=1, max_size=6),
       sizes=st.lists(st.floats(0.01, 100.0), min_size=6, max_size=6), seed=st.integers(0, 2**31))
def test_classification_follows_eigenvalue_signs_in_any_basis(signs, sizes, seed):
    """Does the classification depend only on the signs of the eigenvalues, whatever basis H is written in?"""
    eig = np.array(signs) * np.array(sizes[: len(signs)])
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eig), len(eig))))
    H = q @ np.diag(eig) @ q.T
    H = (H + H.T) / 2
    expected = ("minimum" if (eig > 0).all() else "maximum" if (eig < 0).all() else "saddle")
    assert classify_stationary(H) == expected


def test_zero_eigenvalue_is_inconclusive_unless_signs_already_mix():
    """Is a zero eigenvalue inconclusive, except when a positive and a negative one already make a saddle?"""
    assert classify_stationary([[2.0, 0.0], [0.0, 0.0]]) == StationaryKind.INCONCLUSIVE
    assert classify_stationary([[-1.0, 0.0], [0.0, 0.0]]) == "inconclusive"
    assert classify_stationary(0.0) == "inconclusive"
    assert classify_stationary(np.diag([3.0, 0.0, -1.0])) == "saddle"
    assert classify_stationary(4.0) == "minimum" and classify_stationary(-0.5) == "maximum"


def test_classification_rejects_bad_hessians():
    """Does a non-square or non-symmetric Hessian raise an error naming `hessian`?"""
    with pytest.raises(ValueError, match="hessian"):
        classify_stationary([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="hessian"):
        classify_stationary([[1.0, 2.0], [0.0, 1.0]])


@given(a=st.floats(0.1, 10.0) | st.floats(-10.0, -0.1), h=st.floats(1e-3, 1.0))
def test_cubic_at_zero_is_a_stationary_inflection_point(a, h):
    """Is w = 0 of a·w³ stationary, with an inconclusive second-derivative test, and lower on one side and higher on the other?"""
    loss = Cubic(a)
    assert is_stationary(loss, 0.0)
    assert classify_stationary(loss.hessian(0.0)) == "inconclusive"
    assert loss.value(-h) * loss.value(h) < 0   # one side below the value 0 at the point, one side above


def test_saddle_is_stationary_and_a_saddle():
    """Is the origin of x² − y² stationary, and does the Hessian test call it a saddle?"""
    loss = Saddle()
    assert is_stationary(loss, [0.0, 0.0]) and not is_stationary(loss, [0.0, 1e-3])
    assert classify_stationary(loss.hessian([0.0, 0.0])) == "saddle"


def escape_steps(loss, eps, lr, x0=1.0, limit=400):
    """The first step k at which GD from (x0, eps) reaches |y| >= 1."""
    run = gradient_descent(loss, [x0, eps], lr, limit)
    return int(np.flatnonzero(np.abs(run.w[:, 1]) >= 1.0)[0])


@pytest.mark.parametrize("eps, steps", [(1e-2, 26), (1e-4, 51), (1e-8, 102)])
def test_escape_times_from_the_course(eps, steps):
    """With lr = 0.1 on x² − y², does GD from y = ε reach |y| >= 1 after 26, 51 and 102 steps as log(1/ε)/log(1.2) predicts?"""
    assert escape_steps(Saddle(), eps, 0.1) == steps == math.ceil(math.log(1 / eps) / math.log(1.2))


@settings(max_examples=60)
@given(log_eps=st.floats(-12.0, -1.0), lr=st.floats(0.01, 0.4), b=st.floats(0.2, 3.0))
def test_escape_time_matches_the_prediction(log_eps, lr, b):
    """Does the escape time from any ε, lr and downward curvature b equal ceil(log(1/ε)/log(1 + 2·b·lr))?"""
    eps = 10.0 ** log_eps
    loss = Saddle(1.0, b)
    predicted = math.log(1 / eps) / math.log(loss.escape_rate(lr))
    if abs(predicted - round(predicted)) < 1e-6:   # on the boundary rounding decides; nothing to test
        return
    assert escape_steps(loss, eps, lr, limit=math.ceil(predicted) + 5) == math.ceil(predicted)


@settings(max_examples=30)
@given(x0=st.floats(-5.0, 5.0), lr=st.floats(0.05, 0.45))
def test_start_on_the_stable_axis_converges_to_the_saddle(x0, lr):
    """Starting exactly at y = 0 (and lr < 1/(2a)), does GD converge to the saddle and never leave the axis?"""
    run = gradient_descent(Saddle(), [x0, 0.0], lr, 400)
    assert np.all(run.w[:, 1] == 0.0)
    assert abs(run.w[-1, 0]) < 1e-6
    k = np.arange(50)
    assert np.allclose(run.w[:50, 0], x0 * (1 - 2 * lr) ** k, rtol=1e-12, atol=1e-300)


def test_sigmoid_slopes_from_the_course():
    """Is σ'(z) 0.25 at 0, about 6.6e-3 at 5 and about 4.5e-5 at 10?"""
    assert sigmoid_slope(0.0) == pytest.approx(0.25)
    assert sigmoid_slope(5.0) == pytest.approx(6.648e-3, rel=1e-3)
    assert sigmoid_slope(10.0) == pytest.approx(4.5396e-5, rel=1e-4)


@given(z=st.floats(-700.0, 700.0))
def test_sigmoid_matches_its_formula_and_never_overflows(z):
    """Does sigmoid equal 1/(1 + e^(−z)) and stay in [0, 1] without overflow warnings, however large |z| is?"""
    with np.errstate(all="raise"):
        s = float(sigmoid(z))
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0, abs=1e-15, rel=1e-12)


@given(target=st.floats(0.05, 0.95))
def test_sigmoid_plateau_minimum_is_the_logit(target):
    """Is the plateau loss zero with zero gradient at log(target/(1 − target)), and positive-curvature there?"""
    loss = SigmoidPlateau(target)
    w = loss.minimum
    assert w == pytest.approx(math.log(target / (1 - target)))
    assert float(loss.value(w)) == pytest.approx(0.0, abs=1e-20)
    assert abs(float(loss.grad(w))) < 1e-15
    assert loss.hessian(w)[0, 0] == pytest.approx(2 * (target * (1 - target)) ** 2)


def test_sigmoid_plateau_gradient_vanishes_far_to_the_left():
    """Far in the saturated region, is the gradient about 2·(−target)·e^w, i.e. tiny?"""
    loss = SigmoidPlateau(0.9)
    assert float(loss.grad(-10.0)) == pytest.approx(2 * (sigmoid(-10.0) - 0.9) * math.exp(-10.0), rel=1e-3)
    assert abs(float(loss.grad(-10.0))) < 1e-4


def test_bad_arguments_name_themselves():
    """Do bad constructor arguments raise errors that name the argument?"""
    with pytest.raises(ValueError, match="b"):
        Saddle(1.0, -1.0)
    with pytest.raises(ValueError, match="target"):
        SigmoidPlateau(1.5)
    with pytest.raises(ValueError, match="a"):
        Cubic(0.0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        Saddle().value([1.0, 2.0, 3.0])


def test_saddle_explorer_measures_what_it_predicts(headless_display, capsys):
    """Does the escape demo draw the GD run of its sliders, report 51 steps for ε = 1e-4, lr = 0.1, and show a still picture headless?"""
    from gdlab.widgets import saddle_escape_explorer

    explorer = saddle_escape_explorer(log_eps=-4.0, lr=0.1)
    assert explorer.measured == 51 and explorer.predicted == pytest.approx(math.log(1e4) / math.log(1.2))
    before = explorer.image.value
    explorer.eps_slider.value = -8.0
    assert explorer.measured == 102 and explorer.image.value != before
    explorer.lr_slider.value = 0.2
    assert explorer.measured == math.ceil(math.log(1e8) / math.log(1.4))
    assert np.allclose(explorer.y_line.get_ydata()[:3], 1e-8 * 1.4 ** np.arange(3))
    explorer.show()
    assert "reaches 1 after" in capsys.readouterr().out
    assert is_still_picture(headless_display)
