"""Do the interactive demos redraw from their sliders, and stay quiet and sensible headless?"""

from __future__ import annotations

import numpy as np
import pytest

from gdlab.losses import Quadratic, parabola
from gdlab.widgets import LearningRateExplorer, TangentExplorer, learning_rate_explorer

from demokit import is_still_picture


def test_slider_changes_the_plotted_data():
    """Does setting the learning-rate slider from Python change the drawn path, the loss curve and the picture?"""
    explorer = learning_rate_explorer(parabola(1.0, 2.0), 8.0, steps=10, lr=0.1)
    path_before = np.array(explorer.path_line.get_xdata(), dtype=float)
    loss_before = np.array(explorer.loss_line.get_ydata(), dtype=float)
    image_before = explorer.image.value
    explorer.slider.value = 1.0
    assert np.allclose(explorer.path_line.get_xdata(), [8, -4] * 5 + [8])
    assert not np.allclose(explorer.path_line.get_xdata(), path_before)
    assert not np.allclose(explorer.loss_line.get_ydata(), loss_before)
    assert explorer.image.value != image_before
    assert explorer.readout.value.startswith("lr = 1.00: bounces forever")


def test_explorer_plots_the_run_of_its_rate():
    """Is the drawn path exactly gradient descent's trajectory at the slider's rate?"""
    explorer = learning_rate_explorer(parabola(1.0, 2.0), 8.0, steps=4, lr=0.1)
    assert np.allclose(explorer.path_line.get_xdata(), [8, 6.8, 5.84, 5.072, 4.4576])
    assert np.allclose(explorer.loss_line.get_ydata(), [36, 23.04, 14.7456, 9.437184, 6.03979776])


def test_explorer_survives_divergence():
    """Does a diverging rate draw without warnings and say it diverges?"""
    import warnings

    explorer = learning_rate_explorer(parabola(1.0, 2.0), 8.0, steps=20, lr=0.1, lr_max=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.slider.value = 3.0
    assert "diverges" in explorer.readout.value


def test_explorer_rejects_a_two_parameter_loss():
    """Does the one-parameter explorer say so when given a two-parameter loss?"""
    with pytest.raises(ValueError, match="one-parameter"):
        LearningRateExplorer(Quadratic(np.eye(2)), [1.0, 1.0])


def test_tangent_slider_moves_the_tangent():
    """Does moving x redraw the tangent with the slope 2x of x²?"""
    explorer = TangentExplorer(lambda x: x**2, x=2.0)
    assert np.isclose(explorer.slope, 4.0) and "LEFT" in explorer.readout.value
    explorer.slider.value = -2.0
    assert np.isclose(explorer.slope, -4.0) and "RIGHT" in explorer.readout.value
    xs, ys = explorer.tangent.get_data()
    assert np.isclose((ys[1] - ys[0]) / (xs[1] - xs[0]), -4.0)


def test_headless_shows_a_still_picture(headless_display, capsys):
    """Headless (GDLAB_HEADLESS=1), does a demo print its verdict and display a picture, not widgets?"""
    learning_rate_explorer(parabola(1.0, 2.0), 8.0).show()
    assert "converges steadily" in capsys.readouterr().out
    assert is_still_picture(headless_display)


def test_the_race_redraws_four_runs_for_its_sliders_and_losses():
    """Does the adaptive race (10) draw the four runs of gdlab's race, and change them with lr, β₁, warm-up and the loss?"""
    from gdlab.optim import race
    from gdlab.widgets import AdaptiveRace

    demo = AdaptiveRace(steps=30, lr=0.01)
    loss, start = demo.losses[demo.picker.value]
    expected = race(loss, start, 0.01, 30)
    for line, run in zip(demo.paths, expected.values()):
        assert np.allclose(line.get_xdata(), run.w[:, 0])
    image = demo.image.value
    for control, value in ((demo.lr_slider, 0.03), (demo.beta1_slider, 0.5), (demo.warmup_slider, 10)):
        before = np.array(demo.paths[3].get_xdata(), dtype=float)
        control.value = value
        assert not np.allclose(demo.paths[3].get_xdata(), before), control.description
    assert demo.image.value != image
    demo.picker.value = "rotated ravine (45°)"
    assert "Adam" in demo.readout.value and demo.path_axes.get_title() == "rotated ravine (45°)"


def test_the_race_is_a_still_picture_headless(headless_display, capsys):
    from gdlab.widgets import adaptive_race

    adaptive_race().show()
    assert "final loss after 100 steps" in capsys.readouterr().out
    assert is_still_picture(headless_display)
