"""The tangent explorer: a slider over x showing the slope of a curve there and which way is downhill."""

from __future__ import annotations

from typing import Callable

import numpy as np
from matplotlib.figure import Figure

from gdlab.plots import COURSE_STYLE
from gdlab.widgets.base import BlittedFigure, Demo, widgets


def _slope(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """The central-difference slope (f(x+h) - f(x-h)) / 2h, for drawing the tangent."""
    return (f(x + h) - f(x - h)) / (2 * h)


def _downhill_words(slope: float) -> str:
    """Which way a small move lowers f, in words, from the sign of the slope."""
    if slope > 0:
        return "uphill to the right, so downhill is to the LEFT (smaller x)"
    if slope < 0:
        return "downhill to the right, so move RIGHT (larger x)"
    return "flat: no first-order direction lowers f"


class TangentExplorer(Demo):
    """A slider over x drawing the curve, its tangent at x and the slope's sign and size (introduced in 01-slope)."""

    def __init__(self, f: Callable[[np.ndarray], np.ndarray], x: float = 2.0,
                 x_min: float = -5.0, x_max: float = 5.0, name: str = "f(x)") -> None:
        if not x_min < x_max:
            raise ValueError(f"x_min must be below x_max, got {x_min} and {x_max}")
        self.f = f
        grid = np.linspace(x_min, x_max, 400)
        values = f(grid)
        self.figure = Figure(figsize=(6.0, 3.4), dpi=COURSE_STYLE["figure.dpi"], layout="constrained")
        self.axes = self.figure.subplots()
        self.axes.plot(grid, values, color="0.5", label=name)
        (self.tangent,) = self.axes.plot([], [], color="#d1495b", label="tangent at x")
        (self.point,) = self.axes.plot([], [], "o", color="#1b6ca8", markersize=7, label="x")
        pad = 0.1 * (values.max() - values.min())
        self.axes.set(xlim=(x_min, x_max), ylim=(values.min() - pad, values.max() + pad),
                      xlabel="x", ylabel=name, title=f"The slope of {name} is the tangent's steepness")
        self.axes.legend(loc="upper center")
        self.half_width = 0.15 * (x_max - x_min)
        self.slider = widgets.FloatSlider(value=x, min=x_min, max=x_max, step=0.1, description="x",
                                          readout_format=".1f", continuous_update=True)
        self.readout = widgets.Label()
        self.image = widgets.Image(format="png")
        self.drawing = BlittedFigure(self.figure, [self.tangent, self.point])
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.update(x)

    def update(self, x: float) -> None:
        """Move the point to x and redraw the tangent."""
        slope = _slope(self.f, x)
        xs = np.array([x - self.half_width, x + self.half_width])
        self.tangent.set_data(xs, self.f(x) + slope * (xs - x))
        self.point.set_data([x], [self.f(x)])
        self.slope = slope
        self.readout.value = f"x = {x:.1f}: slope {slope:+.2f}, {_downhill_words(slope)}"
        self.image.value = self.drawing.png()

    def controls(self) -> list[widgets.Widget]:
        """The sliders above the picture."""
        return [self.slider]
