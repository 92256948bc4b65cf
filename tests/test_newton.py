"""Tests for the package parts of 07-newton: the Newton optimiser, the log-cosh loss and the determinant heuristic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.losses import DoubleWell, LogCosh, Quadratic, Rescaled, Saddle, newton_two_cycle_point, parabola
from gdlab.optim import determinant_learning_rate, gradient_descent, newton

from demokit import is_still_picture


def random_spd(rng, dim, low=0.1, high=100.0):
    """A random symmetric positive-definite matrix with eigenvalues in [low, high], and the eigenvalues."""
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eig = np.exp(rng.uniform(np.log(low), np.log(high), size=dim))
    H = q @ np.diag(eig) @ q.T
    return (H + H.T) / 2, eig, q


@settings(max_examples=200)
@given(dim=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_one_newton_step_solves_any_positive_definite_quadratic(dim, seed):
    """Does one undamped Newton step land on the minimum of a random positive-definite quadratic to 1e-10, whatever κ?"""
    rng = np.random.default_rng(seed)
    H, _, _ = random_spd(rng, dim)
    center = rng.uniform(-5, 5, size=dim)
    loss = Quadratic(H, center if dim > 1 else center[0])
    w0 = rng.uniform(-5, 5, size=dim) if dim > 1 else rng.uniform(-5, 5)
    run = newton(loss, w0, 1.0, 1)
    assert not run.diverged
    assert np.max(np.abs(run.w[1] - loss.minimum)) < 1e-10


@given(a=st.floats(0.1, 10.0), b=st.floats(-10.0, 10.0), c=st.floats(-10.0, 10.0), x0=st.floats(-10.0, 10.0))
def test_ideal_rate_on_a_parabola_is_one_over_the_second_derivative(a, b, c, x0):
    """On a·x² + b·x + c, does one GD step with lr = 1/(2a) = 1/f'' land on −b/(2a), the same point as one Newton step?"""
    minimum = -b / (2 * a)
    loss = parabola(a, minimum)   # a·(x − m)² differs from a·x² + b·x + c only by a constant
    assert float(loss.grad(x0)) == pytest.approx(2 * a * x0 + b, abs=1e-9)
    assert gradient_descent(loss, x0, 1 / (2 * a), 1).w[1] == pytest.approx(minimum, abs=1e-9)
    assert newton(loss, x0, 1.0, 1).w[1] == pytest.approx(minimum, abs=1e-9)


@given(dim=st.integers(1, 5), damping=st.floats(0.05, 1.9), seed=st.integers(0, 2**32 - 1))
def test_damped_newton_shrinks_the_error_by_one_minus_the_damping(dim, damping, seed):
    """On a quadratic, does a Newton step damped by α multiply the error w − c by exactly (1 − α) in every direction?"""
    rng = np.random.default_rng(seed)
    H, _, _ = random_spd(rng, dim)
    center = rng.uniform(-2, 2, size=dim)
    w0 = rng.uniform(-2, 2, size=dim)
    run = newton(Quadratic(H, center), w0, damping, 3) if dim > 1 else newton(Quadratic(H, center[0]), w0[0], damping, 3)
    for k in range(4):
        assert np.allclose(run.w[k] - (center if dim > 1 else center[0]), (1 - damping) ** k * (w0 - center).reshape(run.w[k].shape), atol=1e-9)
    assert np.all(run.lr == damping)


@given(dim=st.integers(2, 5), shift=st.floats(0.0, 50.0), seed=st.integers(0, 2**32 - 1))
def test_levenberg_marquardt_shift_scales_each_eigen_direction(dim, shift, seed):
    """With H + λI, is the error along eigenvector i multiplied by λ/(h_i + λ), as the eigen-decomposition predicts?"""
    rng = np.random.default_rng(seed)
    H, eig, q = random_spd(rng, dim)
    w0 = rng.uniform(-2, 2, size=dim)
    w1 = newton(Quadratic(H, np.zeros(dim)), w0, 1.0, 1, shift=shift).w[1]
    expected = q @ ((shift / (eig + shift)) * (q.T @ w0))
    assert np.allclose(w1, expected, atol=1e-9)


def test_log_cosh_matches_its_closed_form_without_overflow():
    """Is log cosh's value log(cosh(w − c)), its slope tanh and curvature 1/cosh², and its value free of overflow far out?"""
    loss = LogCosh(0.5)
    w = np.linspace(-6, 6, 121)
    assert np.allclose(loss.value(w), np.log(np.cosh(w - 0.5)), atol=1e-12)
    assert np.allclose(loss.grad(w), np.tanh(w - 0.5)) and np.allclose(loss.hessian(w)[..., 0, 0], 1 / np.cosh(w - 0.5) ** 2)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert float(loss.value(1000.5)) == pytest.approx(1000 - math.log(2))
    assert loss.hessian(2.0).shape == (1, 1) and loss.hessian(w).shape == (121, 1, 1)


def test_newton_on_log_cosh_diverges_from_two_and_converges_from_one():
    """Does undamped Newton on log cosh blow up from x = 2 (first step to 2 − sinh(4)/2) and converge from x = 1?"""
    far = newton(LogCosh(), 2.0, 1.0, 20)
    assert far.diverged
    assert far.w[1] == pytest.approx(2 - math.sinh(4) / 2)
    near = newton(LogCosh(), 1.0, 1.0, 10)
    assert not near.diverged and abs(near.w[-1]) < 1e-12
    assert near.w[1] == pytest.approx(1 - math.sinh(2) / 2)


def test_critical_start_is_the_two_cycle_of_the_newton_map():
    """Is the critical |x| ≈ 1.0886 the root of sinh(2x) = 4x, where the Newton map x − sinh(x)cosh(x) sends x to −x?"""
    x = newton_two_cycle_point()
    assert x == pytest.approx(1.08866, abs=1e-5)
    assert math.sinh(2 * x) == pytest.approx(4 * x, rel=1e-12)
    newton_map = x - math.sinh(x) * math.cosh(x)
    assert newton_map == pytest.approx(-x, rel=1e-12)
    assert float(newton(LogCosh(), x, 1.0, 1).w[1]) == pytest.approx(-x, rel=1e-10)


@pytest.mark.parametrize("offset", [1e-3, 1e-2, 0.1])
def test_newton_converges_inside_the_critical_start_and_diverges_outside(offset):
    """Starting a little inside x* Newton on log cosh converges; a little outside, does it diverge?"""
    x = newton_two_cycle_point()
    for sign in (1.0, -1.0):
        inside = newton(LogCosh(), sign * (x - offset), 1.0, 200)
        assert not inside.diverged and abs(inside.w[-1]) < 1e-12
        assert newton(LogCosh(), sign * (x + offset), 1.0, 200).diverged


def test_damping_or_a_shift_rescues_newton_from_two():
    """From x = 2, does a damped Newton step (0.1: error × 0.9 per step near 0) or a Levenberg–Marquardt shift (λ = 1) reach the minimum?"""
    for run in (newton(LogCosh(), 2.0, 0.1, 250), newton(LogCosh(), 2.0, 1.0, 30, shift=1.0)):
        assert not run.diverged and abs(run.w[-1]) < 1e-8


@given(x=st.floats(-5, 5), y=st.floats(-5, 5))
def test_newton_jumps_onto_the_saddle_of_x2_minus_y2(x, y):
    """From anywhere, does one Newton step on x² − y² land exactly on the saddle at the origin?"""
    assert np.allclose(newton(Saddle(), [x, y], 1.0, 1).w[1], [0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("y0", [0.05, 0.3, -0.4])
def test_newton_is_drawn_to_the_saddle_where_gd_finds_a_well(y0):
    """On the double well from |y| < 1/√5, does Newton converge to the saddle (0, 0) while GD reaches a minimum (0, ±1)?"""
    loss = DoubleWell()
    assert newton(loss, [1.0, y0], 1.0, 30).w[-1] == pytest.approx([0.0, 0.0], abs=1e-10)
    assert gradient_descent(loss, [1.0, y0], 0.2, 500).w[-1] == pytest.approx([0.0, math.copysign(1.0, y0)], abs=1e-6)


@given(dim=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_determinant_rate_is_one_over_the_geometric_mean(dim, seed):
    """Is (det H)^(−1/D) one over the geometric mean of the eigenvalues of a random positive-definite H?"""
    H, eig, _ = random_spd(np.random.default_rng(seed), dim)
    assert determinant_learning_rate(H) == pytest.approx(1 / np.prod(eig) ** (1 / dim), rel=1e-9)
    assert determinant_learning_rate(H) == pytest.approx(np.exp(-np.mean(np.log(eig))), rel=1e-9)


def test_determinant_rate_is_exact_for_equal_curvatures_and_fails_at_kappa_100():
    """Is the heuristic 1/h for H = h·I, and does its rate 0.1 on diag(1, 100) make GD diverge (|1 − 0.1·100| = 9)?"""
    assert determinant_learning_rate(np.eye(4) * 8.0) == pytest.approx(1 / 8)
    H = np.diag([1.0, 100.0])
    lr = determinant_learning_rate(H)
    assert lr == pytest.approx(0.1)
    assert gradient_descent(Quadratic(H, [0.0, 0.0]), [1.0, 1.0], lr, 500).diverged
    with pytest.raises(ValueError, match="positive definite"):
        determinant_learning_rate(np.diag([1.0, -1.0]))


def test_newton_stops_cleanly_on_a_singular_hessian_and_checks_arguments():
    """Does a singular Hessian stop the run without warnings, and do bad damping/shift raise errors naming them?"""
    with np.errstate(all="raise"):
        run = newton(Quadratic(np.diag([1.0, 0.0]), [0.0, 0.0]), [1.0, 1.0], 1.0, 5)
    assert run.diverged and run.stopped_at == 1
    with pytest.raises(ValueError, match="shift"):
        newton(LogCosh(), 1.0, 1.0, 3, shift=-1.0)
    with pytest.raises(ValueError, match="damping"):
        newton(LogCosh(), 1.0, 0.0, 3)


def test_rescaled_loss_derivatives_follow_the_chain_rule():
    """Are the rescaled loss's gradient s ⊙ ∇L(s ⊙ u) and Hessian diag(s)·H·diag(s), in terms of the loss it wraps?"""
    inner = DoubleWell(1.5)
    loss = Rescaled(inner, [0.5, 3.0])
    u = np.array([0.7, -0.4])
    assert loss.inner is inner and np.allclose(loss.to_original(u), [0.35, -1.2])
    assert np.allclose(loss.grad(u), [0.5, 3.0] * inner.grad([0.35, -1.2]))
    assert np.allclose(loss.hessian(u), np.diag([0.5, 3.0]) @ inner.hessian([0.35, -1.2]) @ np.diag([0.5, 3.0]))


def test_rescaling_changes_the_gd_path_but_not_the_newton_path():
    """Mapped back to the original units, is Newton's path on the rescaled loss the same and GD's different?"""
    base = DoubleWell()
    scaled = Rescaled(base, [1.0, 4.0])
    w0 = np.array([1.0, 2.0])
    u0 = w0 / scaled.scale
    assert np.allclose(scaled.to_original(newton(scaled, u0, 1.0, 8).w), newton(base, w0, 1.0, 8).w, atol=1e-12)
    gd_scaled = scaled.to_original(gradient_descent(scaled, u0, 0.01, 8).w)
    assert not np.allclose(gd_scaled, gradient_descent(base, w0, 0.01, 8).w, atol=1e-3)


def test_rescaled_rejects_zero_scale():
    """Does a zero scale factor raise an error naming `scale`?"""
    with pytest.raises(ValueError, match="scale"):
        Rescaled(DoubleWell(), [1.0, 0.0])


def test_newton_explorer_redraws_and_reports(headless_display, capsys):
    """Does the damping slider change the verdict from diverging to converging, and headless show a still picture?"""
    from gdlab.widgets import newton_damping_explorer

    explorer = newton_damping_explorer()
    assert "diverges" in explorer.readout.value and explorer.run.diverged
    before = explorer.image.value
    explorer.damping_slider.value = 0.2
    assert not explorer.run.diverged and explorer.image.value != before
    explorer.damping_slider.value = 1.0
    explorer.shift_slider.value = 1.0
    assert "converges" in explorer.readout.value
    explorer.show()
    assert "shift λ = 1.0" in capsys.readouterr().out
    assert is_still_picture(headless_display)
