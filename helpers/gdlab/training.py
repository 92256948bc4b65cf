"""Train a network from a plain configuration dictionary, as 11-network's graded tuning task is run (introduced in 11-network).

A configuration is data, never code: {"optimizer": "gd" | "momentum" | "adam", "lr": number > 0,
"beta": number in [0, 1) (momentum only), "steps": whole number}. The grader runs it with gdlab's own
optimisers, one gradient evaluation per step, on data sets and initialisations of its choosing.
"""

from __future__ import annotations

from typing import Any

from gdlab._checks import check_decay_rate, check_positive_number, check_steps
from gdlab.losses.base import Loss
from gdlab.optim.adaptive import adam
from gdlab.optim.gd import gradient_descent
from gdlab.optim.momentum import momentum
from gdlab.optim.trajectory import Trajectory

OPTIMIZERS = ("gd", "momentum", "adam")
KEYS = {"gd": {"optimizer", "lr", "steps"}, "momentum": {"optimizer", "lr", "beta", "steps"}, "adam": {"optimizer", "lr", "steps"}}


def check_network_config(config: Any) -> dict:
    """The configuration, checked: a dict naming one of OPTIMIZERS with exactly its keys and sensible values."""
    if not isinstance(config, dict):
        raise TypeError(f"the configuration must be a dict such as {{'optimizer': 'adam', 'lr': 0.01, 'steps': 200}}, got {type(config).__name__}")
    optimizer = config.get("optimizer")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"config['optimizer'] must be one of {OPTIMIZERS}, got {optimizer!r}")
    if set(config) != KEYS[optimizer]:
        raise ValueError(f"a {optimizer!r} configuration has exactly the keys {sorted(KEYS[optimizer])}, got {sorted(config)}")
    checked = {"optimizer": optimizer, "lr": check_positive_number(config["lr"], "config['lr']"),
               "steps": check_steps(config["steps"], "config['steps']")}
    if optimizer == "momentum":
        checked["beta"] = check_decay_rate(config["beta"], "config['beta']")
    return checked


def train(config: Any, loss: Loss, w0: Any) -> Trajectory:
    """Run the configuration on `loss` from `w0` with gdlab's optimisers."""
    config = check_network_config(config)
    if config["optimizer"] == "gd":
        return gradient_descent(loss, w0, config["lr"], config["steps"])
    if config["optimizer"] == "momentum":
        return momentum(loss, w0, config["lr"], config["steps"], beta=config["beta"])
    return adam(loss, w0, config["lr"], config["steps"])
