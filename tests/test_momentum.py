"""Tests for the package parts of 05-momentum: heavy ball and Nesterov, the (lr, β) convergence map, the demos."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from gdlab.analysis import distance, steps_to_tolerance
from gdlab.losses import Quadratic
from gdlab.optim import gradient_descent, momentum, run
from gdlab.plots import plot_convergence_map
from gdlab.rates import best_factor, best_rate
from gdlab.regions import (best_momentum, best_momentum_factor, convergence_map, heavy_ball_edge, momentum_factor,
                           momentum_matrix, run_map)
from gdlab.widgets import PathExplorer, RegionMapExplorer, momentum_explorer, region_map_explorer

curvature = st.floats(0.05, 50.0)
beta_values = st.floats(0.0, 0.99)


def ravine(kappa: float) -> Quadratic:
    """The loss 0.5·(x² + κ·y²)."""
    return Quadratic(np.diag([1.0, kappa]), [0.0, 0.0])


@settings(max_examples=100)
@given(h=curvature, ratio=st.floats(0.01, 1.9), e0=st.floats(-10, 10), k=st.integers(0, 40))
def test_momentum_with_beta_zero_is_gradient_descent(h, ratio, e0, k):
    """With β = 0, is heavy ball (and Nesterov) exactly plain gradient descent?"""
    loss = Quadratic(h, 0.5)
    plain = gradient_descent(loss, e0, ratio / h, k)
    assert np.array_equal(momentum(loss, e0, ratio / h, k, beta=0.0).w, plain.w)
    assert np.array_equal(momentum(loss, e0, ratio / h, k, beta=0.0, nesterov=True).w, plain.w)


@settings(max_examples=100)
@given(h=curvature, ratio=st.floats(0.01, 3.0), beta=beta_values, e0=st.floats(-10, 10).filter(lambda e: abs(e) > 1e-3))
def test_heavy_ball_follows_its_two_step_recurrence(h, ratio, beta, e0):
    """On curvature h, does heavy ball give e₁ = (1 - lr·h)·e₀ and e_{k+1} = (1 + β - lr·h)·e_k - β·e_{k-1}?"""
    lr, steps = ratio / h, 30
    traj = momentum(Quadratic(h, -1.0), -1.0 + e0, lr, steps, beta=beta)
    assume(not traj.diverged)
    e = [e0, (1 - lr * h) * e0]
    for _ in range(steps - 1):
        e.append((1 + beta - lr * h) * e[-1] - beta * e[-2])
    scale = max(1.0, float(np.max(np.abs(e))))
    assert np.allclose(traj.w + 1.0, e, rtol=1e-8, atol=1e-9 * scale)


@settings(max_examples=100)
@given(h=curvature, ratio=st.floats(0.01, 1.3), beta=beta_values, e0=st.floats(-10, 10))
def test_nesterov_takes_the_gradient_at_the_look_ahead_point(h, ratio, beta, e0):
    """Does Nesterov follow v ← β·v − lr·h·(w + β·v − c), w ← w + v on a one-parameter quadratic?"""
    lr, c, steps = ratio / h, 2.0, 25
    traj = momentum(Quadratic(h, c), c + e0, lr, steps, beta=beta, nesterov=True)
    w, v, ws = c + e0, 0.0, [c + e0]
    for _ in range(steps):
        v = beta * v - lr * h * (w + beta * v - c)
        w = w + v
        ws.append(w)
    assume(not traj.diverged)
    assert np.allclose(traj.w, ws, rtol=1e-9, atol=1e-9 * max(1.0, float(np.max(np.abs(ws)))))


@settings(max_examples=50)
@given(lr=st.floats(1e-3, 0.05), beta=st.floats(0.0, 0.95), seed=st.integers(0, 2**32 - 1))
def test_three_conventions_give_one_path_when_their_rates_match(lr, beta, seed):
    """Do v ← βv − lr∇L; v ← βv + ∇L (rate lr); and v ← βv + (1−β)∇L (rate lr/(1−β)) trace the same weights?"""
    rng = np.random.default_rng(seed)
    loss = Quadratic(np.diag(rng.uniform(0.5, 30, size=3)), rng.normal(size=3))
    w0 = rng.normal(size=3) * 3
    heavy = momentum(loss, w0, lr, 40, beta=beta)

    def convention(scale):
        state = [0.0]

        def update(t, w, g, rate):
            state[0] = beta * state[0] + scale * g
            return w - rate * state[0]
        return update

    summed = run(loss, w0, lr, 40, update=convention(1.0))
    averaged = run(loss, w0, lr / (1 - beta), 40, update=convention(1 - beta))
    assert np.allclose(summed.w, heavy.w, rtol=1e-9, atol=1e-9)
    assert np.allclose(averaged.w, heavy.w, rtol=1e-9, atol=1e-9)


@settings(max_examples=300)
@given(h=curvature, ratio=st.floats(1e-4, 4.5), beta=beta_values)
def test_momentum_factor_is_the_spectral_radius(h, ratio, beta):
    """Is momentum_factor the largest |eigenvalue| of the 2×2 heavy-ball iteration matrix?"""
    lr = ratio / h
    expected = np.max(np.abs(np.linalg.eigvals(momentum_matrix(lr, beta, h))))
    assert float(momentum_factor(lr, beta, h)) == pytest.approx(expected, rel=1e-6, abs=1e-6)


@settings(max_examples=300)
@given(h=curvature, ratio=st.floats(1e-4, 4.5), beta=beta_values)
def test_map_edge_is_where_theory_puts_it(h, ratio, beta):
    """Does heavy ball on curvature h converge exactly when 0 < lr·h < 2(1+β) (away from the edge)?"""
    edge = 2 * (1 + beta)
    assume(abs(ratio - edge) > 1e-6)
    factor = float(momentum_factor(ratio / h, beta, h))
    assert (factor < 1) == (ratio < edge)
    assert float(heavy_ball_edge(beta, h)) == pytest.approx(edge / h)


def test_map_edge_on_a_grid_of_the_ravine():
    """On the κ = 100 ravine, does the map's edge in every β row sit within one grid cell of lr = 2(1+β)/h_max?"""
    lrs = np.linspace(1e-4, 0.042, 841)
    betas = np.linspace(0.0, 0.95, 20)
    factors = convergence_map(lrs, betas, [1.0, 100.0])
    step = lrs[1] - lrs[0]
    for beta, row in zip(betas, factors):
        last_stable = lrs[np.flatnonzero(row < 1)[-1]]
        assert abs(last_stable - 2 * (1 + beta) / 100) <= step


def test_running_all_pairs_agrees_with_the_spectral_radius():
    """Does running every (lr, β) pair at once shrink the error where the factor is < 0.95 and blow up where it is > 1.05?"""
    loss = ravine(100.0)
    lrs = np.linspace(1e-3, 0.045, 45)
    betas = np.linspace(0.0, 0.95, 20)
    factors = convergence_map(lrs, betas, [1.0, 100.0])
    dist = run_map(loss, [1.0, 1.0], lrs, betas, 400)
    assert dist.shape == factors.shape == (20, 45)
    d0 = math.sqrt(2.0)
    assert np.all(dist[factors < 0.95] < 1e-3 * d0)
    assert np.all(dist[factors > 1.05] > 1e3 * d0)
    nesterov = run_map(loss, [1.0, 1.0], [0.01], [0.9], 50, nesterov=True)
    assert nesterov[0, 0] == pytest.approx(float(distance(momentum(loss, [1.0, 1.0], 0.01, 50, beta=0.9, nesterov=True),
                                                          loss.minimum)[-1]))


@given(h_min=st.floats(0.01, 10.0), kappa=st.floats(1.5, 1e4))
def test_best_momentum_gives_sqrt_kappa_factor_on_every_curvature(h_min, kappa):
    """With lr = 4/(√h_max+√h_min)², β = ((√κ−1)/(√κ+1))², is the factor (√κ−1)/(√κ+1) for every curvature in between?"""
    h_max = h_min * kappa
    lr, beta = best_momentum(h_min, h_max)
    rho = best_momentum_factor(kappa)
    factors = momentum_factor(lr, beta, np.geomspace(h_min, h_max, 50)[:, None].T[0])
    assert float(factors) == pytest.approx(rho, rel=1e-6)
    assert float(momentum_factor(lr, beta, [h_min])) == pytest.approx(rho, rel=1e-6)
    assert float(momentum_factor(lr, beta, [math.sqrt(h_min * h_max)])) == pytest.approx(rho, rel=1e-6)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_measured_rate_with_best_lr_and_beta_is_within_two_percent_of_theory(kappa):
    """On a κ quadratic, is momentum's measured error factor per step within 2% of (√κ−1)/(√κ+1)?"""
    loss = ravine(kappa)
    lr, beta = best_momentum(1.0, kappa)
    n = int(40 * math.sqrt(kappa))
    d = distance(momentum(loss, [1.0, 1.0], lr, 2 * n, beta=beta), loss.minimum)
    measured = (d[2 * n] / d[n]) ** (1 / n)
    assert measured == pytest.approx(best_momentum_factor(kappa), rel=0.02)
    if kappa == 100.0:
        assert best_momentum_factor(kappa) == pytest.approx(9 / 11) and round(best_momentum_factor(kappa), 3) == 0.818


def test_iterations_grow_like_kappa_for_gd_and_sqrt_kappa_for_momentum():
    """Going from κ = 100 to 10,000, do GD's steps to shrink the error 1e6-fold grow ~100× and momentum's ~10×?"""
    counts = {}
    for kappa in (100.0, 10_000.0):
        loss = ravine(kappa)
        d0 = math.sqrt(2.0)
        gd_steps = math.ceil(math.log(1e-6) / math.log(best_factor(kappa)))
        gd = gradient_descent(loss, [1.0, 1.0], best_rate(1.0, kappa), gd_steps + 1)
        assert steps_to_tolerance(gd, loss.minimum, 1e-6 * d0) == gd_steps
        lr, beta = best_momentum(1.0, kappa)
        hb = momentum(loss, [1.0, 1.0], lr, int(20 * math.sqrt(kappa)) + 100, beta=beta)
        hb_steps = steps_to_tolerance(hb, loss.minimum, 1e-6 * d0)
        theory = math.log(1e6) / -math.log(best_momentum_factor(kappa))
        assert theory <= hb_steps <= 1.6 * theory       # critical damping adds a factor ~k at the extremes
        counts[kappa] = (gd_steps, hb_steps)
    assert counts[100.0][0] == 691
    assert 95 <= counts[10_000.0][0] / counts[100.0][0] <= 105
    assert 8 <= counts[10_000.0][1] / counts[100.0][1] <= 13


def test_momentum_rejects_bad_input_and_stops_cleanly_when_it_diverges():
    """Does momentum name a bad beta, and stop with diverged=True when the rate is beyond the edge?"""
    loss = ravine(100.0)
    with pytest.raises(ValueError, match="beta"):
        momentum(loss, [1.0, 1.0], 0.01, 5, beta=1.0)
    with pytest.raises(TypeError, match="beta"):
        momentum(loss, [1.0, 1.0], 0.01, 5, beta="0.9")
    with pytest.raises(TypeError, match="nesterov"):
        momentum(loss, [1.0, 1.0], 0.01, 5, beta=0.9, nesterov="yes")
    with pytest.raises(ValueError, match="beta"):
        convergence_map([0.01], [1.2], 1.0)
    with pytest.raises(ValueError, match="h"):
        momentum_factor(0.01, 0.5, [1.0, -1.0])
    traj = momentum(loss, [1.0, 1.0], 0.05, 5000, beta=0.5)   # 0.05·100 = 5 > 2(1 + 0.5) = 3
    assert traj.diverged and traj.stopped_at is not None and np.isinf(traj.loss[-1])
    assert traj.w.shape == (5001, 2)


def test_convergence_map_plot_draws_the_edge():
    """Does the map plot label its axes and draw the edge and any theory curves with a legend?"""
    lrs, betas = np.linspace(1e-3, 0.04, 30), np.linspace(0, 0.9, 20)
    ax = Figure().subplots()
    plot_convergence_map(lrs, betas, convergence_map(lrs, betas, [1.0, 100.0]), ax=ax,
                         edges=[("theory", heavy_ball_edge(betas, [1.0, 100.0]))])
    assert ax.get_xlabel() == "learning rate" and "β" in ax.get_ylabel()
    assert {"edge: factor = 1", "theory"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    with pytest.raises(ValueError, match="shape"):
        plot_convergence_map(lrs, betas, np.ones((3, 3)))


def test_momentum_demos_render_quickly_and_follow_their_sliders(monkeypatch):
    """Do the β-slider ravine demo and the (lr, β) map render a PNG fast with defaults and rerun when a slider moves?"""
    monkeypatch.setenv("GDLAB_HEADLESS", "1")
    ravine_demo = momentum_explorer(ravine(100.0), [-9.0, 1.0], lr=0.018, beta=0.0)  # redraw times: tests/benchmarks
    map_demo = region_map_explorer((1.0, 100.0), lr=0.02, beta=0.5)
    assert isinstance(ravine_demo, PathExplorer) and isinstance(map_demo, RegionMapExplorer)
    for demo in (ravine_demo, map_demo):
        assert demo.image.value[:4] == b"\x89PNG"
    plain = ravine_demo.run.loss[-1]
    ravine_demo.beta_slider.value = 0.6
    assert ravine_demo.run.loss[-1] < plain                      # momentum helps in the ravine
    map_demo.lr_slider.value = 0.035                            # 0.035·100 = 3.5 > 2(1 + 0.5): diverges
    assert "diverges" in map_demo.readout.value
