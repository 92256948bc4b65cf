"""Does bad input get a clear error that names the argument, never a numpy traceback from deep inside?"""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.analysis import classify, steps_to_tolerance, sweep
from gdlab.losses import Quadratic, parabola
from gdlab.optim import gradient_descent


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(steps=-1), ValueError, "steps must be 0 or more"),
        (dict(steps=2.5), TypeError, "steps must be a whole number"),
        (dict(steps=True), TypeError, "steps must be a whole number"),
        (dict(lr="fast"), TypeError, "lr must be a positive number or a schedule"),
        (dict(lr=None), TypeError, "lr must be a positive number or a schedule"),
        (dict(lr=-0.1), ValueError, "lr must be a finite number > 0"),
        (dict(lr=float("nan")), ValueError, "lr must be a finite number > 0"),
        (dict(lr=lambda t: "big"), TypeError, "the lr schedule returned 'big' at step 0"),
        (dict(lr=lambda t: -1.0), ValueError, "the lr schedule returned -1.0 at step 0"),
        (dict(w0=[1.0, 2.0]), ValueError, "w0 must be a single number"),
        (dict(w0="eight"), TypeError, "w0 must be a number"),
        (dict(w0=float("inf")), ValueError, "w0 must be finite"),
    ],
)
def test_gradient_descent_names_the_bad_argument(kwargs, error, words):
    """Does gradient_descent say which argument is wrong and why?"""
    args = dict(loss=parabola(), w0=1.0, lr=0.1, steps=3) | kwargs
    with pytest.raises(error, match=words):
        gradient_descent(**args)


@pytest.mark.parametrize(
    "H, center, error, words",
    [
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0, 0], ValueError, "H must be a square matrix"),
        ([1.0, 2.0], 0.0, ValueError, "H must be a square matrix"),
        ([[1.0, 2.0], [0.0, 1.0]], [0, 0], ValueError, "H must be symmetric"),
        ([[np.nan]], 0.0, ValueError, "H must contain only finite numbers"),
        ("H", 0.0, TypeError, "H must be a number or a square matrix"),
        (np.eye(2), [0.0, 0.0, 0.0], ValueError, r"center must have shape \(2,\)"),
        ([[2.0]], [1.0, 2.0], ValueError, "center must be a single number"),
    ],
)
def test_quadratic_names_the_bad_argument(H, center, error, words):
    """Does Quadratic reject a non-square, non-symmetric or non-finite H and a mismatched centre, by name?"""
    with pytest.raises(error, match=words):
        Quadratic(H, center)


def test_two_parameter_loss_rejects_a_scalar_start():
    """Does a 2-parameter loss say what shape w0 must have?"""
    with pytest.raises(ValueError, match=r"w0 must have shape \(2,\)"):
        gradient_descent(Quadratic(np.eye(2)), 1.0, 0.1, 3)


def test_loss_must_be_a_gdlab_loss():
    """Does passing a plain function as the loss get a clear message?"""
    with pytest.raises(TypeError, match="loss must be a gdlab loss"):
        gradient_descent(lambda w: w**2, 1.0, 0.1, 3)


@pytest.mark.parametrize("lrs, words", [([], "non-empty 1-D"), ([[0.1]], "non-empty 1-D"), ([0.1, -1], "numbers > 0"),
                                        (["a"], "lrs must be a number or an array of numbers")])
def test_sweep_names_bad_rates(lrs, words):
    """Does sweep reject empty, nested, negative or non-numeric rates by name?"""
    with pytest.raises((ValueError, TypeError), match=words):
        sweep(parabola(), 1.0, lrs, 5)


def test_analysis_names_bad_arguments():
    """Do steps_to_tolerance and classify name a bad tolerance and a run too short to judge?"""
    run = gradient_descent(parabola(), 1.0, 0.1, 1)
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        steps_to_tolerance(run, 0.0, -1.0)
    with pytest.raises(ValueError, match="classify needs a run of at least 2 steps"):
        classify(run)
