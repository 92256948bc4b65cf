"""What every demo shares: headless detection and fast redraws of a fixed figure."""

from __future__ import annotations

import importlib
import io
import os
import re
from typing import Any

import numpy as np
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from gdlab.graded import SkippedDemo, is_graded_run


class ImportedOnFirstUse:
    """A module imported the first time one of its names is used."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


# ipywidgets, for every demo: under nbgrader no demo is built, so a graded kernel never imports it (40-70 ms of CPU each).
widgets = ImportedOnFirstUse("ipywidgets")


def is_headless() -> bool:
    """True when a notebook runs with nobody watching: GDLAB_HEADLESS=1 (still pictures), or nbgrader (demos skipped)."""
    return is_graded_run() or bool(os.environ.get("GDLAB_HEADLESS"))


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What an Agg canvas holds now, as PNG bytes (fast compression: this runs on every slider move)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class BlittedFigure:
    """A figure whose axes stay fixed while a few lines move: the still parts are drawn once, the lines on every update."""

    def __init__(self, figure: Figure, moving: list) -> None:
        self.figure, self.moving = figure, moving
        self.canvas = FigureCanvasAgg(figure)
        for artist in moving:
            artist.set_animated(True)
        self.canvas.draw()
        self.figure.set_layout_engine("none")
        self.background = self.canvas.copy_from_bbox(figure.bbox)

    def png(self) -> bytes:
        """Redraw the moving lines over the still background and return the picture as PNG."""
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            artist.axes.draw_artist(artist)
        return canvas_png(self.canvas)


def plain_text(markup: str) -> str:
    """A readout's HTML as plain text for a headless run: line breaks kept, tags dropped."""
    return re.sub(r"<[^>]+>", "", markup.replace("<br>", "\n"))


class Demo:
    """What every demo shows: its controls, a one-line readout and the picture; headless, the readout and a still picture.

    Under nbgrader (gdlab.graded) a demo is not built at all.

    Subclasses set `self.readout` (a Label or HTML widget) and `self.image` (an Image widget)
    and list their sliders and pickers in `controls()`.
    """

    readout: widgets.ValueWidget
    image: widgets.Image

    def __new__(cls, *args, **kwargs):
        """A new demo, or under nbgrader a SkippedDemo: nothing is computed or drawn for a picture nobody sees."""
        if is_graded_run():
            return SkippedDemo(cls.__name__)
        return super().__new__(cls)

    def controls(self) -> list[widgets.Widget]:
        """The widgets above the readout, in display order."""
        raise NotImplementedError

    def show(self) -> None:
        """Display the controls and the figure, or (headless) the readout and a still figure with the defaults."""
        if is_headless():
            print(plain_text(self.readout.value))
            display(Image.open(io.BytesIO(self.image.value)))
        else:
            display(widgets.VBox([*self.controls(), self.readout, self.image]))

    def _ipython_display_(self) -> None:
        self.show()
