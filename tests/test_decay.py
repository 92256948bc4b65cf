"""Tests for the package parts of 04-decay: the schedules, reduce-on-plateau, noisy gradients and the noise floor."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdlab.losses import NoisyGradient, Quadratic, parabola
from gdlab.optim import gradient_descent
from gdlab.widgets import SchedulePicker
from gdlab.schedules import (ReduceOnPlateau, constant, cosine_with_warmup, exponential, inverse_sqrt,
                             inverse_time, reduce_on_plateau_rates, step_decay)

rates_ = st.floats(1e-4, 10.0)
steps_ = st.integers(0, 10_000)


# --- each schedule against its formula ---------------------------------------------------------

@given(lr0=rates_, drop=st.floats(0.01, 1.0), every=st.integers(1, 100), t=steps_)
def test_step_decay_is_lr0_times_drop_to_the_number_of_completed_blocks(lr0, drop, every, t):
    """Is step_decay(lr0, drop, every)(t) = lr0·drop^⌊t/every⌋?"""
    assert step_decay(lr0, drop, every)(t) == pytest.approx(lr0 * drop ** (t // every), rel=1e-12, abs=1e-300)


def test_step_decay_halves_every_five_steps_and_not_before():
    """Does 'halve every 5 steps' keep lr0 for t = 0..4 and drop exactly at t = 5, 10, 15?"""
    schedule = step_decay(0.1, 0.5, 5)
    got = schedule(np.arange(16))
    assert np.allclose(got, [0.1] * 5 + [0.05] * 5 + [0.025] * 5 + [0.0125])


@given(lr0=rates_, gamma=st.floats(0.01, 1.0), t=st.integers(0, 2000))
def test_exponential_is_lr0_times_gamma_to_the_t(lr0, gamma, t):
    """Is exponential(lr0, γ)(t) = lr0·γ^t, so that consecutive rates have ratio γ?"""
    schedule = exponential(lr0, gamma)
    assert schedule(t) == pytest.approx(lr0 * gamma ** t, rel=1e-12, abs=1e-300)
    if schedule(t) > 1e-250:
        assert schedule(t + 1) / schedule(t) == pytest.approx(gamma, rel=1e-12)


@given(lr0=rates_, k=st.floats(1e-3, 10.0), t=steps_)
def test_inverse_sqrt_is_lr0_over_root_of_one_plus_kt(lr0, k, t):
    """Is inverse_sqrt(lr0, k)(t) = lr0/√(1 + k·t), with lr0/√(1+t) by default?"""
    assert inverse_sqrt(lr0, k)(t) == pytest.approx(lr0 / math.sqrt(1 + k * t), rel=1e-12)
    assert inverse_sqrt(lr0)(t) == pytest.approx(lr0 / math.sqrt(1 + t), rel=1e-12)


@given(lr0=rates_, k=st.floats(1e-3, 10.0), t=steps_)
def test_inverse_time_is_lr0_over_one_plus_kt(lr0, k, t):
    """Is inverse_time(lr0, k)(t) = lr0/(1 + k·t), with lr0/(1+t) by default?"""
    assert inverse_time(lr0, k)(t) == pytest.approx(lr0 / (1 + k * t), rel=1e-12)
    assert inverse_time(lr0)(t) == pytest.approx(lr0 / (1 + t), rel=1e-12)


def test_the_textbook_values():
    """Do the schedules give the numbers a student can check by hand?"""
    assert exponential(1.0, 0.5)(3) == 0.125
    assert inverse_sqrt(1.0)(3) == 0.5
    assert inverse_time(1.0)(9) == pytest.approx(0.1)
    assert inverse_time(0.5, 0.5)(2) == pytest.approx(0.25)
    assert step_decay(0.1, 0.5, 5)(12) == pytest.approx(0.025)
    assert constant(0.3)(1234) == 0.3


@given(lr_max=rates_, warmup=st.integers(0, 50), extra=st.integers(1, 500), ratio=st.floats(0.0, 1.0))
def test_cosine_with_warmup_climbs_linearly_then_follows_half_a_cosine(lr_max, warmup, extra, ratio):
    """Does the cosine schedule rise as lr_max·(t+1)/warmup, reach lr_max, and fall as a half cosine to lr_min at t = total?"""
    total = warmup + extra
    lr_min = ratio * lr_max
    schedule = cosine_with_warmup(lr_max, warmup, total, lr_min)
    t = np.arange(warmup)
    assert np.allclose(schedule(t), lr_max * (t + 1) / max(warmup, 1), rtol=1e-12)
    assert schedule(warmup) == pytest.approx(lr_max, rel=1e-12)
    assert schedule(total) == pytest.approx(lr_min, rel=1e-12, abs=1e-15)
    assert schedule(total + 7) == pytest.approx(lr_min, rel=1e-12, abs=1e-15)
    if extra % 2 == 0:
        assert schedule(warmup + extra // 2) == pytest.approx((lr_max + lr_min) / 2, rel=1e-12)
    after = schedule(np.arange(warmup, total + 1))
    assert np.all(np.diff(after) <= 1e-12 * lr_max)


@pytest.mark.parametrize("schedule", [step_decay(0.3, 0.7, 4), exponential(0.3, 0.97), inverse_sqrt(0.3, 2.0),
                                      inverse_time(0.3, 0.1), cosine_with_warmup(0.3, 5, 40, 0.01)])
def test_a_schedule_on_an_array_of_steps_equals_one_call_per_step(schedule):
    """Does a schedule called on an array of steps give, entry by entry, the rate of each step (and a float for one step)?"""
    t = np.arange(60)
    assert np.allclose(schedule(t), [schedule(int(k)) for k in t], rtol=1e-14)
    assert isinstance(schedule(3), float)


@pytest.mark.parametrize("schedule", [step_decay(0.3, 0.7, 4), exponential(0.3, 0.97), inverse_sqrt(0.3),
                                      inverse_time(0.3, 0.1), cosine_with_warmup(0.3, 5, 40)])
def test_gradient_descent_uses_the_schedule_rate_at_every_step(schedule):
    """Does gradient descent with a schedule use rate schedule(t) at update t, and move by exactly that rate?"""
    loss = parabola(1.0, 2.0)
    run = gradient_descent(loss, 7.0, schedule, 30)
    assert np.allclose(run.lr, schedule(np.arange(30)), rtol=1e-14)
    assert np.allclose(run.w[1:], run.w[:-1] - run.lr * 2 * (run.w[:-1] - 2), rtol=1e-13)


@pytest.mark.parametrize("make, argument", [
    (lambda: step_decay(0.0, 0.5, 5), "lr0"), (lambda: step_decay(0.1, 1.5, 5), "drop"),
    (lambda: step_decay(0.1, 0.5, 0), "every"), (lambda: step_decay(0.1, 0.5, 2.5), "every"),
    (lambda: exponential(-1.0, 0.9), "lr0"), (lambda: exponential(0.1, 0.0), "gamma"),
    (lambda: inverse_sqrt(0.1, -1.0), "k"), (lambda: inverse_time("0.1"), "lr0"),
    (lambda: cosine_with_warmup(0.1, 10, 10), "total"), (lambda: cosine_with_warmup(0.1, 1, 10, 0.5), "lr_min"),
    (lambda: ReduceOnPlateau(0.1, factor=1.0), "factor"), (lambda: ReduceOnPlateau(0.1, patience=-1), "patience"),
    (lambda: step_decay(0.1)(-1), "t"),
])
def test_bad_schedule_arguments_raise_naming_the_argument(make, argument):
    """Does a bad schedule parameter (or a negative step) fail with an error that names it?"""
    with pytest.raises((TypeError, ValueError), match=argument):
        make()


@given(lr0=rates_, every=st.integers(1, 50), T=st.integers(1, 300), h=st.floats(0.01, 1.0))
def test_on_a_clean_quadratic_any_decay_below_lr0_only_slows_convergence(lr0, every, T, h):
    """Without noise, with lr0 ≤ 1/h, does a schedule that never exceeds lr0 leave a larger error than the constant lr0?"""
    lr0 = min(lr0, 1.0 / h)
    constant_factor = (1 - lr0 * h) ** T
    rates = step_decay(lr0, 0.5, every)(np.arange(T))
    decayed_factor = np.prod(1 - rates * h)
    assert decayed_factor >= constant_factor * (1 - 1e-12)


# --- reduce on plateau -------------------------------------------------------------------------

def test_plateau_cuts_after_patience_losses_without_a_new_best():
    """With patience 2, does the third loss in a row above the best cut the rate, and an improvement reset the count?"""
    losses = [5.0, 4.0, 4.5, 4.2, 4.1, 3.9, 4.0, 4.0, 3.95, 3.99, 3.0]
    # bad steps:  -    -    1    2    3→cut -    1    2    3→cut 1   -
    expected = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert np.allclose(reduce_on_plateau_rates(losses, 1.0, factor=0.5, patience=2), expected)


@given(lr0=rates_, factor=st.floats(0.05, 0.95), patience=st.integers(0, 20), n=st.integers(1, 200))
def test_on_a_flat_loss_the_plateau_rate_is_lr0_times_factor_every_patience_plus_one_steps(lr0, factor, patience, n):
    """On a loss that never improves after the first step, is the rate lr0·factor^⌊t/(patience+1)⌋?"""
    got = reduce_on_plateau_rates(np.full(n, 3.0), lr0, factor=factor, patience=patience)
    t = np.arange(n)
    assert np.allclose(got, lr0 * factor ** (t // (patience + 1)), rtol=1e-12)


def test_the_picker_says_when_reduce_on_plateau_really_cuts():
    """Does the schedule picker's caption count the patience + 1 steps after which the rate halves, as the rule does?"""
    from gdlab.schedules import make_schedule

    plateau, caption = make_schedule("reduce on plateau", 0.5, 10, 200)
    assert "halves once 11 steps in a row bring no new best loss" in caption
    rates = [plateau.observe(3.0) for _ in range(13)]  # a flat loss: the first is a new best, then 11 bad steps cut
    assert rates[10] == 0.5 and rates[11] == 0.25


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=100), patience=st.integers(0, 5))
def test_plateau_never_cuts_while_every_loss_is_a_new_best(values, patience):
    """On a strictly decreasing loss, does reduce-on-plateau keep lr0?"""
    losses = np.sort(np.unique(values))[::-1]
    assert np.all(reduce_on_plateau_rates(losses, 0.3, patience=patience) == 0.3)


def test_plateau_never_goes_below_min_lr():
    """Does min_lr put a floor under the cuts?"""
    got = reduce_on_plateau_rates(np.ones(100), 1.0, factor=0.1, patience=0, min_lr=1e-3)
    assert got.min() == pytest.approx(1e-3) and np.all(got >= 1e-3)


def test_plateau_with_gradient_descent_sees_each_loss_before_its_rate():
    """Run on a watched loss, is each rate the one reduce-on-plateau picks after the losses up to that step?"""
    loss = NoisyGradient(Quadratic(np.eye(20), np.zeros(20)), sigma=1.0, seed=3)
    plateau = ReduceOnPlateau(0.5, factor=0.5, patience=4)
    run = gradient_descent(plateau.watch(loss), np.full(20, 5.0), plateau, 150)
    assert np.allclose(run.lr, reduce_on_plateau_rates(run.loss[:-1], 0.5, factor=0.5, patience=4))
    assert run.lr[-1] < 0.5, "on a noise floor the loss stops improving: the rate should have been cut"
    loss.reset()
    again = gradient_descent(plateau.watch(loss), np.full(20, 5.0), plateau, 150)
    assert np.array_equal(again.lr, run.lr) and np.array_equal(again.loss, run.loss)


def test_plateau_without_losses_says_how_to_feed_it():
    """Used as a plain schedule (no watched loss), or on a watched loss reused for a second run, does it fail with advice?"""
    plateau = ReduceOnPlateau(0.1)
    with pytest.raises(ValueError, match="watch"):
        gradient_descent(parabola(), 1.0, plateau, 5)
    watched = plateau.watch(parabola())
    gradient_descent(watched, 1.0, plateau, 5)
    with pytest.raises(ValueError, match="fresh watch"):
        gradient_descent(watched, 1.0, plateau, 5)


# --- noisy gradients and the noise floor -------------------------------------------------------

def test_noisy_gradient_is_the_exact_gradient_plus_seeded_gaussian_noise():
    """Is the value exact, the noise mean 0 with standard deviation σ, and the noise the same for the same seed?"""
    quad = Quadratic(np.diag([1.0, 3.0]), np.array([1.0, -1.0]))
    noisy = NoisyGradient(quad, sigma=0.7, seed=11)
    w = np.array([2.0, 0.5])
    assert noisy.value(w) == quad.value(w)
    draws = np.array([noisy.grad(w) for _ in range(40_000)]) - quad.grad(w)
    assert np.allclose(draws.mean(axis=0), 0.0, atol=4 * 0.7 / np.sqrt(40_000))
    assert np.allclose(draws.std(axis=0), 0.7, rtol=0.02)
    first = NoisyGradient(quad, 0.7, seed=11).grad(w)
    assert np.array_equal(first, quad.grad(w) + draws[0])
    noisy.reset()
    assert np.array_equal(noisy.grad(w), first)
    assert not np.array_equal(NoisyGradient(quad, 0.7, seed=12).grad(w), first)


def test_zero_noise_is_plain_gradient_descent():
    """With σ = 0, is a run on the noisy loss identical to a run on the clean one?"""
    quad = Quadratic(np.diag([0.5, 2.0]), np.zeros(2))
    clean = gradient_descent(quad, [3.0, -1.0], 0.3, 40)
    noisy = gradient_descent(NoisyGradient(quad, 0.0, seed=0), [3.0, -1.0], 0.3, 40)
    assert np.array_equal(clean.w, noisy.w)


@pytest.mark.parametrize("lr", [0.02, 0.1, 0.4])
def test_constant_rate_settles_at_the_closed_form_noise_floor(lr):
    """On a quadratic with gradient noise σ², does a long constant-rate run average to Σᵢ lr·σ²/(2·(2 − lr·hᵢ)) within 3%?

    For L = h/2·w² the update w ← (1 − lr·h)·w − lr·ξ has stationary variance
    lr²σ²/(1 − (1 − lr·h)²) = lr·σ²/(h·(2 − lr·h)); E[L] is h/2 times that. The
    400 directions (curvatures 0.5..2.5) are 400 independent copies of that chain.
    """
    h = np.linspace(0.5, 2.5, 400)
    sigma = 0.8
    noisy = NoisyGradient(Quadratic(np.diag(h), np.zeros(h.size)), sigma=sigma, seed=2024)
    floor = float(np.sum(lr * sigma ** 2 / (2 * (2 - lr * h))))
    burn_in = int(10 / (lr * h.min()))
    run = gradient_descent(noisy, np.zeros(h.size), lr, burn_in + 3000)
    measured = run.loss[burn_in:].mean()
    assert measured == pytest.approx(floor, rel=0.03)
    assert noisy.noise_floor(lr) == pytest.approx(floor, rel=1e-12)


def test_the_noise_floor_scales_with_the_rate():
    """Is the floor proportional to lr when lr·h is small (halve the rate, halve the floor)?"""
    noisy = NoisyGradient(parabola(0.5), sigma=1.0, seed=0)          # h = 1
    floors = noisy.noise_floor(np.array([1e-3, 2e-3, 4e-3]))
    assert floors[1] / floors[0] == pytest.approx(2, rel=2e-3)
    assert floors[2] / floors[1] == pytest.approx(2, rel=2e-3)
    assert noisy.noise_floor(0.1) == pytest.approx(0.1 / (2 * 1.9))
    assert noisy.noise_floor(2.0) == math.inf


def test_expected_loss_matches_many_seeded_runs_of_a_decaying_schedule():
    """Does the exact E[L_t] recursion agree with the mean of 20 seeded runs under 1/t decay, to within 5% at every 20th step?

    One run of these 300 parameters scatters by about 8% around E[L]; the mean of 20 by under 2%.
    """
    h = np.repeat([0.3, 1.0, 2.0], 100)
    quad = Quadratic(np.diag(h), np.zeros(h.size))
    w0 = np.full(h.size, 4.0)
    schedule = inverse_time(0.8, 0.2)
    expected = NoisyGradient(quad, sigma=1.0).expected_loss(w0, schedule, 200)
    runs = [gradient_descent(NoisyGradient(quad, sigma=1.0, seed=seed), w0, schedule, 200).loss for seed in range(100, 120)]
    assert np.allclose(np.mean(runs, axis=0)[::20], expected[::20], rtol=0.05)


@given(lr=st.floats(0.01, 1.5), h=st.floats(0.1, 1.2), w0=st.floats(-10, 10), steps=st.integers(0, 60))
def test_expected_loss_without_noise_is_the_clean_closed_form(lr, h, w0, steps):
    """With σ = 0, is E[L_k] exactly h/2·((1 − lr·h)^k·w0)²?"""
    noisy = NoisyGradient(Quadratic(h), sigma=0.0)
    k = np.arange(steps + 1)
    assert np.allclose(noisy.expected_loss(w0, lr, steps), 0.5 * h * ((1 - lr * h) ** k * w0) ** 2, rtol=1e-9, atol=1e-300)


def test_expected_loss_of_a_constant_rate_tends_to_the_noise_floor():
    """Does E[L_t] for a constant rate converge to noise_floor(lr)?"""
    noisy = NoisyGradient(Quadratic(np.diag([0.5, 1.0, 1.5]), np.zeros(3)), sigma=2.0)
    assert noisy.expected_loss([3.0, 3.0, 3.0], 0.2, 2000)[-1] == pytest.approx(noisy.noise_floor(0.2), rel=1e-12)


def test_decay_beats_every_constant_rate_on_the_course_problem():
    """On 04-decay's noisy problem (100 parameters, σ = 1, w0 = 10, 200 steps), is every constant rate's E[L] above 0.5 while 1/t gets below?"""
    noisy = NoisyGradient(Quadratic(np.eye(100), np.zeros(100)), sigma=1.0, seed=0)
    w0 = np.full(100, 10.0)
    best_constant = min(noisy.expected_loss(w0, lr, 200)[-1] for lr in np.geomspace(1e-3, 1.9, 60))
    assert best_constant > 0.5 * 1.5
    assert noisy.expected_loss(w0, inverse_time(1.0, 1.0), 200)[-1] == pytest.approx(100 / (2 * 200))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_schedule_picker_renders_headless(monkeypatch, seed):
    """Does the schedule picker draw a still picture with its defaults for every schedule?"""

    from gdlab.widgets import SchedulePicker
    from gdlab.schedules import SCHEDULE_LABELS

    monkeypatch.setenv("GDLAB_HEADLESS", "1")
    noisy = NoisyGradient(Quadratic(np.eye(10), np.zeros(10)), 1.0, seed=seed)
    picker = SchedulePicker(noisy, np.full(10, 5.0), steps=100, target=0.5)
    assert picker.image.value[:4] == b"\x89PNG"
    for name in SCHEDULE_LABELS:  # redraw times: tests/benchmarks/widget_redraw.py
        picker.update(name, 0.3, 10)
        assert not picker.run.diverged
    assert os.environ["GDLAB_HEADLESS"] == "1"


def test_the_schedule_picker_controls_redraw_the_run():
    """Does changing the schedule, lr0 or decay steps rerun the schedule and change the drawn rates?"""
    noisy = NoisyGradient(Quadratic(np.eye(5), np.zeros(5)), 1.0, seed=0)
    picker = SchedulePicker(noisy, np.full(5, 5.0), steps=50, schedule="constant", lr0=0.2, decay=10)
    assert np.allclose(picker.rate_line.get_ydata(), 0.2)
    picker.picker.value = "exponential"
    assert np.allclose(picker.run.lr, 0.2 * 0.5 ** (np.arange(50) / 10))
    picker.decay_slider.value = 5
    assert np.allclose(picker.rate_line.get_ydata(), 0.2 * 0.5 ** (np.arange(50) / 5))
    picker.lr_slider.value = 0.1
    assert picker.run.lr[0] == pytest.approx(0.1, rel=1e-9)
    picker.picker.value = "reduce on plateau"
    assert np.allclose(picker.run.lr, reduce_on_plateau_rates(picker.run.loss[:-1], picker.run.lr[0], 0.5, 5))
