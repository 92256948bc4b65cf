"""Does the course work for a student in JupyterLab, in a real browser (Chromium)?

For every solved notebook (the instructor's source: each released notebook with every answer, and its
hidden tests; where Chromium is installed, make test runs them in full nowhere else): do all cells run
without an error shown, does every interactive demo draw its controls and figure, does moving a
(learning-rate) slider change the figure, is there a Validate button, and is the browser console free
of errors? For one notebook (VALIDATED): does Validate report success on the solved copy and, pressed
in nbgrader's assignment list, every graded cell as failing on the untouched one? (That every solution
passes and every untouched notebook scores 0 is proven per notebook by the grading round trips.) And does
`make lab` show students their tools and not the instructor's, without the Jupyter news pop-up?
The browsing happens once (conftest.py, `tour`); each test asks one question of what was seen.
"""

from __future__ import annotations

import pytest

import labkit
from labkit import VALIDATED

NOTEBOOKS = labkit.released_notebooks()

pytestmark = pytest.mark.xdist_group("browser-tour")  # one worker, one JupyterLab, one Chromium


def per_notebook():
    return pytest.mark.parametrize("name", NOTEBOOKS)


def visited(tour, name):
    """The visit of a notebook, failing the test if the browser could not finish it."""
    visit = tour.visits[name]
    if visit.crash:
        pytest.fail(f"the browser could not finish {name}: {visit.crash}\n\nserver log (end):\n{tour.server_log[-2500:]}")
    return visit


@per_notebook()
def test_every_cell_runs_without_an_error(tour, name):
    """After Run All Cells, has every code cell run, with no traceback or warning in any output?"""
    visit = visited(tour, name)
    not_run = [i for i, p in enumerate(visit.cells["prompts"]) if not any(ch.isdigit() for ch in p)]
    assert not visit.cells["errors"], f"{name} shows errors or warnings:\n" + "\n---\n".join(visit.cells["errors"])
    assert not not_run, f"{name}: code cells {not_run} did not run (prompts {visit.cells['prompts']})"


@per_notebook()
def test_every_demo_draws_its_controls_and_figure(tour, name):
    """Does the notebook show at least one interactive demo, and does each draw its controls and its figure?"""
    visit = visited(tour, name)
    assert visit.demos, (f"{name} shows no interactive demo (no ipywidgets output): every notebook has one, "
                         "and a demo drawn as a still image means it thought it ran headless")
    broken = [d for d in visit.demos if not (d["controls"] and d["figures"])]
    assert not broken, f"{name}: demos without controls or figure: {broken}"


@per_notebook()
def test_moving_a_slider_changes_the_figure(tour, name):
    """Does clicking a learning-rate slider (else the first slider of the first demo) redraw the demo's figure?"""
    slider = visited(tour, name).slider
    assert slider.get("label") is not None, f"{name}: no demo with a slider to move"
    assert slider["after"] != slider["before"], (
        f"{name}: the figure did not change after moving slider {slider['label']!r} "
        f"({slider['readout_before']} -> {slider['readout_after']})")


def test_validate_reports_success_on_the_solved_notebook(tour):
    """Does nbgrader's Validate button, pressed on a solved notebook, say it passes all the tests?"""
    name = VALIDATED
    validation = visited(tour, name).validation
    assert validation["success"], f"{name}: Validate says {validation['title']}: {validation['text'][:1500]}"


def test_validate_reports_the_failing_cells_of_the_untouched_notebook(tour):
    """Does Validate in the assignment list, on an untouched notebook, list every graded cell as failed?"""
    name = VALIDATED
    if tour.untouched_crash:
        pytest.fail(f"the assignment list could not be used: {tour.untouched_crash}")
    result = tour.untouched.get(name)
    assert result, f"{name} is not in the assignment list's downloaded assignments {tour.listed}"
    assert "crash" not in result, f"{name}: {result.get('crash')}"
    graded = labkit.graded_cells(labkit.read(labkit.ROOT / "notebooks" / name / f"{name}.ipynb"))
    assert result["failed"], f"{name}: Validate on the untouched notebook says: {result['text'][:1500]}"
    assert result["failing_cells"] == len(graded), (
        f"{name}: Validate lists {result['failing_cells']} failing cells, the notebook has {len(graded)} graded cells {graded}")


@per_notebook()
def test_browser_console_has_no_errors(tour, name):
    """Does the browser log no console error or uncaught exception while the notebook is used?"""
    visit = tour.visits[name]
    assert not visit.console, f"{name}: " + "\n".join(visit.console)


def test_browser_console_has_no_errors_in_the_assignment_list_and_menus(tour):
    """Does the browser log no console error in the assignment list and while opening the menus?"""
    assert not tour.console, "\n".join(tour.console)


def test_assignment_list_shows_every_notebook(tour, record_property):
    """Does nbgrader's assignment list show each notebook folder as a downloaded assignment?"""
    record_property("browser_tour_seconds", round(tour.seconds))  # shown at the end of the run (tests/conftest.py)
    record_property("browser_tour_notebooks", len(tour.visits))
    if tour.untouched_crash:
        pytest.fail(f"the assignment list could not be used: {tour.untouched_crash}")
    assert set(NOTEBOOKS) <= set(tour.listed), f"listed {tour.listed}, expected {NOTEBOOKS}"


def test_students_see_their_tools_and_not_the_instructors(tour):
    """Does `make lab` offer the assignment list and Validate, but neither formgrader nor Create Assignment?"""
    if tour.environment_crash:
        pytest.fail(f"the browser could not look at the menus: {tour.environment_crash}")
    env = tour.environment
    assert "Assignment List" in env["nbgrader_menu"], env["nbgrader_menu"]
    assert not [i for i in env["nbgrader_menu"] if "formgrader" in i.lower() or "create" in i.lower()], env["nbgrader_menu"]
    assert not [p for p in env["side_panels"] if "assignment" in p.lower()], f"side panels: {env['side_panels']}"
    assert env["formgrader_status"] == 404, f"/formgrader answers {env['formgrader_status']}: its server extension is on"
    assert all(v.validate_button for v in tour.visits.values() if not v.crash), "a notebook had no Validate button"


def test_no_jupyter_news_pop_up(tour):
    """Does JupyterLab never ask the student about Jupyter news (setting off, and no pop-up during the whole tour)?"""
    if tour.environment_crash:
        pytest.fail(f"the browser could not look at the notifications: {tour.environment_crash}")
    env = tour.environment
    assert env["fetch_news"] == "false", f"fetchNews is {env['fetch_news']!r}: the student's overrides.json is not read"
    assert not [t for t in env["toasts"] if "news" in t.lower()], (
        f"pop-ups after {env['open_seconds']:.0f} s: {env['toasts']}")
