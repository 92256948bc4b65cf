"""One JupyterLab and one Chromium for all browser tests: a tour of the course, recorded once, asserted by each test.

The tour opens every solved notebook in one of three tabs, one notebook after another in each (the next one from
File > Open from Path…, the last one closed with File > Close and Shut Down Notebook…, as a student goes on),
runs all its cells and moves a slider; in one of them (VALIDATED) it presses Validate. Meanwhile one more tab
looks at the student's menus and validates that notebook's untouched version from nbgrader's assignment list. Validate is pressed once
each way: that every solution passes and every untouched notebook fails is proven for each notebook by the
grading round trips (tests/test_grading_roundtrip.py); here the browser proves that the buttons
work and say so. The tests then ask questions of what was seen. Without Chromium they are skipped (tests/conftest.py says so plainly at the
end of the run); under CI=true they fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import labkit

NOTEBOOKS = labkit.released_notebooks()
VALIDATED = labkit.VALIDATED
PARALLEL_TABS = 3

SNAPSHOTS = Path(tempfile.gettempdir()) / "gdlab-browser-failures"


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass
class Visit:
    """What a student would have seen in one solved notebook."""

    name: str
    crash: str | None = None
    cells: dict = field(default_factory=dict)
    demos: list = field(default_factory=list)
    slider: dict = field(default_factory=dict)
    validate_button: bool = False
    validation: dict = field(default_factory=dict)
    console: list = field(default_factory=list)
    seconds: float = 0.0
    steps: dict = field(default_factory=dict)  # seconds from the tab's start to the end of each step
    notes: list = field(default_factory=list)  # hiccups a student could live with


@dataclass
class Tour:
    """Everything the browser saw: one Visit per notebook, the untouched validations, the student's menus."""

    visits: dict = field(default_factory=dict)
    untouched: dict = field(default_factory=dict)
    listed: list = field(default_factory=list)
    untouched_crash: str | None = None
    environment: dict = field(default_factory=dict)
    environment_crash: str | None = None
    console: list = field(default_factory=list)
    seconds: float = 0.0
    turns: dict = field(default_factory=dict)  # seconds the server was held, by kind (see Turns)
    server_log: str = ""


class Turns:
    """Who has the server: nbgrader's Validate runs a whole notebook inside the server's event loop, which answers
    nothing else meanwhile, and a notebook opened during that wait may lose track of its new kernel. So openings
    and validations take turns (`async with turns("open"): ...`); the seconds each kind held the server are kept."""

    def __init__(self) -> None:
        self.lock, self.seconds = asyncio.Lock(), {}

    @contextlib.asynccontextmanager
    async def __call__(self, kind: str):
        async with self.lock:
            start = time.monotonic()
            try:
                yield
            finally:
                self.seconds[kind] = self.seconds.get(kind, 0.0) + time.monotonic() - start


def _crash(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()


async def snapshot(page, name: str) -> str:
    """Save what the tab shows when something went wrong; return a line saying where."""
    path = SNAPSHOTS / f"{name}.png"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(path))
    except Exception:
        return ""
    return f"\n(the tab at that moment: {path})"


async def visit_solved(page, server, name: str, first: bool, lane: str, hold: Turns, notes: list) -> Visit:
    """In the lane's page, open solved/<name> (the page's first notebook by its address, the next ones from the File menu):
    run all, look at every output and demo, move a slider, press Validate (VALIDATED only), then close it."""
    visit, start = Visit(name, notes=notes), time.monotonic()
    path = f"solved/{name}/{name}.ipynb"
    # Not while a Validate holds the server: JupyterLab may lose track of a kernel it is connecting to.
    async with hold("open"):
        if first:
            panel = await labkit.open_notebook(page, server, path, lane, visit.notes)
        else:
            panel = await labkit.open_next_notebook(page, path, visit.notes)
        visit.steps["open"] = time.monotonic() - start
        await labkit.start_run_all(page, panel, visit.notes)
    await labkit.finish_run_all(page, panel, notes=visit.notes)
    visit.steps["run all"] = time.monotonic() - start
    visit.cells = await labkit.cell_report(panel)
    visit.demos = await labkit.demo_report(panel)
    visit.slider = await labkit.move_slider(panel)
    visit.steps["demos"] = time.monotonic() - start
    visit.validate_button = await panel.locator(".validate-button, button:has-text('Validate')").count() > 0
    if name == VALIDATED:
        async with hold("validate solved"):
            visit.validation = await labkit.validate(page, panel)
        visit.steps["validate"] = time.monotonic() - start
    await labkit.close_notebook(page, panel)
    return visit


async def visit_lane(context, server, lane: str, queue: list[str], hold: Turns) -> list[Visit]:
    """One tab: solved notebooks from `queue`, one after another in the same JupyterLab page, as a student goes from one
    notebook to the next. The console errors logged while a notebook is open are its own. After a notebook the
    browser could not finish, the next one gets a new page."""
    visits, page, console = [], None, None
    while queue:
        name, start = queue.pop(0), time.monotonic()
        notes = []
        first = page is None
        if first:
            page = await context.new_page()
            console = labkit.ConsoleLog(page)
            await labkit.answer_kernel_questions(page, lambda: notes)
        seen = len(console.errors)
        try:
            visit = await visit_solved(page, server, name, first, lane, hold, notes)
        except Exception as error:  # recorded: each test of this notebook reports it
            visit = Visit(name, crash=_crash(error) + await snapshot(page, name), notes=notes)
            with contextlib.suppress(Exception):
                await page.close()
            page = None
        visit.console = console.errors[seen:]
        with contextlib.suppress(Exception):  # only to free memory (the notebook's own menu has shut its kernel down)
            await server.shut_down_kernels(context.request, f"solved/{name}/")
        visit.seconds = time.monotonic() - start
        visits.append(visit)
    if page is not None:
        await page.close()
    return visits


async def student_tools(context, server, tour: Tour, hold: Turns, done: asyncio.Event) -> None:
    """The student's own JupyterLab page: the Nbgrader menu and side panels; Validate on the untouched VALIDATED
    notebook from nbgrader's assignment list; and, once every other tab has finished, no news pop-up."""
    page = await context.new_page()
    console = labkit.ConsoleLog(page)
    env, opened = tour.environment, time.monotonic()
    try:
        await labkit.open_lab(page, server, "", "student")
        await page.locator("#jp-menu-panel").get_by_role("menuitem", name="Nbgrader", exact=True).click()
        items = page.locator("#jp-mainmenu-nbgrader .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
        env["nbgrader_menu"] = [t.strip() for t in await items.all_text_contents()]
        await page.keyboard.press("Escape")
        env["side_panels"] = await page.evaluate(
            "() => Array.from(document.querySelectorAll('.jp-SideBar .lm-TabBar-tab')).map(t => t.title || t.textContent)")
        headers = {"Authorization": f"token {server.token}"}
        env["formgrader_status"] = (await page.request.get(f"{server.url}/formgrader", headers=headers)).status
        settings = await (await page.request.get(
            f"{server.url}/lab/api/settings/@jupyterlab/apputils-extension:notification", headers=headers)).json()
        env["fetch_news"] = settings["settings"].get("fetchNews", settings["schema"]["properties"]["fetchNews"]["default"])
    except Exception as error:
        tour.environment_crash = _crash(error)
    try:
        await labkit.menu(page, "Nbgrader", "Assignment List")
        fetched = page.locator("#fetched_assignments_list")
        await fetched.locator(".assignment-notebooks-link").first.wait_for(timeout=30_000)
        tour.listed = [t.strip() for t in await fetched.locator(".assignment-notebooks-link").all_text_contents()]
        for name in [VALIDATED]:
            try:
                await fetched.locator(f"a.assignment-notebooks-link[href='#nbgrader-gdlab-{name}']").click()
                notebooks = page.locator(f"#nbgrader-gdlab-{name}")
                await notebooks.locator("button:has-text('Validate')").first.wait_for(state="visible")
                async with hold("validate untouched"):
                    tour.untouched[name] = await labkit.validate(page, notebooks)
            except Exception as error:
                tour.untouched[name] = {"crash": _crash(error) + await snapshot(page, f"untouched-{name}")}
    except Exception as error:
        tour.untouched_crash = _crash(error) + await snapshot(page, "assignment-list")
    try:
        await done.wait()  # the news pop-up, if any, comes seconds after start-up and stays until answered
        env["toasts"] = [t.strip() for t in await page.locator(".Toastify__toast").all_text_contents()]
        env["open_seconds"] = time.monotonic() - opened
    except Exception as error:
        tour.environment_crash = tour.environment_crash or _crash(error)
    finally:
        tour.console += console.errors
        await page.close()


async def take_tour(server) -> Tour:
    from playwright.async_api import async_playwright

    tour = Tour()
    start = time.monotonic()
    async with async_playwright() as playwright:
        browser = await labkit.launch_chromium(playwright)
        context = await browser.new_context(viewport=labkit.VIEWPORT)
        context.set_default_timeout(labkit.ACTION_TIMEOUT_MS)  # two shared cores: Playwright's 30 s is too tight
        done, hold, queue = asyncio.Event(), Turns(), list(NOTEBOOKS)
        student = asyncio.create_task(student_tools(context, server, tour, hold, done))
        lanes = await asyncio.gather(*(visit_lane(context, server, f"lane-{i}", queue, hold) for i in range(PARALLEL_TABS)))
        done.set()
        await student
        tour.visits = {v.name: v for visits in lanes for v in visits}
        await browser.close()
    tour.seconds = time.monotonic() - start
    tour.turns = hold.seconds
    return tour


@pytest.fixture(scope="session")
def tour(tmp_path_factory) -> Tour:
    """The recorded tour of the course in JupyterLab (skipped, or failed under CI, without Chromium)."""
    missing = labkit.browser_missing()
    if missing:
        message = f"browser tests need Chromium: {missing}; {labkit.INSTALL_HINT}"
        if on_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("jupyterlab")
    root = labkit.write_course(home / "course", NOTEBOOKS)
    with labkit.lab_server(home, root) as server:
        result = asyncio.run(take_tour(server))
        result.server_log = server.log_text()
    return result

