"""Losses with value, gradient and Hessian: one module per family."""

from gdlab.losses.base import Loss
from gdlab.losses.quadratic import Quadratic, parabola
from gdlab.losses.cubic import Cubic
from gdlab.losses.logcosh import LogCosh, newton_two_cycle_point
from gdlab.losses.plateau import SigmoidPlateau, sigmoid, sigmoid_slope
from gdlab.losses.saddle import DoubleWell, Saddle, saddle
from gdlab.losses.noisy import NoisyGradient
from gdlab.losses.least_squares import LeastSquares
from gdlab.losses.minibatch import MiniBatchGradient

__all__ = ["Loss", "Quadratic", "parabola"]
__all__ += ["Cubic", "DoubleWell", "LogCosh", "Saddle", "SigmoidPlateau", "newton_two_cycle_point", "saddle",
            "sigmoid", "sigmoid_slope"]
__all__ += ["LeastSquares", "MiniBatchGradient", "NoisyGradient"]
