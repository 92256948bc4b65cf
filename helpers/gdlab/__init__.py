"""gdlab: the helper package of the gdlab course on gradient descent and the learning rate."""

from gdlab import (
    analysis,
    capstone,
    classification,
    datasets,
    graded,
    losses,
    optim,
    rates,
    regions,
    sampling,
    schedules,
    stationary,
)

__all__ = [
    "analysis",
    "capstone",
    "classification",
    "datasets",
    "graded",
    "losses",
    "optim",
    "rates",
    "regions",
    "sampling",
    "schedules",
    "stationary",
]
__version__ = "0.1.0"
