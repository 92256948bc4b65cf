"""Under nbgrader (NBGRADER_EXECUTION set) do notebooks skip their pictures and demos, and nothing else?"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

import gdlab.widgets as demos
from gdlab.graded import NOTE, SkippedDemo
from gdlab.losses import parabola
from gdlab.widgets.base import Demo

FIGURES = [
    "import matplotlib.pyplot as plt\nimport numpy as np\nfrom gdlab.graded import skip_pictures_if_graded\nskip_pictures_if_graded()",
    "skip_pictures_if_graded()\nfig, ax = plt.subplots()\nax.plot([1, 2, 3])\nplt.show()",
    "plt.plot([3, 1])",
    "print(np.mean([1.0, 2.0]))",
]


def every_demo() -> list[type]:
    """Every demo class of gdlab.widgets."""
    found, todo = [], [Demo]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def run_cells(sources: list[str]) -> list:
    """Execute `sources` as one notebook in a fresh kernel (which inherits this process's environment); return its cells."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return nb.cells


def kinds(cell) -> set[str]:
    """What a cell put out: stream names and display MIME types."""
    return {kind for o in cell.outputs for kind in ([o["name"]] if "name" in o else list(o.get("data", {})))}


def test_every_demo_is_skipped_without_computing(monkeypatch):
    """Does each demo, built under nbgrader with arguments it could not even use, come back as a one-line SkippedDemo?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert len(every_demo()) >= 9
    for demo in every_demo():
        skipped = demo(object(), "not a start", steps=-1)
        assert isinstance(skipped, SkippedDemo) and demo.__name__ in repr(skipped)
    assert isinstance(demos.learning_rate_explorer(parabola(1.0, 2.0), 8.0), SkippedDemo)


def test_importing_gdlab_changes_nothing():
    """Under nbgrader, does `import gdlab` alone leave matplotlib's backend alone and print nothing (the setup cell does it, in the open),
    and do the demos' imports leave ipywidgets unimported (no demo is built, so a graded kernel need not pay for it)?"""
    code = ("import matplotlib, contextlib, io, sys\nbefore = matplotlib.get_backend()\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    import gdlab, gdlab.widgets\n"
            "assert matplotlib.get_backend() == before, matplotlib.get_backend()\nassert out.getvalue() == '', out.getvalue()\n"
            "assert 'ipywidgets' not in sys.modules, 'gdlab.widgets imported ipywidgets'")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "NBGRADER_EXECUTION": "autograde",
                                                               "MPLBACKEND": "svg"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_demos_are_built_when_a_student_watches(monkeypatch):
    """Without NBGRADER_EXECUTION is a demo a real demo again?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert isinstance(demos.learning_rate_explorer(parabola(1.0, 2.0), 8.0), demos.LearningRateExplorer)


@pytest.mark.parametrize("graded", [True, False], ids=["nbgrader", "student"])
def test_figures_are_drawn_only_when_a_student_watches(monkeypatch, graded):
    """In a real kernel under nbgrader, after the setup cell's skip_pictures_if_graded() (called twice), is there no picture
    and no warning, the note once, and every computation kept?"""
    if graded:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    setup, shown, implicit, computed = run_cells(FIGURES)
    assert ("stdout" in kinds(setup)) == graded and (not graded or NOTE in setup.outputs[0].text)
    assert "stdout" not in kinds(shown), "the note is printed once per kernel, however often the setup runs"
    for cell in (shown, implicit):
        assert "stderr" not in kinds(cell)
        assert ("image/png" in kinds(cell)) != graded
    assert computed.outputs[0].text == "1.5\n"
