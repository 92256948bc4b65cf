"""Optimisers: each returns a Trajectory of weights, losses, gradients and learning rates.

One calling convention: optimiser(loss, w0, rate, steps, *, options): the rate third (lr, or Newton's
damping, a line search's first rate lr0, Polyak's lowest value f_star), the number of updates fourth,
anything else by name.
"""

from gdlab.optim.adaptive import RACERS, adagrad, adam, race, rmsprop
from gdlab.optim.gd import gd_step, gradient_descent
from gdlab.optim.line_search import armijo_rate, backtracking, polyak, polyak_rate
from gdlab.optim.momentum import heavy_ball_step, momentum
from gdlab.optim.newton import determinant_learning_rate, newton
from gdlab.optim.trajectory import Trajectory, run

__all__ = [
    "adagrad",
    "adam",
    "armijo_rate",
    "backtracking",
    "polyak",
    "polyak_rate",
    "race",
    "RACERS",
    "rmsprop",
    "determinant_learning_rate",
    "gd_step",
    "gradient_descent",
    "heavy_ball_step",
    "momentum",
    "newton",
    "run",
    "Trajectory",
]
