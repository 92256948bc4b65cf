"""gdlab: the helper package of the gdlab course on gradient descent and the learning rate."""

from gdlab import analysis, losses, optim, schedules
from gdlab import stationary
from gdlab import rates, regions
from gdlab import datasets, sampling

__all__ = ["analysis", "losses", "optim", "schedules"]
__version__ = "0.1.0"
__all__ += ["stationary"]
__all__ += ["rates", "regions"]
__all__ += ["datasets", "sampling"]
