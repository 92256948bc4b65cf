"""Tests for the package parts of 08-stochastic: the regression generator, least squares, mini-batch sampling and SGD."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.datasets import make_regression
from gdlab.losses import LeastSquares, MiniBatchGradient
from gdlab.optim import gradient_descent
from gdlab.sampling import MiniBatchSampler, minibatches
from gdlab.schedules import inverse_time


def problem(n=60, dim=3, noise=0.5, seed=0):
    """A seeded least-squares problem and its data."""
    X, y, w_true = make_regression(n, dim, noise, seed)
    return LeastSquares(X, y), X, y, w_true


# --- the synthetic regression ------------------------------------------------------------------

def test_make_regression_is_reproducible_from_its_seed():
    """Does the same seed give the same data, and another seed other data?"""
    a, b, c = make_regression(50, 4, 0.3, seed=7), make_regression(50, 4, 0.3, seed=7), make_regression(50, 4, 0.3, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (50, 4) and a.y.shape == (50,) and a.w_true.shape == (4,)


def test_make_regression_adds_noise_of_the_asked_size_to_a_linear_model():
    """Is y − X·w_true exactly 0 without noise, and of standard deviation `noise` with it?"""
    clean = make_regression(500, 3, 0.0, seed=1)
    assert np.allclose(clean.y, clean.X @ clean.w_true, atol=1e-12)
    noisy = make_regression(20_000, 3, 0.7, seed=1)
    assert np.std(noisy.y - noisy.X @ noisy.w_true) == pytest.approx(0.7, rel=0.03)


def test_make_regression_scales_features():
    """Do `scales` multiply each feature's spread?"""
    data = make_regression(20_000, 2, 0.1, seed=3, scales=[1.0, 10.0])
    assert data.X.std(axis=0) == pytest.approx([1.0, 10.0], rel=0.03)


# --- least squares against its closed forms ----------------------------------------------------

@settings(max_examples=30)
@given(seed=st.integers(0, 10_000), dim=st.integers(1, 5))
def test_least_squares_value_gradient_and_hessian_are_the_closed_forms(seed, dim):
    """Are L = ‖Xw − y‖²/(2N), ∇L = Xᵀ(Xw − y)/N and H = XᵀX/N, with the gradient matching finite differences?"""
    loss, X, y, _ = problem(40, dim, 0.5, seed)
    rng = np.random.default_rng(seed)
    w = rng.normal(size=dim)
    point = w if dim > 1 else w[0]
    r = X @ w - y
    assert float(loss.value(point)) == pytest.approx(r @ r / (2 * 40), rel=1e-12)
    assert np.allclose(np.atleast_1d(loss.grad(point)), X.T @ r / 40, rtol=1e-12, atol=1e-12)
    assert np.allclose(loss.hessian(np.zeros(loss.dim)), X.T @ X / 40)
    h = 1e-6
    numeric = [(loss.value(w + h * e if dim > 1 else w[0] + h) - loss.value(w - h * e if dim > 1 else w[0] - h)) / (2 * h)
               for e in np.eye(dim)]
    assert np.allclose(np.atleast_1d(loss.grad(point)), numeric, rtol=1e-6, atol=1e-6)


def test_least_squares_minimum_solves_the_normal_equations():
    """Is the minimum the solution of XᵀX·w = Xᵀy, where the gradient vanishes?"""
    loss, X, y, w_true = problem(200, 4, 0.2, 5)
    assert np.allclose(loss.minimum, np.linalg.solve(X.T @ X, X.T @ y))
    assert np.allclose(loss.grad(loss.minimum), 0, atol=1e-12)
    assert np.allclose(loss.minimum, w_true, atol=0.1)


def test_least_squares_works_on_many_points_at_once():
    """Do value and grad on points of shape (..., D) give one value and one gradient per point?"""
    loss, *_ = problem(30, 3)
    points = np.random.default_rng(0).normal(size=(4, 5, 3))
    assert loss.value(points).shape == (4, 5)
    assert loss.grad(points).shape == (4, 5, 3)
    assert np.allclose(loss.grad(points)[2, 3], loss.grad(points[2, 3]))
    one, X, y, _ = problem(30, 1)
    ws = np.linspace(-2, 2, 7)
    assert np.allclose(one.value(ws), [np.mean((X[:, 0] * w - y) ** 2) / 2 for w in ws])


# --- mini-batch gradients: unbiased, and a variance that falls like 1/B ------------------------

def test_the_full_gradient_is_the_mean_of_the_example_gradients():
    """Is ∇L the mean of the per-example gradients, and the batch gradient over every example the full gradient?"""
    loss, *_ = problem(50, 3)
    w = np.array([0.3, -1.0, 2.0])
    assert np.allclose(loss.example_grads(w).mean(axis=0), loss.grad(w))
    assert np.allclose(loss.batch_grad(w, np.arange(50)), loss.grad(w))
    assert np.allclose(loss.batch_grad(w, np.array([7])), loss.example_grads(w)[7])


@pytest.mark.parametrize("B", range(1, 9))
def test_over_all_batches_of_size_b_the_mean_is_the_full_gradient_and_the_variance_the_formula(B):
    """Enumerating every batch of B of N = 8 examples: is the mean exactly ∇L and E‖ĝ − ∇L‖² exactly tr(S)/B·(N−B)/(N−1)?"""
    loss, *_ = problem(8, 2, 1.0, seed=B)
    w = np.array([0.5, -0.5])
    full = loss.grad(w)
    grads = np.array([loss.batch_grad(w, np.array(c)) for c in itertools.combinations(range(8), B)])
    assert np.allclose(grads.mean(axis=0), full, rtol=1e-12, atol=1e-12)
    measured = np.mean(np.sum((grads - full) ** 2, axis=1))
    g = loss.example_grads(w)
    spread = np.mean(np.sum((g - full) ** 2, axis=1))
    assert measured == pytest.approx(spread / B * (8 - B) / (8 - 1), rel=1e-10, abs=1e-20)
    assert loss.minibatch_variance(w, B) == pytest.approx(measured, rel=1e-10, abs=1e-20)


@given(seed=st.integers(0, 10_000), B=st.sampled_from([1, 2, 3, 4, 6, 12]))
def test_the_batches_of_one_epoch_average_to_the_full_gradient_exactly(seed, B):
    """When B divides N, does the mean of one epoch's batch gradients equal the full gradient (to rounding)?"""
    loss, *_ = problem(24, 3, 0.5, seed)
    w = np.random.default_rng(seed).normal(size=3)
    batches = MiniBatchSampler(24, B, seed=seed).epoch()
    assert np.allclose(np.mean([loss.batch_grad(w, b) for b in batches], axis=0), loss.grad(w), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("B", [1, 4, 16, 64, 128, 200])
def test_sampled_minibatch_variance_matches_the_finite_population_formula(B):
    """Over many seeded epochs, is the measured E‖ĝ_B − ∇L‖² within 6% of tr(S)/B·(N−B)/(N−1) (N = 256)?"""
    loss, *_ = problem(256, 4, 1.0, seed=11)
    w = np.zeros(4)
    full = loss.grad(w)
    sampler = MiniBatchSampler(256, B, seed=B, drop_last=True)
    grads = np.array([loss.batch_grad(w, sampler.next_batch()) for _ in range(max(4000, 256 // B * 40))])
    measured = np.mean(np.sum((grads - full) ** 2, axis=1))
    assert measured == pytest.approx(loss.minibatch_variance(w, B), rel=0.06)


def test_variance_times_batch_size_is_constant_when_batches_are_small_next_to_n():
    """Is B·Var(ĝ_B) the same for B = 1..10 up to the correction (N−B)/(N−1), i.e. does the variance fall like 1/B?"""
    loss, *_ = problem(10_000, 3, 1.0, seed=2)
    w = np.ones(3)
    products = np.array([B * loss.minibatch_variance(w, B) for B in range(1, 11)])
    assert np.allclose(products, products[0], rtol=1e-3)
    assert loss.minibatch_variance(w, 10_000) == 0.0


def test_sampling_with_replacement_drops_the_correction():
    """Drawing with replacement, is the variance tr(S)/B without the factor (N−B)/(N−1), within 5%?"""
    loss, *_ = problem(20, 2, 1.0, seed=4)
    w = np.zeros(2)
    rng = np.random.default_rng(0)
    full = loss.grad(w)
    grads = np.array([loss.batch_grad(w, rng.integers(0, 20, 10)) for _ in range(20_000)])
    measured = np.mean(np.sum((grads - full) ** 2, axis=1))
    assert measured == pytest.approx(loss.minibatch_variance(w, 10, replace=True), rel=0.05)
    assert loss.minibatch_variance(w, 10) == pytest.approx(loss.minibatch_variance(w, 10, replace=True) * 10 / 19)


# --- the sampler -------------------------------------------------------------------------------

@settings(max_examples=60)
@given(n=st.integers(1, 300), B=st.integers(1, 300), seed=st.integers(0, 2**32 - 1), epochs=st.integers(1, 4))
def test_every_example_appears_exactly_once_per_epoch(n, B, seed, epochs):
    """In every epoch, do the batches cover 0..n-1 exactly once, in batches of B (the last one possibly smaller)?"""
    B = min(B, n)
    sampler = MiniBatchSampler(n, B, seed=seed)
    for _ in range(epochs):
        batches = sampler.epoch()
        assert len(batches) == sampler.batches_per_epoch == -(-n // B)
        assert all(len(b) == B for b in batches[:-1]) and 1 <= len(batches[-1]) <= B
        assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))


def test_drop_last_keeps_only_full_batches():
    """With drop_last, are there ⌊n/B⌋ full batches of distinct examples?"""
    batches = MiniBatchSampler(10, 4, seed=0, drop_last=True).epoch()
    assert [len(b) for b in batches] == [4, 4]
    assert len(set(np.concatenate(batches))) == 8


def test_the_sampler_is_reproducible_from_its_seed_and_reshuffles_every_epoch():
    """Same seed, same batches; another seed, other batches; and is each epoch a new order?"""
    first = minibatches(50, 5, epochs=3, seed=42)
    again = minibatches(50, 5, epochs=3, seed=42)
    other = minibatches(50, 5, epochs=3, seed=43)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    epoch1, epoch2 = np.concatenate(first[:10]), np.concatenate(first[10:20])
    assert not np.array_equal(epoch1, epoch2)
    assert not np.array_equal(epoch1, np.arange(50))


def test_next_batch_walks_through_the_epochs_in_order():
    """Does next_batch hand out the same batches as epoch() after epoch(), and reset() start over?"""
    sampler = MiniBatchSampler(12, 5, seed=9)
    walked = [sampler.next_batch() for _ in range(9)]
    expected = minibatches(12, 5, epochs=3, seed=9)
    assert all(np.array_equal(a, b) for a, b in zip(walked, expected))
    assert sampler.epochs_started == 3
    sampler.reset()
    assert np.array_equal(sampler.next_batch(), expected[0])


@pytest.mark.parametrize("make, argument", [
    (lambda: MiniBatchSampler(0, 1), "n"), (lambda: MiniBatchSampler(10, 0), "batch_size"),
    (lambda: MiniBatchSampler(10, 11), "batch_size"), (lambda: MiniBatchSampler(10, 2, seed=-1), "seed"),
    (lambda: MiniBatchSampler(10, 2, seed=1.5), "seed"), (lambda: make_regression(0), "n"),
    (lambda: LeastSquares(np.ones((3, 2)), np.ones(4)), "y"), (lambda: problem()[0].batch_grad(np.zeros(3), []), "idx"),
    (lambda: problem()[0].batch_grad(np.zeros(3), np.array([60])), "idx"),
])
def test_bad_sampling_arguments_raise_naming_the_argument(make, argument):
    """Does a bad size, seed, data shape or batch fail with an error that names it?"""
    with pytest.raises((TypeError, ValueError), match=argument):
        make()


# --- SGD through the run loop ------------------------------------------------------------------

def test_sgd_with_the_whole_data_set_as_one_batch_is_gradient_descent():
    """With batch_size = N, is mini-batch SGD exactly full-batch gradient descent?"""
    loss, *_ = problem(40, 3)
    sgd = gradient_descent(MiniBatchGradient(loss, 40, seed=1), np.zeros(3), 0.1, 30)
    gd = gradient_descent(loss, np.zeros(3), 0.1, 30)
    assert np.allclose(sgd.w, gd.w, rtol=1e-12, atol=1e-12)


def test_sgd_uses_one_batch_per_gradient_and_replays_from_its_seed():
    """Does every gradient use up one batch (counted in examples_seen), and reset() replay the same run?"""
    loss, *_ = problem(40, 3)
    stochastic = MiniBatchGradient(loss, 8, seed=3)
    run = gradient_descent(stochastic, np.zeros(3), 0.1, 25)
    assert stochastic.examples_seen == 8 * 26        # one batch per step, plus the gradient recorded at the end
    stochastic.reset()
    again = gradient_descent(stochastic, np.zeros(3), 0.1, 25)
    assert np.array_equal(run.w, again.w)
    assert float(stochastic.value(run.w[-1])) == float(loss.value(run.w[-1]))


def test_sgd_with_a_constant_rate_stalls_above_the_minimum_and_decay_goes_lower():
    """With single-example gradients, does a constant rate stall at a floor while 1/t decay from the same start ends far lower?"""
    loss, *_ = problem(500, 5, 1.0, seed=8)
    low = loss.minimum_value
    const = gradient_descent(MiniBatchGradient(loss, 1, seed=0), np.zeros(5), 0.05, 5000)
    decay = gradient_descent(MiniBatchGradient(loss, 1, seed=0), np.zeros(5), inverse_time(0.05, 0.01), 5000)
    floor = np.mean(const.loss[2000:] - low)
    assert floor > 5 * (decay.loss[-1] - low)
    assert floor > 1e-3


def test_the_minibatch_explorer_renders_headless(monkeypatch):
    """Does the mini-batch explorer draw a still picture at every batch size, with the measured variance near the formula?"""

    from gdlab.widgets import MiniBatchExplorer

    monkeypatch.setenv("GDLAB_HEADLESS", "1")
    loss, *_ = problem(200, 3, 0.5, seed=1)
    explorer = MiniBatchExplorer(loss, np.zeros(3), lr=0.05, epochs=3, batch_size=10)
    assert explorer.image.value[:4] == b"\x89PNG"
    assert explorer.sizes == [1, 2, 5, 10, 20, 50, 100, 200]
    for B in explorer.sizes:  # redraw times: tests/benchmarks/widget_redraw.py
        explorer.update(B)
        assert not explorer.run.diverged and explorer.run.steps == 3 * 200 // B


def test_the_minibatch_slider_reruns_sgd_and_redraws_the_cloud():
    """Does moving the batch-size slider rerun SGD with that batch size and shrink the drawn cloud of gradients?"""
    from gdlab.widgets import MiniBatchExplorer

    loss, *_ = problem(100, 3, 0.5, seed=2)
    explorer = MiniBatchExplorer(loss, np.zeros(3), lr=0.05, epochs=2, batch_size=1)
    spread_one = np.std(explorer.cloud.get_xdata())
    explorer.slider.value = 20
    assert explorer.run.steps == 2 * 100 // 20
    assert np.std(explorer.cloud.get_xdata()) < spread_one / 3
    explorer.slider.value = 100
    assert np.allclose(explorer.cloud.get_xdata(), explorer.full[0])
