"""When nbgrader runs a notebook (autograde or Validate) nobody watches it: keep every computation, skip the pictures.

nbgrader's own advice for slow notebooks is to look at NBGRADER_EXECUTION and skip what is not graded.
In gdlab nothing graded is a picture, and drawing them was most of a notebook's running time, so
under nbgrader figures are not drawn and the demos are not built. Students see both in JupyterLab.

Importing gdlab changes nothing: each notebook's setup cell calls `skip_pictures_if_graded()`, which
does it in the open. The demos ask `is_graded_run()` themselves whenever they are built.
"""

from __future__ import annotations

import os
import warnings

NOTE = ("gdlab: nbgrader is running this notebook, so its figures and interactive demos are skipped "
        "(none of them is graded). Open the notebook in JupyterLab to see them.")


def is_graded_run() -> bool:
    """True when nbgrader's autograde or Validate runs the notebook (it sets NBGRADER_EXECUTION)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def close_figures(*_) -> None:
    """Close every open figure (after each cell, as the inline backend would after showing them)."""
    import matplotlib.pyplot as plt

    plt.close("all")


def skip_pictures() -> None:
    """From now on draw no figure: matplotlib's Agg backend, figures closed after every cell, no "cannot be shown" warning."""
    import matplotlib

    matplotlib.use("agg", force=True)
    warnings.filterwarnings("ignore", message=r".*non-interactive, and thus cannot be shown")
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and close_figures not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", close_figures)


_prepared = False


def skip_pictures_if_graded() -> None:
    """Under nbgrader, say once per kernel that pictures are skipped and skip them (`skip_pictures`); otherwise do nothing.

    Every notebook's setup cell ends with it (introduced in 01-slope); it returns nothing, so the cell shows no result.
    """
    global _prepared
    if not is_graded_run():
        return
    if not _prepared:
        print(NOTE)
        _prepared = True
    skip_pictures()


class SkippedDemo:
    """What a demo is under nbgrader: one line saying it was skipped, and no computation."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{self.name}: interactive demo, skipped while nbgrader runs the notebook"

    def _ipython_display_(self) -> None:
        print(repr(self))
