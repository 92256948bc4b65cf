"""A class on the shared JupyterHub (deploy/), end to end in Chromium, with real parts.

deploy/setup.sh prepares the hub in a temporary prefix with a private PostgreSQL gradebook, an
instructor and two students (tests/browser/hubkit.py). Then, as people would:
1. the instructor releases 01-slope with `nbgrader release_assignment`, from the course;
2. the first student logs in, fetches it from the assignment list, writes the solution into the
   answer cells (through the contents API), presses Validate, then Submit;
3. the second student submits the untouched notebook, and tries to hand one in under the first
   student's name;
4. the instructor collects, grades with `gdgrade autograde` into the PostgreSQL gradebook,
   and releases feedback;
5. each student fetches feedback in the assignment list and reads their own score (full marks, 0),
   with no hidden test in sight;
6. the second student can read neither the first student's work nor the course.
Without root, PostgreSQL, bubblewrap, configurable-http-proxy or Chromium it is skipped; under CI=true it fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

import hubkit
import labkit
from coursekit import answered, read

pytestmark = pytest.mark.xdist_group("browser-hub")
ASSIGNMENT = "01-slope"
ANN, BOB = hubkit.STUDENTS
HIDDEN_TEST_LINE = "rng = np.random.default_rng(202)"  # a line of one of 01-slope's hidden tests
SCREENSHOTS = os.environ.get("GDLAB_HUB_SCREENSHOTS")  # a folder: keep the assignment list's pictures there


@dataclass
class Story:
    """What happened, step by step, and what each student saw."""

    seconds: dict[str, float] = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    submitted: dict[str, list[str]] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    menus: dict[str, list[str]] = field(default_factory=dict)
    formgrader_status: dict[str, int] = field(default_factory=dict)
    server_memory_mb: float = 0.0
    logs: dict[str, str] = field(default_factory=dict)


async def assignment_list(page):
    """Nbgrader > Assignment List; its panel once the released assignments are listed."""
    await labkit.menu(page, "Nbgrader", "Assignment List")
    await page.locator("#released_assignments_list, #fetched_assignments_list").first.wait_for()
    return page


async def fetch(page) -> None:
    """Fetch the assignment from the assignment list."""
    await assignment_list(page)
    await page.locator("#released_assignments_list button:has-text('Fetch')").first.click()
    await page.locator("#fetched_assignments_list .list_item:not(.nested_list_item):has-text('01-slope')").wait_for()


async def submit(page) -> list[str]:
    """Submit from the assignment list; the submissions it then lists."""
    await assignment_list(page)
    await page.locator("#fetched_assignments_list .list_item:not(.nested_list_item):has-text('01-slope') button:has-text('Submit')").first.click()
    await page.locator("#submitted_assignments_list .list_item:not(.nested_list_item):has-text('01-slope')").first.wait_for()
    return [t.strip() for t in await page.locator("#submitted_assignments_list .list_item:not(.nested_list_item)").all_text_contents()]


async def put_notebook(page, hub: hubkit.Hub, user: str, nb) -> None:
    """Save a notebook into the student's fetched assignment through the server's contents API, as JupyterLab saves."""
    xsrf = next(c["value"] for c in await page.context.cookies() if c["name"] == "_xsrf")
    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    response = await page.request.put(f"{hub.url}/user/{user}/api/contents/{path}", headers={"X-XSRFToken": xsrf},
                                      data={"type": "notebook", "format": "json", "content": nbformat.from_dict(nb)})
    assert response.ok, f"saving {path} as {user}: {response.status} {await response.text()}"


async def open_and_validate(page, hub: hubkit.Hub, user: str) -> dict:
    """Open the fetched notebook and press its Validate button."""
    await page.goto(f"{hub.url}/user/{user}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    await panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)
    return await labkit.validate(page, panel)


async def fetch_feedback(page, hub: hubkit.Hub, user: str) -> str:
    """Fetch Feedback in the assignment list; the text of the feedback page it brings."""
    await assignment_list(page)
    item = page.locator("#submitted_assignments_list .list_item:not(.nested_list_item):has-text('01-slope')").first
    await item.locator("button:has-text('Fetch Feedback')").click()
    await page.locator("#submitted_assignments_list").get_by_text("view feedback").first.wait_for()
    feedback = sorted((hub.home(user) / ASSIGNMENT / "feedback").glob("*/01-slope.html"))
    assert feedback, f"{user}: the assignment list fetched no feedback"
    response = await page.request.get(f"{hub.url}/user/{user}/files/{feedback[-1].relative_to(hub.home(user))}")
    return await response.text()


async def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / name))


async def play(hub: hubkit.Hub) -> Story:
    from playwright.async_api import async_playwright

    story = Story()
    source = read(hubkit.ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    hub.nbgrader(hubkit.INSTRUCTOR, "release_assignment", ASSIGNMENT)  # 1
    async with async_playwright() as playwright:
        browser = await labkit.launch_chromium(playwright)
        contexts = {u: await browser.new_context(viewport=labkit.VIEWPORT) for u in (ANN, BOB, hubkit.INSTRUCTOR)}
        for context in contexts.values():
            context.set_default_timeout(labkit.ACTION_TIMEOUT_MS)
        start = time.monotonic()
        ann = await hubkit.log_in(contexts[ANN], hub, ANN)  # 2
        story.seconds["login_to_lab"] = time.monotonic() - start
        await page_menu(ann, story, ANN)
        await fetch(ann)
        await shoot(ann, "hub-assignment-list-fetched.png")
        fetched = read(hub.home(ANN) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        await put_notebook(ann, hub, ANN, answered(fetched, source))
        start = time.monotonic()
        story.validation[ANN] = await open_and_validate(ann, hub, ANN)
        story.seconds["open_and_validate"] = time.monotonic() - start
        story.server_memory_mb = hubkit.user_memory_mb(ANN)
        submit_clicked = time.monotonic()
        story.submitted[ANN] = await submit(ann)
        bob = await hubkit.log_in(contexts[BOB], hub, BOB)  # 3
        await page_menu(bob, story, BOB)
        await fetch(bob)
        story.submitted[BOB] = await submit(bob)
        hub.nbgrader(BOB, "submit", ASSIGNMENT, f"--student={ANN}")  # a forgery, newer than Ann's own submission
        teacher = await hubkit.log_in(contexts[hubkit.INSTRUCTOR], hub, hubkit.INSTRUCTOR)
        await page_menu(teacher, story, hubkit.INSTRUCTOR)
        collect = hub.nbgrader(hubkit.INSTRUCTOR, "collect", ASSIGNMENT)  # 4
        story.seconds["submit_to_collected"] = time.monotonic() - submit_clicked
        story.logs["collect"] = collect.stdout + collect.stderr
        grading = hub.as_user(hubkit.INSTRUCTOR, "python", "-m", "gdgrade", "autograde", "--quiet", cwd=hub.course)
        story.logs["autograde"] = grading.stdout + grading.stderr
        hub.nbgrader(hubkit.INSTRUCTOR, "release_feedback", ASSIGNMENT)
        await shoot(ann, "hub-assignment-list-before-feedback.png")
        for user, page in ((ANN, ann), (BOB, bob)):  # 5
            story.feedback[user] = await fetch_feedback(page, hub, user)
        await shoot(ann, "hub-assignment-list-after-feedback.png")
        await browser.close()
    return story


async def page_menu(page, story: Story, user: str) -> None:
    """The user's Nbgrader menu, and whether their server answers for formgrader."""
    await page.locator("#jp-menu-panel").get_by_role("menuitem", name="Nbgrader", exact=True).click()
    items = page.locator("#jp-mainmenu-nbgrader .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    story.menus[user] = [t.strip() for t in await items.all_text_contents()]
    await page.keyboard.press("Escape")
    story.formgrader_status[user] = (await page.request.get(f"{page.url.split('/lab')[0]}/formgrader")).status


@pytest.fixture(scope="module")
def hub_class():
    if problem := hubkit.hub_missing():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(problem)
        pytest.skip(problem)
    with hubkit.running_hub() as hub:
        yield hub, asyncio.run(play(hub))


def score(page: str) -> tuple[float, float]:
    """The total score at the top of nbgrader's feedback page."""
    found = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", page)
    assert found, f"no total score in the feedback page: {page[:500]}"
    return float(found[1]), float(found[2])


def test_students_see_the_assignment_list_and_validate_but_no_instructor_tools(hub_class):
    _, story = hub_class
    for student in (ANN, BOB):
        assert "Assignment List" in story.menus[student], story.menus
        assert not {"Formgrader", "Create Assignment"} & set(story.menus[student]), story.menus[student]
        assert story.formgrader_status[student] == 404, story.formgrader_status
    assert "Formgrader" in story.menus[hubkit.INSTRUCTOR], story.menus
    assert story.formgrader_status[hubkit.INSTRUCTOR] == 200


def test_the_solved_notebook_validates_and_both_students_submit(hub_class):
    _, story = hub_class
    assert story.validation[ANN]["success"], story.validation[ANN]["text"]
    assert all(story.submitted[s] for s in (ANN, BOB)), story.submitted


def test_collect_refuses_the_submission_bob_filed_under_ann_s_name(hub_class):
    hub, story = hub_class
    assert f"claims to come from {ANN} but belongs to {BOB}: not collected" in story.logs["collect"], story.logs["collect"]
    for student in (ANN, BOB):
        assert (hub.course / "grading" / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()


def test_grading_into_postgres_gives_full_marks_and_zero(hub_class):
    hub, story = hub_class
    assert "could not grade 0" in story.logs["autograde"] and "autograded 2" in story.logs["autograde"], story.logs["autograde"]
    query = ("import json, os; from nbgrader.api import Gradebook\n"
             "with Gradebook(os.environ['GDLAB_DB_URL']) as g:\n"
             f"    print(json.dumps({{s.student_id: [s.score, s.max_score] for s in g.find_assignment({ASSIGNMENT!r}).submissions}}))")
    got = json.loads(hub.as_user(hubkit.INSTRUCTOR, "python", "-c", query).stdout)  # the instructor's own database login
    assert got[ANN][0] == got[ANN][1] > 0 and got[BOB][0] == 0, got


def test_each_student_fetches_their_own_score_and_no_hidden_test(hub_class):
    _, story = hub_class
    full, top = score(story.feedback[ANN])
    assert full == top > 0, (full, top)
    assert score(story.feedback[BOB])[0] == 0
    for page in story.feedback.values():
        assert HIDDEN_TEST_LINE not in page and "BEGIN HIDDEN TESTS" not in page


def test_a_student_reads_neither_another_s_work_nor_the_course(hub_class):
    hub, _ = hub_class
    for path in (hub.home(ANN) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", hub.course / "nbgrader_config.py",
                 hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"):
        attempt = hub.as_user(BOB, "cat", str(path), check=False)
        assert attempt.returncode != 0 and "Permission denied" in attempt.stderr, (path, attempt.stdout[:200])
    listing = hub.as_user(BOB, "ls", str(hub.exchange / "gdlab" / "inbound"), check=False)
    assert listing.returncode != 0 and "Permission denied" in listing.stderr


def test_timings_and_memory_are_reported(hub_class, record_property):
    _, story = hub_class
    for name, seconds in story.seconds.items():
        record_property(f"hub_{name}_seconds", round(seconds, 1))
    record_property("hub_student_server_mb", round(story.server_memory_mb))
    assert 0 < story.server_memory_mb < 2048, story.server_memory_mb
