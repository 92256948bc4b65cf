"""Optimisers: each returns a Trajectory of weights, losses, gradients and learning rates."""

from gdlab.optim.gd import gradient_descent
from gdlab.optim.momentum import momentum
from gdlab.optim.newton import determinant_learning_rate, newton
from gdlab.optim.trajectory import Trajectory, run

__all__ = [
    "determinant_learning_rate",
    "gradient_descent",
    "momentum",
    "newton",
    "run",
    "Trajectory",
]
