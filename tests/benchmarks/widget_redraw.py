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
    for name, (slider, values) in demos.items():
        times = np.array(redraw_times(slider, values)) * 1000
        print(f"{name:<30} median {statistics.median(times):6.1f} ms   p90 {np.percentile(times, 90):6.1f} ms   ({len(times)} moves)")


if __name__ == "__main__":
    main()
