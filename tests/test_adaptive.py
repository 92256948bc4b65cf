"""Tests for the package parts of 10-adaptive: AdaGrad, RMSProp, Adam, the warm-up, Armijo backtracking, Polyak's step, the race.

Each optimiser is checked against its update written out by hand and against the closed forms the
notebook states (first steps, invariance to a coordinate's scale, Polyak's halving, backtracking on x²),
and the notebook's measured claims (the turned ravine's table, the warm-up example) are measured again.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdlab.analysis import distance, steps_to_tolerance
from gdlab.losses import NoisyGradient, Quadratic, QuarticBowl, parabola, rotated_ravine
from gdlab.losses.quadratic import rotation
from gdlab.optim import (adagrad, adam, armijo_rate, backtracking, gradient_descent, momentum, newton, polyak, race,
                         rmsprop)
from gdlab.schedules import linear_warmup

rates = st.floats(1e-3, 1.0)
scales = st.floats(0.1, 1e3)  # gradients large enough that ε (1e-8) stays below the tolerance
RAVINE = Quadratic(np.diag([1.0, 100.0]))


def steps_to_shrink(run, factor=1e-6):
    return steps_to_tolerance(run, np.zeros(2), factor * float(distance(run, np.zeros(2))[0]))


@given(lr=rates, h=st.lists(st.floats(0.1, 50.0), min_size=2, max_size=4), steps=st.integers(1, 6))
def test_adagrad_divides_by_the_root_of_the_summed_squared_gradients(lr, h, steps):
    """Is AdaGrad's every step lr·g/(√Σg² + ε), with the sum over this step and all earlier ones, computed by hand?"""
    loss = Quadratic(np.diag(h))
    run = adagrad(loss, np.ones(len(h)), lr, steps)
    total = np.zeros(len(h))
    for k in range(steps):
        total += run.grad[k] ** 2
        assert np.allclose(run.w[k + 1], run.w[k] - lr * run.grad[k] / (np.sqrt(total) + 1e-8))


@given(lr=rates, rho=st.floats(0.0, 0.999), scale=scales)
def test_rmsprop_first_step_is_lr_over_root_of_one_minus_rho(lr, rho, scale):
    """Without bias correction, is RMSProp's first step lr/√(1 − ρ) in every coordinate, whatever the gradient's size?"""
    run = rmsprop(Quadratic(np.diag([scale, 1.0])), [1.0, 1.0], lr, 1, rho=rho)
    assert np.allclose(run.w[0] - run.w[1], lr / np.sqrt(1 - rho), rtol=1e-6)


@given(lr=rates, beta1=st.floats(0.0, 0.99), beta2=st.floats(0.5, 0.9999), scale=scales)
def test_adam_first_step_with_and_without_bias_correction(lr, beta1, beta2, scale):
    """Is Adam's first step lr·sign(g) with the correction and lr·(1 − β₁)/√(1 − β₂) without, whatever the gradient's size?"""
    loss, w0 = Quadratic(np.diag([scale, 1.0])), np.array([1.0, -1.0])
    corrected = adam(loss, w0, lr, 1, beta1=beta1, beta2=beta2)
    plain = adam(loss, w0, lr, 1, beta1=beta1, beta2=beta2, bias_correction=False)
    assert np.allclose(corrected.w[1] - w0, -lr * np.sign(loss.grad(w0)), rtol=1e-6)
    assert np.allclose(np.abs(plain.w[1] - w0), lr * (1 - beta1) / np.sqrt(1 - beta2), rtol=1e-4)  # ε/√v ≤ 1e-5


def test_adam_default_first_step_without_correction_is_about_3_16_lr():
    assert adam(RAVINE, [2.0, 1.0], 1.0, 1, bias_correction=False).w[1] == pytest.approx([2 - 0.1 / np.sqrt(0.001), 1 - 0.1 / np.sqrt(0.001)])
    assert 0.1 / np.sqrt(0.001) == pytest.approx(3.1623, abs=1e-4)


@given(c=st.floats(0.01, 100.0), lr=st.floats(1e-3, 0.1))
def test_adam_ignores_the_scale_of_a_coordinate_and_gradient_descent_does_not(c, lr):
    """On ½(x² + c·y²), is Adam's path that of the round bowl ½(x² + y²) (up to ε), and gradient descent's not?"""
    bowl, scaled = Quadratic(np.eye(2)), Quadratic(np.diag([1.0, c]))
    assert np.allclose(adam(bowl, [1.0, 1.0], lr, 50).w, adam(scaled, [1.0, 1.0], lr, 50).w, atol=1e-5)
    if abs(c - 1) > 0.1:
        assert not np.allclose(gradient_descent(bowl, [1.0, 1.0], lr, 50).w, gradient_descent(scaled, [1.0, 1.0], lr, 50).w,
                               atol=1e-5)


def test_backtracking_on_x_squared_from_2_rejects_1_and_lands_on_0():
    run = backtracking(parabola(1.0), 2.0, 1.0, 2)
    assert run.lr[0] == 0.5 and run.w[1] == 0.0


@given(h=st.lists(st.floats(0.1, 100.0), min_size=1, max_size=4), lr0=st.floats(0.1, 5.0), shrink=st.floats(0.1, 0.9),
       c=st.floats(1e-4, 0.5))
def test_armijo_rate_is_the_first_rate_with_sufficient_decrease(h, lr0, shrink, c):
    """Does the accepted rate satisfy Armijo's condition while the rate before it (rate/shrink) did not?"""
    loss = Quadratic(np.diag(h))
    w = np.ones(len(h)) if len(h) > 1 else 1.0
    g = loss.grad(w)
    rate = armijo_rate(loss, w, g, lr0, shrink, c)
    decrease = lambda r: float(loss.value(w - r * g)) <= float(loss.value(w)) - c * r * float(np.sum(g * g))  # noqa: E731
    assert decrease(rate)
    assert rate == lr0 or not decrease(rate / shrink)


@given(h=st.floats(1e-3, 1e3), w0=st.floats(-100, 100).filter(lambda x: abs(x) > 1e-3))
def test_polyak_on_a_parabola_uses_one_over_2h_and_halves_the_error(h, w0):
    run = polyak(Quadratic(h), w0, 0.0, 6)
    assert np.allclose(run.lr, 1 / (2 * h))
    assert np.allclose(run.w[1:], run.w[:-1] / 2)


def test_polyak_rests_at_the_minimum():
    assert polyak(Quadratic(2.0), 0.0, 0.0, 3).lr.tolist() == [0.0, 0.0, 0.0]


@given(lr=rates, warmup=st.integers(1, 50), t=st.integers(0, 200))
def test_linear_warmup_climbs_to_lr_in_warmup_steps(lr, warmup, t):
    assert linear_warmup(lr, warmup)(t) == pytest.approx(lr * min((t + 1) / warmup, 1.0))


def test_warmup_rescues_heavy_ball_on_the_quartic_bowl():
    """The notebook's example: heavy ball (β = 0.9, lr = 0.5) from w = 3 diverges at step 6, and converges with a 10-step warm-up."""
    bowl = QuarticBowl()
    assert float(bowl.hessian(3.0)[0, 0]) == 28.0 and float(bowl.hessian(0.0)[0, 0]) == 1.0
    assert momentum(bowl, 3.0, 0.5, 300, beta=0.9).stopped_at == 6
    assert momentum(bowl, 3.0, linear_warmup(0.5, 10), 300, beta=0.9).loss[-1] < 1e-13


def test_rotated_ravine_keeps_its_curvatures():
    assert np.allclose(rotated_ravine(100.0, 30.0).curvatures, [1.0, 100.0])


def test_the_turned_ravine_table_of_the_notebook():
    """The best of 25 rates (0.003 to 3) per method and ravine: the rates and step counts the notebook prints."""
    w0 = np.array([2.0, 1.0])
    cases = ((RAVINE, w0), (rotated_ravine(100.0, 45.0), rotation(45.0) @ w0))
    grid = np.geomspace(0.003, 3, 25)
    found = {}
    for name, method in (("AdaGrad", adagrad), ("RMSProp", rmsprop), ("Adam", adam)):
        for which, (loss, start) in zip(("aligned", "turned"), cases):
            best = (10**9, float("inf"))
            for lr in grid[::-1]:  # each run only as long as the best so far: the same first step below the tolerance
                best = min(best, (steps_to_shrink(method(loss, start, lr, min(3000, best[0]))) or 10**9, lr))
            found[name, which] = best
    assert found["AdaGrad", "aligned"][0] == 13 and found["AdaGrad", "turned"] == (1009, pytest.approx(1.265, abs=1e-3))
    assert found["RMSProp", "aligned"] == (15, pytest.approx(0.3)) and found["RMSProp", "turned"][0] == 10**9
    assert found["Adam", "aligned"] == (223, pytest.approx(0.03)) and found["Adam", "turned"] == (232, pytest.approx(1.687, abs=1e-3))
    for loss, start in cases:
        assert steps_to_shrink(gradient_descent(loss, start, 2 / 101, 3000)) == 691
        assert steps_to_shrink(newton(loss, start, 1.0, 3)) == 1


def test_race_runs_four_optimisers_and_replays_the_noise():
    noisy = NoisyGradient(RAVINE, sigma=1.0, seed=0)
    runs = race(noisy, [2.0, 1.0], 0.01, 20)
    assert list(runs) == ["gradient descent", "momentum", "RMSProp", "Adam"]
    again = race(noisy, [2.0, 1.0], 0.01, 20)
    assert all(np.array_equal(runs[k].w, again[k].w) for k in runs)
    assert np.allclose(race(RAVINE, [2.0, 1.0], 0.01, 10, warmup=5)["gradient descent"].lr[:5], 0.01 * np.arange(1, 6) / 5)


@pytest.mark.parametrize("call, argument", [
    (lambda: adagrad(RAVINE, [1.0, 1.0], 0.1, 5, eps=0), "eps"),
    (lambda: rmsprop(RAVINE, [1.0, 1.0], 0.1, 5, rho=1.0), "rho"),
    (lambda: adam(RAVINE, [1.0, 1.0], 0.1, 5, beta1=-0.1), "beta1"),
    (lambda: adam(RAVINE, [1.0, 1.0], 0.1, 5, beta2=1.5), "beta2"),
    (lambda: adam(RAVINE, [1.0, 1.0], 0.1, 5, bias_correction="yes"), "bias_correction"),
    (lambda: backtracking(RAVINE, [1.0, 1.0], 0, 5), "lr0"),
    (lambda: backtracking(RAVINE, [1.0, 1.0], 1.0, 5, shrink=1.0), "shrink"),
    (lambda: backtracking(RAVINE, [1.0, 1.0], 1.0, 5, c=2.0), "c"),
    (lambda: polyak(RAVINE, [1.0, 1.0], float("nan"), 5), "f_star"),
    (lambda: linear_warmup(0.1, -1), "warmup"),
    (lambda: QuarticBowl(-1.0), "a"),
    (lambda: rotated_ravine(kappa=0), "kappa"),
])
def test_bad_arguments_raise_naming_the_argument(call, argument):
    with pytest.raises((TypeError, ValueError), match=argument):
        call()
