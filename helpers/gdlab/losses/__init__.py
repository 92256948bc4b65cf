"""Losses with value, gradient and Hessian: one module per family."""

from gdlab.losses.base import Loss
from gdlab.losses.cubic import Cubic
from gdlab.losses.least_squares import LeastSquares
from gdlab.losses.logcosh import LogCosh, newton_two_cycle_point
from gdlab.losses.logistic import LogisticRegression
from gdlab.losses.minibatch import MiniBatchGradient
from gdlab.losses.mlp import MLPLoss
from gdlab.losses.noisy import NoisyGradient
from gdlab.losses.plateau import SigmoidPlateau, sigmoid, sigmoid_slope
from gdlab.losses.quadratic import Quadratic, parabola, rotated_ravine
from gdlab.losses.quartic import QuarticBowl
from gdlab.losses.rescaled import Rescaled
from gdlab.losses.saddle import DoubleWell, Saddle

__all__ = [
    "Cubic",
    "DoubleWell",
    "LeastSquares",
    "LogCosh",
    "LogisticRegression",
    "Loss",
    "MiniBatchGradient",
    "MLPLoss",
    "newton_two_cycle_point",
    "NoisyGradient",
    "parabola",
    "Quadratic",
    "QuarticBowl",
    "Rescaled",
    "rotated_ravine",
    "Saddle",
    "sigmoid",
    "sigmoid_slope",
    "SigmoidPlateau",
]
