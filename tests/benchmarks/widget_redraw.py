"""Time, in the kernel's process, from setting a demo's slider to its new picture being ready."""

from __future__ import annotations

import statistics
import time

import numpy as np

from gdlab.losses import parabola
from gdlab.widgets import TangentExplorer, learning_rate_explorer


def redraw_times(slider, values) -> list[float]:
    """Seconds for each slider assignment (the observer recomputes the run and re-renders the PNG)."""
    times = []
    for value in values:
        start = time.perf_counter()
        slider.value = float(value)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Print median and 90th-percentile redraw times of the course's demos over many slider positions."""
    demos = {
        "learning-rate explorer (02)": (learning_rate_explorer(parabola(1.0, 2.0), 8.0, steps=20).slider, np.linspace(0.01, 1.2, 120)),
        "tangent explorer (01)": (TangentExplorer(lambda x: x**2, 2.0).slider, np.linspace(-5, 5, 101)),
    }
    demos.update(_path_and_map_demos())
    for name, (slider, values) in demos.items():
        times = np.array(redraw_times(slider, values)) * 1000
        print(f"{name:<30} median {statistics.median(times):6.1f} ms   p90 {np.percentile(times, 90):6.1f} ms   ({len(times)} moves)")
    for name, (update, values) in _update_demos().items():
        times = np.array(update_times(update, values)) * 1000
        print(f"{name:<30} median {statistics.median(times):6.1f} ms   p90 {np.percentile(times, 90):6.1f} ms   ({len(times)} moves)")


def update_times(update, values) -> list[float]:
    """Seconds for each call of a demo's update with one value (a choice of schedule, a batch size)."""
    times = []
    for value in values:
        start = time.perf_counter()
        update(value)
        times.append(time.perf_counter() - start)
    return times


def _path_and_map_demos() -> dict:
    """The ravine, momentum and (lr, β) map demos of 03 and 05 and the race of 10, with the slider each one redraws for."""
    from gdlab.losses import Quadratic
    from gdlab.widgets import momentum_explorer, ravine_explorer, region_map_explorer

    ravine_demo = ravine_explorer(Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0]), [-9.0, 1.0])
    momentum_demo = momentum_explorer(Quadratic(np.diag([1.0, 100.0]), [0.0, 0.0]), [-9.0, 1.0], lr=0.018, beta=0.0)
    map_demo = region_map_explorer((1.0, 100.0), lr=0.02, beta=0.5)
    from gdlab.widgets import AdaptiveRace

    race_demo = AdaptiveRace()
    return {"adaptive race lr (10)": (race_demo.lr_slider, np.geomspace(0.001, 1.0, 60)),
            "ravine explorer (03)": (ravine_demo.lr_slider, np.linspace(0.005, 0.021, 60)),
            "momentum explorer β (05)": (momentum_demo.beta_slider, np.linspace(0.0, 0.95, 60)),
            "region map lr (05)": (map_demo.controls()[0], np.linspace(0.005, 0.03, 60))}


def _update_demos() -> dict:
    """The schedule picker of 04 (one update per schedule), the mini-batch explorer of 08 (one per batch size) and the network explorer of 11 (one training run per optimiser)."""
    from gdlab.losses import NoisyGradient, Quadratic
    from gdlab.widgets import MiniBatchExplorer, SchedulePicker
    from gdlab.schedules import SCHEDULE_LABELS
    from tests.test_stochastic import problem

    picker = SchedulePicker(NoisyGradient(Quadratic(np.eye(10), np.zeros(10)), 1.0, seed=0), np.full(10, 5.0), steps=100, target=0.5)
    loss, *_ = problem(200, 3, 0.5, seed=1)
    explorer = MiniBatchExplorer(loss, np.zeros(3), lr=0.05, epochs=3, batch_size=10)
    from gdlab.datasets import make_moons
    from gdlab.widgets import NetworkExplorer

    moons = make_moons()
    network = NetworkExplorer(moons.X, moons.y)

    def train_with(optimizer: str) -> None:
        network.optimizer_picker.value = optimizer

    return {"network explorer (11)": (train_with, ["gd", "momentum", "adam"] * 5),
            "schedule picker (04)": (lambda name: picker.update(name, 0.3, 10), list(SCHEDULE_LABELS) * 5),
            "mini-batch explorer (08)": (explorer.update, explorer.sizes * 5)}


if __name__ == "__main__":
    main()
