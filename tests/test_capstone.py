"""Tests for the package parts of 09-capstone: the logistic-regression loss, its data sets, the configuration runner and the demo."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.analysis import sweep
from gdlab.capstone import (BUDGET, N_FEATURES, ConfigError, capstone_problem, check_config, diagnose,
                            gradient_evaluations, gradients_per_step, run_config)
from gdlab.classification import make_classification
from gdlab.losses import LogisticRegression, MiniBatchGradient
from gdlab.optim import gradient_descent, momentum, newton
from gdlab.regions import best_momentum
from gdlab.widgets import BudgetExplorer, budget_explorer

GOOD = {"optimizer": "momentum", "lr": 1.5, "beta": 0.8, "schedule": None, "steps": 200}

from demokit import is_still_picture


def random_loss(seed: int, n: int, dim: int, l2: float) -> LogisticRegression:
    """A logistic regression on random data with labels of both classes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)) * rng.uniform(0.3, 2.0, size=dim)
    y = (rng.random(n) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]
    return LogisticRegression(X, y, l2=l2)


# --- the loss -----------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 6), l2=st.floats(0.0, 1.0))
def test_hessian_is_positive_semi_definite_above_l2(seed, dim, l2):
    """Is every eigenvalue of the Hessian at least l2 (the loss is convex)? Its agreement with the gradient is test_loss_contract's."""
    loss = random_loss(seed, 40, dim, l2)
    w = np.random.default_rng(seed + 2).normal(size=dim) * 2
    H = np.asarray(loss.hessian(w if dim > 1 else w[0]))
    assert H.shape == (dim, dim) and np.linalg.eigvalsh(H)[0] >= l2 - 1e-12


def test_losses_are_vectorised_over_leading_axes():
    """Do value, grad and hessian on a (3, 4, D) stack of points give, point by point, the single-point results?"""
    loss = random_loss(3, 30, 5, 0.01)
    points = np.random.default_rng(4).normal(size=(3, 4, 5))
    values, grads, hessians = loss.value(points), loss.grad(points), loss.hessian(points)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 5) and hessians.shape == (3, 4, 5, 5)
    for index in np.ndindex(3, 4):
        assert np.isclose(values[index], loss.value(points[index]))
        assert np.allclose(grads[index], loss.grad(points[index]))
        assert np.allclose(hessians[index], loss.hessian(points[index]))


def test_one_parameter_loss_works_elementwise():
    """With one feature, does the loss take any array of w elementwise, like the other one-parameter losses?"""
    loss = random_loss(5, 30, 1, 0.0)
    w = np.linspace(-2, 2, 7)
    assert loss.value(w).shape == (7,) and loss.grad(w).shape == (7,)
    assert np.allclose(loss.value(w), [loss.value(v) for v in w])
    assert np.allclose(loss.hessian(w)[:, 0, 0], [loss.hessian(v)[0, 0] for v in w])


@given(ones=st.integers(1, 99))
def test_intercept_only_minimum_is_the_log_odds(ones):
    """With one constant feature and no penalty, is the minimum at w = log(q/(1−q)) with loss −q·log q − (1−q)·log(1−q)?"""
    q = ones / 100
    loss = LogisticRegression(np.ones((100, 1)), np.r_[np.ones(ones), np.zeros(100 - ones)])
    assert float(loss.minimum) == pytest.approx(math.log(q / (1 - q)), abs=1e-9)
    assert loss.minimum_value == pytest.approx(-q * math.log(q) - (1 - q) * math.log(1 - q), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 6), l2=st.floats(0.0, 1.0))
def test_paired_labels_put_the_minimum_at_zero_with_loss_log_two(seed, dim, l2):
    """When every example appears once with label 0 and once with label 1, is the minimum w = 0 with loss log 2 and Hessian XᵀX/(4N) + l2·I?"""
    X = np.random.default_rng(seed).normal(size=(20, dim))
    loss = LogisticRegression(np.vstack([X, X]), np.r_[np.zeros(20), np.ones(20)], l2=l2)
    assert np.allclose(loss.minimum, 0.0, atol=1e-12)
    assert loss.minimum_value == pytest.approx(math.log(2), abs=1e-12)
    H = np.asarray(loss.hessian(np.zeros(dim) if dim > 1 else 0.0)).reshape(dim, dim)
    assert np.allclose(H, X.T @ X / 80 + l2 * np.eye(dim))


def test_loss_at_zero_is_log_two_whatever_the_data():
    """At w = 0 every prediction is 1/2, so is the cross-entropy log 2 for any data?"""
    loss = random_loss(8, 50, 4, 0.3)
    assert float(loss.value(np.zeros(4))) == pytest.approx(math.log(2))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.0, 20.0))
def test_no_curvature_exceeds_the_bound_and_zero_attains_it(seed, scale):
    """Since σ' <= 1/4, is every Hessian eigenvalue at most λ_max(XᵀX)/(4N) + l2, with equality at w = 0?"""
    loss = random_loss(seed, 30, 4, 0.05)
    w = np.random.default_rng(seed).normal(size=4) * scale
    assert np.linalg.eigvalsh(loss.hessian(w))[-1] <= loss.curvature_bound * (1 + 1e-12)
    assert np.linalg.eigvalsh(loss.hessian(np.zeros(4)))[-1] == pytest.approx(loss.curvature_bound)


def test_far_away_points_stay_finite():
    """At |w| = 1e6 (where e^z overflows), do value, grad and hessian stay finite and quiet?"""
    loss = random_loss(9, 30, 3, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = np.array([1e6, -1e6, 1e6])
        assert np.isfinite(loss.value(w)) and np.all(np.isfinite(loss.grad(w))) and np.all(np.isfinite(loss.hessian(w)))


def test_found_minimum_has_zero_gradient_and_beats_its_neighbours():
    """Is the minimum Newton finds a stationary point (|∇L| < 1e-10) lower than random points around it?"""
    loss = random_loss(10, 200, 6, 0.01)
    w = loss.minimum
    assert np.linalg.norm(loss.grad(w)) < 1e-10
    nearby = w + 0.01 * np.random.default_rng(0).normal(size=(50, 6))
    assert np.all(loss.value(nearby) > loss.minimum_value)


def test_separable_data_without_penalty_has_no_minimum():
    """On separable data with l2 = 0 the loss keeps falling: does asking for the minimum say so?"""
    X = np.r_[-np.ones(10), np.ones(10)][:, None] * np.linspace(1, 2, 20)[:, None]
    loss = LogisticRegression(X, np.r_[np.zeros(10), np.ones(10)])
    with pytest.raises(ValueError, match="no minimum"):
        loss.find_minimum(max_iterations=60)


def test_batch_gradient_over_all_examples_is_the_gradient():
    """Is the mini-batch gradient over every example the full gradient, so MiniBatchGradient can sample it?"""
    loss = random_loss(11, 40, 3, 0.02)
    w = np.array([0.3, -0.2, 1.0])
    assert np.allclose(loss.batch_grad(w, np.arange(40)), loss.grad(w))
    noisy = MiniBatchGradient(loss, batch_size=10, seed=0)
    batches = [noisy.sampler.next_batch() for _ in range(4)]
    noisy.reset()
    mean = np.mean([noisy.grad(w) for _ in range(4)], axis=0)   # one epoch: the 4 batch means average to the full gradient
    assert sorted(np.concatenate(batches)) == list(range(40))
    assert np.allclose(mean, loss.grad(w))


@pytest.mark.parametrize("X, y, l2, words", [
    (np.ones((3, 2)), [0, 1, 2], 0.0, "labels 0 and 1"),
    (np.ones((3, 2)), [0, 1], 0.0, "one label per row"),
    (np.ones((3, 2)), [0, 1, 1], -1.0, "l2"),
    ([[1.0, np.nan]], [1], 0.0, "finite"),
])
def test_logistic_regression_names_the_bad_argument(X, y, l2, words):
    """Does bad data or a negative penalty fail with a message naming it?"""
    with pytest.raises((TypeError, ValueError), match=words):
        LogisticRegression(X, y, l2=l2)


# --- the data set -------------------------------------------------------------------------------------------


def test_classification_data_is_seeded_and_scaled():
    """Is the data set reproducible from its seed, labelled 0/1, and scaled column by column?"""
    scales = np.geomspace(0.2, 3.0, 5)
    a = make_classification(4000, 5, seed=3, scales=scales)
    b = make_classification(4000, 5, seed=3, scales=scales)
    c = make_classification(4000, 5, seed=4, scales=scales)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and not np.array_equal(a.X, c.X)
    assert set(np.unique(a.y)) <= {0.0, 1.0}
    assert np.allclose(a.X.std(axis=0) / scales, 1.0, atol=0.05)
    assert np.allclose(a.w_true * scales, b.w_true * scales)


def test_labels_follow_the_logistic_model():
    """Among examples with x·w_true near z, is the share of label 1 about σ(z)?"""
    data = make_classification(20000, 3, seed=5)
    z = data.X @ data.w_true
    near = np.abs(z - 1.0) < 0.1
    assert data.y[near].mean() == pytest.approx(1 / (1 + math.exp(-1.0)), abs=0.04)


@pytest.mark.parametrize("kwargs, words", [({"n": 0}, "n"), ({"dim": 2.5}, "dim"), ({"seed": -1}, "seed"),
                                           ({"scales": [1.0, -1.0]}, "scales")])
def test_make_classification_names_the_bad_argument(kwargs, words):
    """Does make_classification name the argument that is wrong?"""
    args = {"n": 10, "dim": 2, "seed": 0, **kwargs}
    with pytest.raises((TypeError, ValueError), match=words):
        make_classification(**args)


# --- configurations -----------------------------------------------------------------------------------------


def test_a_good_configuration_is_checked_into_plain_python_numbers():
    """Does check_config accept numpy numbers and return plain floats and ints, with None for a constant rate?"""
    checked = check_config({"optimizer": "momentum", "lr": np.float64(1.5), "beta": np.float32(0.8), "steps": np.int64(200)})
    assert checked == {"optimizer": "momentum", "lr": 1.5, "beta": pytest.approx(0.8), "steps": 200, "schedule": None}
    assert type(checked["lr"]) is float and type(checked["steps"]) is int


@pytest.mark.parametrize("config, words", [
    (0.2061, "must be a dict"),
    ([("optimizer", "gd")], "must be a dict"),
    ({**GOOD, "final_loss": 0.2}, "unknown key 'final_loss'"),
    ({**GOOD, "learning_rate": 0.2}, "did you mean 'lr'"),
    ({"lr": 0.1, "steps": 10}, "missing 'optimizer'"),
    ({**GOOD, "optimizer": "adam"}, "config\\['optimizer'\\] must be one of"),
    ({"optimizer": "gd", "steps": 10}, "missing 'lr'"),
    ({"optimizer": "momentum", "lr": 0.1, "steps": 10}, "missing 'beta'"),
    ({"optimizer": "gd", "lr": 0.1, "beta": 0.9, "steps": 10}, "'beta'\\] is only for"),
    ({**GOOD, "shift": 1.0}, "'shift'\\] is only for 'newton'"),
    ({**GOOD, "lr": "1.5"}, "config\\['lr'\\] must be a number"),
    ({**GOOD, "lr": True}, "config\\['lr'\\] must be a number"),
    ({**GOOD, "lr": -1.0}, "config\\['lr'\\] must be > 0"),
    ({**GOOD, "lr": float("nan")}, "config\\['lr'\\] must be finite"),
    ({**GOOD, "beta": 1.0}, "config\\['beta'\\] must be in \\[0, 1\\)"),
    ({**GOOD, "steps": 200.0}, "config\\['steps'\\] must be a whole number"),
    ({**GOOD, "steps": 0}, "config\\['steps'\\] must be 1 or more"),
    ({**GOOD, "schedule": lambda t: 0.1}, "must be data, not a function"),
    ({**GOOD, "schedule": {"name": "warp"}}, "\\['name'\\] must be one of"),
    ({**GOOD, "schedule": {"name": "exponential"}}, "missing its parameter 'gamma'"),
    ({**GOOD, "schedule": {"name": "exponential", "gamma": 0.9, "lr0": 1.0}}, "unknown parameter 'lr0'"),
    ({**GOOD, "schedule": {"name": "exponential", "gamma": 1.5}}, "gamma"),
    ({**GOOD, "schedule": 0.99}, "config\\['schedule'\\] must be None or a dict"),
    ({**GOOD, "schedule": np.array([1.5, 1.0])}, "config\\['schedule'\\] must be None or a dict"),
])
def test_bad_configurations_are_named(config, words):
    """Does every typical mistake in a configuration raise a ConfigError whose message names the key or value?"""
    with pytest.raises(ConfigError, match=words):
        check_config(config)


def test_config_errors_are_type_and_value_errors():
    """Can code that catches TypeError or ValueError also catch a ConfigError?"""
    assert issubclass(ConfigError, TypeError) and issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("optimizer, per_step", [("gd", 1), ("momentum", 1), ("nesterov", 1), ("newton", 1 + N_FEATURES)])
def test_cost_is_steps_times_gradients_per_step(optimizer, per_step):
    """Does a step cost one gradient, or 1 + D for Newton (a Hessian is D gradients' worth), and a run steps times that?"""
    config = {"optimizer": optimizer, "lr": 0.5, "steps": 7, **({"beta": 0.5} if optimizer in ("momentum", "nesterov") else {})}
    assert gradients_per_step(optimizer, N_FEATURES) == per_step
    assert gradient_evaluations(config) == 7 * per_step


@pytest.mark.parametrize("config, direct", [
    ({"optimizer": "gd", "lr": 0.4, "steps": 30}, lambda p: gradient_descent(p.loss, p.w0, 0.4, 30)),
    ({"optimizer": "momentum", "lr": 0.4, "beta": 0.7, "steps": 30}, lambda p: momentum(p.loss, p.w0, 0.4, 30, beta=0.7)),
    ({"optimizer": "nesterov", "lr": 0.4, "beta": 0.7, "steps": 30},
     lambda p: momentum(p.loss, p.w0, 0.4, 30, beta=0.7, nesterov=True)),
    ({"optimizer": "newton", "lr": 0.5, "shift": 0.1, "steps": 3}, lambda p: newton(p.loss, p.w0, 0.5, 3, shift=0.1)),
    ({"optimizer": "gd", "lr": 0.4, "steps": 30, "schedule": {"name": "exponential", "gamma": 0.9}},
     lambda p: gradient_descent(p.loss, p.w0, lambda t: 0.4 * 0.9 ** t, 30)),
])
def test_run_config_runs_gdlabs_own_optimiser(config, direct):
    """Does run_config run exactly the gdlab optimiser that the configuration names, with its rate and schedule?"""
    problem = capstone_problem(seed=0)
    run = run_config(config, problem)
    expected = direct(problem)
    assert np.allclose(run.trajectory.w, expected.w) and np.allclose(run.trajectory.loss, expected.loss)


def test_the_grader_stops_a_run_at_the_budget():
    """With max_evaluations, does the run stop after the whole steps the budget pays for (floor(budget / cost per step))?"""
    problem = capstone_problem(seed=0)
    run = run_config({"optimizer": "newton", "lr": 1.0, "steps": 5}, problem, max_evaluations=BUDGET)
    assert run.steps == BUDGET // (1 + N_FEATURES) == 3 and run.asked_steps == 5
    assert run.asked_evaluations == 5 * (1 + N_FEATURES) and not run.within_budget
    assert run.gradient_evaluations == 3 * (1 + N_FEATURES) <= BUDGET
    assert "each Newton step costs 1 + D = 51" in diagnose(run)


def test_reduce_on_plateau_runs_from_data():
    """Does a reduce-on-plateau schedule given as data run fresh on every run (same result twice)?"""
    config = {**GOOD, "schedule": {"name": "reduce_on_plateau", "factor": 0.5, "patience": 3}}
    first, second = run_config(config), run_config(config)
    assert np.array_equal(first.trajectory.loss, second.trajectory.loss)
    assert np.all(np.diff(first.trajectory.lr) <= 0)


# --- the capstone's design: what the notebook tells the student -----------------------------------------------


def test_curvature_at_the_start_is_the_largest_anywhere():
    """At w0 = 0 every σ' is 1/4: is the start's largest curvature the loss's global bound?"""
    problem = capstone_problem(seed=0)
    h = np.linalg.eigvalsh(problem.loss.hessian(problem.w0))
    assert h[-1] == pytest.approx(problem.loss.curvature_bound)
    assert h[-1] / h[0] > 100, "the capstone loss should be ill-conditioned (κ > 100)"


def test_no_constant_rate_lets_plain_gd_reach_the_target():
    """Does plain gradient descent miss the target within the budget at every constant rate from 0.01 to 20?"""
    problem = capstone_problem(seed=0)
    finals = sweep(problem.loss, problem.w0, np.geomspace(0.01, 20, 40), BUDGET)
    assert np.all(finals > problem.target)


def test_newton_converges_but_only_three_steps_fit_the_budget():
    """Does undamped Newton reach the target in a few steps, yet miss it with the 3 steps (153 evaluations) the budget pays for?"""
    problem = capstone_problem(seed=0)
    full = run_config({"optimizer": "newton", "lr": 1.0, "steps": 8}, problem)
    assert full.reached and full.final_gap < 1e-12
    assert not run_config({"optimizer": "newton", "lr": 1.0, "steps": 3}, problem).reached


@pytest.mark.parametrize("seed", range(6))
def test_momentum_from_the_start_curvatures_reaches_the_target_on_every_data_set(seed):
    """Does heavy ball with (lr, β) from the curvatures at the start (rounded) reach the target within the budget on several data sets?"""
    problem = capstone_problem(seed=seed)
    h = np.linalg.eigvalsh(problem.loss.hessian(problem.w0))
    lr, beta = best_momentum(h[0], h[-1])
    for config in ({"optimizer": "momentum", "lr": lr, "beta": beta, "steps": BUDGET}, GOOD):
        run = run_config(config, problem)
        assert run.within_budget and run.reached and run.final_gap < problem.target_gap / 3


def test_decay_only_slows_the_clean_problem_down():
    """With exact gradients, does decaying the rate of the good configuration end higher than keeping it constant?"""
    constant = run_config(GOOD)
    for schedule in ({"name": "inverse_time", "k": 0.1}, {"name": "exponential", "gamma": 0.99},
                     {"name": "step_decay", "drop": 0.5, "every": 25}):
        decayed = run_config({**GOOD, "schedule": schedule})
        assert decayed.final_loss > constant.final_loss and not decayed.reached
        assert "decay only slows" in diagnose(decayed)


def test_edge_of_stability_on_one_data_set_is_not_robust():
    """Does lr = 5, β = 0.9 (beyond 2(1+β)/h_max at another data set's minimum) pass on seed 0 but fail on seed 2?"""
    config = {"optimizer": "momentum", "lr": 5.0, "beta": 0.9, "steps": BUDGET}
    assert run_config(config, capstone_problem(seed=0)).reached
    other = capstone_problem(seed=2, target_gap=3e-4)
    h_at_minimum = np.linalg.eigvalsh(other.loss.hessian(other.loss.minimum))[-1]
    assert 5.0 > 2 * (1 + 0.9) / h_at_minimum
    missed = run_config(config, other)
    assert not missed.reached and "beyond it" in diagnose(missed)


def test_diagnosis_names_the_typical_failures():
    """Does diagnose say why a run missed: plain GD crawling, steps too large, and a run still falling steadily?"""
    assert "plain gradient descent crawls" in diagnose(run_config({"optimizer": "gd", "lr": 0.43, "steps": 200}))
    assert "higher than it started" in diagnose(run_config({**GOOD, "lr": 10.0, "beta": 0.9}))
    assert "still falling steadily" in diagnose(run_config({**GOOD, "lr": 0.1, "beta": 0.9}))
    assert "rises and falls" in diagnose(run_config({**GOOD, "lr": 1.0, "beta": 0.97}))
    assert diagnose(run_config(GOOD)) == "the run reached the target"


def test_capstone_problem_checks_its_arguments():
    """Does capstone_problem refuse a missing seed, a bad target gap and a bad budget (not a whole number), naming them?"""
    with pytest.raises(ValueError, match="seed"):
        capstone_problem(seed=None)
    with pytest.raises(ValueError, match="target_gap"):
        capstone_problem(target_gap=0)
    with pytest.raises(TypeError, match="budget"):
        capstone_problem(budget=2.5)
    with pytest.raises(ValueError, match="budget"):
        capstone_problem(budget=0)


def test_nearby_start_is_near():
    """Is the nearby start a small random point (coordinates about 0.05), reproducible from its seed?"""
    a, b = capstone_problem(start_seed=1), capstone_problem(start_seed=1)
    assert np.array_equal(a.w0, b.w0) and 0 < np.abs(a.w0).max() < 0.3


# --- the demo ---------------------------------------------------------------------------------------------


def test_budget_explorer_draws_the_run_the_grader_would_make():
    """Does the explorer draw loss − L* of exactly run_config(its configuration), and redraw when a slider moves?"""
    explorer = budget_explorer(lr=0.43, beta=0.5)
    run = run_config(explorer.config, explorer.problem)
    assert np.allclose(explorer.loss_line.get_ydata(), np.clip(run.trajectory.loss - run.problem.lowest, 1e-12, 1e2))
    image = explorer.image.value
    explorer.beta_slider.value = 0.8
    explorer.lr_slider.value = 1.5
    assert explorer.config == {**GOOD}
    assert explorer.run.reached and "target reached" in explorer.readout.value and explorer.image.value != image
    explorer.beta_slider.value = 0.0
    assert explorer.config["optimizer"] == "gd" and "beta" not in explorer.config


def test_budget_explorer_schedule_menu_changes_the_rates():
    """Does choosing a decaying schedule draw a falling learning rate?"""
    explorer = budget_explorer()
    explorer.schedule_menu.value = "exponential, halves every 50 steps"
    rates = explorer.rate_line.get_ydata()
    assert rates[50] == pytest.approx(rates[0] / 2, rel=1e-3)


def test_budget_explorer_is_quiet_with_a_huge_rate():
    """Does a rate far too large draw without warnings?"""
    explorer = BudgetExplorer(lr=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.lr_slider.value = 20.0
    assert "target missed" in explorer.readout.value


def test_budget_explorer_headless_shows_a_still_picture(headless_display, capsys):
    """Headless (GDLAB_HEADLESS=1), does the demo print its configuration and display one picture?"""
    budget_explorer().show()
    out = capsys.readouterr().out
    assert "'optimizer': 'momentum'" in out and "target missed" in out
    assert is_still_picture(headless_display)
