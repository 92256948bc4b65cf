"""Tests for the package parts of 11-network: the MLP loss and its backpropagation, the moons, the training configurations, the explorer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdlab.datasets import make_moons
from gdlab.losses import MiniBatchGradient, MLPLoss
from gdlab.optim import adam, gradient_descent
from gdlab.training import check_network_config, train

MOONS = make_moons(200, 0.15, 0)


def numeric_gradient(loss, w, h=1e-6):
    return np.array([(loss.value(w + h * e) - loss.value(w - h * e)) / (2 * h) for e in np.eye(loss.dim)])


@settings(max_examples=25)
@given(activation=st.sampled_from(["relu", "tanh", "sigmoid"]), n=st.integers(1, 12), d=st.integers(1, 4),
       hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3), classes=st.integers(2, 4), seed=st.integers(0, 10**6))
def test_backpropagation_matches_central_differences(activation, n, d, hidden, classes, seed):
    """For every activation and random shapes, data and parameters, is the gradient the central difference of the loss?"""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, classes, size=n)
    y[0] = classes - 1
    loss = MLPLoss(X, y, hidden=tuple(hidden), activation=activation, seed=seed)
    w = rng.normal(size=loss.dim)
    if activation == "relu":  # keep away from ReLU's kink, where central differences straddle it
        pre = loss.forward(w)[0][:-1]
        if any(np.min(np.abs(z)) < 1e-4 for z in pre):
            return
    assert np.allclose(loss.grad(w), numeric_gradient(loss, w), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_at_zero_parameters_the_loss_is_log_of_the_number_of_classes(classes):
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.arange(20) % classes
    assert MLPLoss(X, y).value(np.zeros(MLPLoss(X, y).dim)) == pytest.approx(np.log(classes))


def test_the_loss_is_stable_for_huge_scores():
    loss = MLPLoss(MOONS.X, MOONS.y, hidden=(4,))
    w = loss.initial_weights() * 1e4
    assert np.isfinite(loss.value(w)) and np.all(np.isfinite(loss.grad(w)))


def test_initialisation_is_he_for_relu_and_glorot_otherwise():
    X, y = np.zeros((5, 400)), np.arange(5) % 2
    relu, tanh = MLPLoss(X, y, hidden=(300,)), MLPLoss(X, y, hidden=(300,), activation="tanh")
    assert np.std(relu.unflatten(relu.initial_weights())[0][0]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert np.std(tanh.unflatten(tanh.initial_weights())[0][0]) == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert np.all(relu.unflatten(relu.initial_weights())[0][1] == 0)


def test_hessian_vector_products_and_hessian_agree():
    loss = MLPLoss(MOONS.X[:40], MOONS.y[:40], hidden=(3,), activation="tanh")
    w, v = loss.initial_weights(), np.random.default_rng(1).normal(size=loss.dim)
    H = loss.hessian(w)
    assert np.allclose(H, H.T) and np.allclose(H @ v, loss.hessian_vector(w, v), rtol=1e-4, atol=1e-6)


def test_unflatten_and_flatten_are_inverse():
    loss = MLPLoss(MOONS.X, MOONS.y, hidden=(3, 4))
    w = np.arange(loss.dim, dtype=float)
    assert np.array_equal(loss.flatten(loss.unflatten(w)), w)
    assert [W.shape for W, _ in loss.unflatten(w)] == [(2, 3), (3, 4), (4, 2)]


def test_dead_units_accuracy_and_mini_batches():
    loss = MLPLoss(MOONS.X, MOONS.y, hidden=(16,))
    w0 = loss.initial_weights()
    assert loss.dead_units(w0) == 0 and 0 <= loss.accuracy(w0) <= 1
    assert loss.dead_units(np.concatenate([np.zeros(2 * 16), -np.ones(16), np.zeros(loss.dim - 48)])) == 16
    assert loss.accuracy(adam(loss, w0, 0.05, 300).w[-1]) == 1.0
    assert np.allclose(loss.batch_grad(w0, np.arange(loss.n)), loss.grad(w0))
    assert not gradient_descent(MiniBatchGradient(loss, batch_size=10, seed=0), w0, 0.5, 20).diverged


def test_moons_are_seeded_balanced_and_not_linearly_separable():
    again = make_moons(200, 0.15, 0)
    assert np.array_equal(MOONS.X, again.X) and np.bincount(MOONS.y).tolist() == [100, 100]
    linear = MLPLoss(MOONS.X, MOONS.y, hidden=(1,), activation="tanh")
    best = adam(linear, linear.initial_weights(), 0.05, 500).w[-1]
    assert linear.accuracy(best) < 0.95


def test_training_configurations_are_checked_and_run():
    loss = MLPLoss(MOONS.X, MOONS.y)
    run = train({"optimizer": "momentum", "lr": 0.2, "beta": 0.9, "steps": 10}, loss, loss.initial_weights())
    assert run.steps == 10
    for bad, word in (({"optimizer": "sgd", "lr": 0.1, "steps": 5}, "optimizer"),
                      ({"optimizer": "adam", "lr": 0.1, "steps": 5, "beta": 0.9}, "keys"),
                      ({"optimizer": "adam", "lr": -1, "steps": 5}, "lr"),
                      ({"optimizer": "gd", "lr": 0.1, "steps": 2.5}, "steps"),
                      ([("optimizer", "adam")], "dict")):
        with pytest.raises((TypeError, ValueError), match=word):
            check_network_config(bad)


@pytest.mark.parametrize("call, argument", [
    (lambda: MLPLoss([[1.0, 2.0]], [0], activation="softplus"), "activation"),
    (lambda: MLPLoss([[1.0, 2.0]], [0.5]), "y"),
    (lambda: MLPLoss([1.0, 2.0], [0, 1]), "X"),
    (lambda: MLPLoss([[1.0, 2.0]], [0], hidden=(0,)), "hidden"),
    (lambda: MLPLoss([[1.0, 2.0]], [0]).unflatten(np.zeros(3)), "w"),
    (lambda: make_moons(1), "n"),
])
def test_bad_input_raises_naming_the_argument(call, argument):
    with pytest.raises((TypeError, ValueError), match=argument):
        call()


def test_the_explorer_trains_and_redraws():
    from gdlab.widgets import NetworkExplorer

    demo = NetworkExplorer(MOONS.X, MOONS.y, steps=50)
    image = demo.image.value
    demo.optimizer_picker.value = "gd"
    assert demo.image.value != image and "after 50 steps" in demo.readout.value
    demo.width_picker.value = 2
    assert demo.run.w.shape[1] == MLPLoss(MOONS.X, MOONS.y, hidden=(2,)).dim
