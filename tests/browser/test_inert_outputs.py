"""In a real browser: no student script runs in formgrader or in a feedback page.

A 09-capstone class (a student whose outputs and written answer carry every kind of active content,
tests/hostile_outputs.py, and an honest student) is graded by `gdgrade autograde`. Chromium
then opens, as an instructor would in `make instructor`, formgrader's page of each submission and its
list of submissions, and each student's feedback page. On every page: the marker each student script
would set stays unset (in every frame), no request goes to an address the student chose, clicking the
student's links runs nothing, and the honest parts (the answer text, the table, the PNG picture) show.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import labkit

pytestmark = pytest.mark.xdist_group("browser-inert-outputs")

ASSIGNMENT = "09-capstone"
STUDENTS = ("mallory", "honest")
FORBIDDEN = ("127.0.0.1:9", "/api/contents/solutions", "/api/terminals")


@dataclass
class Seen:
    """What one page showed and did."""

    marker: list = field(default_factory=list)  # window.__pwned in each frame
    requests: list[str] = field(default_factory=list)
    text: str = ""
    tables: int = 0
    pictures: int = 0
    error: str = ""


def build_class(root: Path) -> dict[str, int]:
    """The graded class: 09-capstone released, both students graded by the batch; their formgrader submission ids."""
    from nbgrader.api import Gradebook

    from gdgrade.course import course_config
    from hostile_outputs import grade_class

    grade_class(root)  # a course folder with its own nbgrader_config.py, which formgrader reads
    db_url = course_config(root).CourseDirectory.db_url
    with Gradebook(db_url) as gradebook:
        return {s: gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s).id for s in STUDENTS}


async def look(context, url: str, links: tuple[str, ...] = ("click me", "see")) -> Seen:
    """Open a page, click the student's links, and record the marker, the requests and the honest parts."""
    seen = Seen()
    page = await context.new_page()
    page.on("request", lambda request: seen.requests.append(request.url))
    try:
        await page.goto(url, wait_until="load", timeout=60_000)
        await page.wait_for_timeout(1500)  # time for anything scheduled (onerror, onload, timers) to run
        for text in links:
            for link in await page.get_by_text(text, exact=True).all():
                await link.click(timeout=5_000, no_wait_after=True)
        await page.wait_for_timeout(500)
        for frame in page.frames:
            seen.marker.append(await frame.evaluate("() => window.__pwned === undefined ? null : window.__pwned"))
        seen.text = await page.inner_text("body")
        seen.tables = await page.locator("table:has-text('honest cell 42')").count()
        seen.pictures = await page.locator("img[src^='data:image/png']").count()
    except Exception as error:  # noqa: BLE001 (reported by the test that reads it)
        seen.error = f"{type(error).__name__}: {error}"
    finally:
        await page.close()
    return seen


async def browse(server: labkit.LabServer, root: Path, ids: dict[str, int]) -> dict[str, Seen]:
    """Every page an instructor, a TA or a student would open for this class, seen in one Chromium."""
    from playwright.async_api import async_playwright

    pages = {f"formgrader {s}": f"{server.url}/formgrader/submissions/{i}/?token={server.token}" for s, i in ids.items()}
    pages["formgrader list"] = f"{server.url}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}/?token={server.token}"
    pages.update({f"feedback {s}": (root / "grading" / "feedback" / s / ASSIGNMENT / f"{ASSIGNMENT}.html").as_uri()
                  for s in STUDENTS})
    async with async_playwright() as playwright:
        browser = await labkit.launch_chromium(playwright)
        context = await browser.new_context(viewport=labkit.VIEWPORT)
        try:
            return {name: await look(context, url) for name, url in pages.items()}
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def seen(tmp_path_factory) -> dict[str, Seen]:
    """What Chromium saw on each page (skipped, or failed under CI, without Chromium)."""
    missing = labkit.browser_missing()
    if missing:
        message = f"browser tests need Chromium: {missing}; {labkit.INSTALL_HINT}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("formgrader")
    root = home / "course"
    ids = build_class(root)
    with labkit.lab_server(home, root, config=labkit.INSTRUCTOR_CONFIG) as server:
        return asyncio.run(browse(server, root, ids))


PAGES = ["formgrader mallory", "formgrader honest", "formgrader list", "feedback mallory", "feedback honest"]


@pytest.mark.parametrize("name", PAGES)
def test_no_student_script_runs_and_nothing_is_fetched_for_it(seen, name: str) -> None:
    """The marker stays unset in every frame and no request goes where the student's code pointed."""
    page = seen[name]
    assert not page.error, page.error
    assert page.marker and all(m is None for m in page.marker), f"a student script ran on {name}: {page.marker}"
    assert not [u for u in page.requests if any(f in u for f in FORBIDDEN)], page.requests


@pytest.mark.parametrize("name", ["formgrader mallory", "feedback mallory", "formgrader honest", "feedback honest"])
def test_honest_parts_still_show(seen, name: str) -> None:
    """The student's words, their HTML table and their PNG picture are on the page (the honest one has no table)."""
    from hostile_outputs import HONEST_TEXT, HONEST_WORDS

    page = seen[name]
    assert not page.error, page.error
    assert "Optimiser: heavy-ball momentum" in page.text
    if "mallory" in name:
        assert HONEST_WORDS in page.text
    if name == "formgrader mallory":  # feedback shows no output of the student's cells (what is owed: tests' results)
        assert HONEST_TEXT in page.text and page.tables >= 1 and page.pictures >= 1
