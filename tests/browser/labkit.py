"""The student's JupyterLab in a real browser: a temporary copy of the course, its server, Chromium, and what a student does.

Used by the browser tests (conftest.py, test_jupyterlab.py) and by `make screenshots` (screenshots.py).
The server is started exactly as `make lab` starts it (jupyter/student.py), on 127.0.0.1 with a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from coursekit import ROOT, answer_cells, answered, nbgrader_meta, read

VALIDATED = "02-first-steps"  # the notebook the tour validates in the browser, solved and untouched (a text answer too)
# Debian's headless shell (package chromium-headless-shell) when installed: Chromium's engine without the browser's
# window and UI, what Playwright itself runs for headless tests; the browser tests took 132-145 s with it and 190-207 s
# with the whole browser (measured here, alone). Else Debian's Chromium; GDLAB_CHROMIUM picks another binary.
CHROMIUM_BINARIES = (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM = Path(os.environ.get("GDLAB_CHROMIUM")
                or next((p for p in CHROMIUM_BINARIES if p.is_file()), CHROMIUM_BINARIES[-1]))
# Without the networking flags Chromium keeps calling Google's services, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
INSTALL_HINT = ("install Chromium's headless shell with `sudo apt-get install chromium-headless-shell` (Debian; "
                "`chromium` works too, slower), or point GDLAB_CHROMIUM at a Chromium or Chrome binary")
STUDENT_CONFIG = ROOT / "jupyter" / "student.py"
INSTRUCTOR_CONFIG = ROOT / "jupyter" / "instructor.py"
VIEWPORT = {"width": 1280, "height": 800}
ACTION_TIMEOUT_MS = 120_000  # a click or wait may queue behind a busy kernel on a loaded two-core machine

STDERR = "application/vnd.jupyter.stderr"  # JupyterLab draws tracebacks and warnings with this type
CONTROLS = (".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-radio-box, .widget-checkbox, "
            ".widget-button, .widget-text, .widget-play, select, input")
# One "demo" is one widget output: JupyterLab marks every other output with its MIME type, not these.
DEMOS = (".jp-OutputArea-output:not([data-mime-type]), "
         ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.widget-view+json']")


def released_notebooks() -> list[str]:
    """The notebooks students get: every notebooks/<id>/<id>.ipynb, in course order."""
    return sorted(p.name for p in (ROOT / "notebooks").iterdir() if (p / f"{p.name}.ipynb").is_file())


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None if they can)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (it comes with `pip install -e \".[test]\"`)"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}"
    return None


def graded_cells(nb) -> list[str]:
    """The grade_ids of the graded cells: the autograded tests, and any answer graded by hand (which, left as
    released, Validate also reports as failed)."""
    return [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c).get("grade")]


def write_course(dest: Path, notebooks: list[str], solved: bool = True, untouched: bool = True,
                 answers_before: dict[str, str] | None = None) -> Path:
    """A server root holding each released notebook at <id>/<id>.ipynb (untouched) and its solved copy at
    solved/<id>/<id>.ipynb: the instructor's source notebook, the student's code with every answer and the hidden tests.

    `answers_before` (id -> text of a code cell) answers only the exercises above that cell in the
    untouched copy: a student half way through, who has not seen the later solutions yet.
    """
    root = dest / "notebooks"
    for name in notebooks:
        solution_path = ROOT / "solutions" / name / f"{name}.ipynb"
        if untouched:
            student = read(ROOT / "notebooks" / name / f"{name}.ipynb")
            if answers_before and name in answers_before:
                student = answered_above(student, read(solution_path), answers_before[name])
            (root / name).mkdir(parents=True, exist_ok=True)
            nbformat.write(student, str(root / name / f"{name}.ipynb"))
        if solved:
            (root / "solved" / name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(solution_path, root / "solved" / name / f"{name}.ipynb")
    return root


def answered_above(released, source, marker: str):
    """The released notebook with the exercises above the first code cell containing `marker` answered."""
    index = next(i for i, c in enumerate(released.cells) if c.cell_type == "code" and marker in c.source)
    above = {nbgrader_meta(c)["grade_id"] for c in released.cells[:index] if nbgrader_meta(c).get("solution")}
    later = {g: c.source for g, c in answer_cells(released).items() if g not in above}
    return answered(released, source, later)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab, started the way `make lab` starts it, in a temporary home."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, path: str, workspace: str) -> str:
        """The address of `path` (under /lab/tree; "" for none) in its own workspace, so tabs side by side do not share a layout."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab/workspaces/{workspace}{tree}?token={self.token}"

    def get(self, path: str) -> tuple[int, bytes]:
        """GET a server address with the token: (status, body)."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    async def shut_down_kernels(self, request, path_part: str) -> None:
        """Shut down the kernels of the notebooks whose path contains `path_part` (frees memory for the next tabs).

        `request` is a Playwright APIRequestContext (context.request): asynchronous, so the other tabs go on meanwhile.
        """
        headers = {"Authorization": f"token {self.token}"}
        sessions = await request.get(f"{self.url}/api/sessions", headers=headers)
        for session in await sessions.json() if sessions.ok else []:
            if path_part in session.get("path", ""):
                await request.delete(f"{self.url}/api/sessions/{session['id']}", headers=headers, timeout=60_000)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def lab_server(home: Path, root: Path, timeout: float = 60.0, config: Path = STUDENT_CONFIG):
    """Start JupyterLab on `root` (its working folder, as `make lab` does) with the student configuration (or
    `config`, e.g. INSTRUCTOR_CONFIG as `make instructor` does); yield a LabServer."""
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in ("GDLAB_HEADLESS", "NBGRADER_EXECUTION", "JUPYTER_CONFIG_PATH")}
    for name, folder in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
        env[name] = str(home / folder)  # nothing from the developer's own ~/.jupyter or ~/.ipython
        (home / folder).mkdir(parents=True, exist_ok=True)
    log = home / "jupyterlab.log"
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", f"--config={config}",
               "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", "--allow-root"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = LabServer(root, port, token, process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{server.log_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if server.get("/api/status")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{server.log_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def launch_chromium(playwright):
    """Debian's Chromium (its headless shell when installed), headless, through Playwright."""
    return await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


class ConsoleLog:
    """Every console error and uncaught exception of a page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


async def open_lab(page, server: LabServer, path: str, workspace: str) -> None:
    """Open a path in JupyterLab and wait until the application has started."""
    await page.goto(server.page(path, workspace))
    await page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)


async def open_notebook(page, server: LabServer, path: str, workspace: str, notes: list | None = None,
                        timeout: float = 60.0):
    """Open a notebook and wait until its kernel is idle; return the notebook panel.

    When the server is slow to answer (nbgrader's Validate holds it while it runs a notebook), JupyterLab
    may ask which kernel to start; like a student, press Select (the default, Python 3), and note it.
    """
    await open_lab(page, server, path, workspace)
    return await opened_notebook(page, path, notes, timeout)


async def open_next_notebook(page, path: str, notes: list | None = None, timeout: float = 60.0):
    """In a JupyterLab page already open, open another notebook as a student would (File > Open from Path…) and wait
    until its kernel is idle; return its panel. (A new page would load JupyterLab again: 2-3 s of Chromium's CPU.)"""
    await menu(page, "File", "Open from Path…")
    dialog = page.locator(".jp-Dialog:has(.jp-Dialog-header:text-is('Open Path'))")
    await dialog.locator("input").fill(path)
    await dialog.locator(".jp-mod-accept").click()
    await dialog.wait_for(state="detached")
    return await opened_notebook(page, path, notes, timeout)


async def opened_notebook(page, path: str, notes: list | None, timeout: float):
    """The panel of the notebook just opened (the page's only one), once its kernel is idle; "Select Kernel" answered."""
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    idle = panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    ask = kernel_question(page)
    deadline = time.monotonic() + timeout
    while not await idle.count():
        await select_python(ask, notes)
        if time.monotonic() > deadline:
            raise TimeoutError(f"the kernel of {path} was not idle after {timeout:.0f} s")
        await asyncio.sleep(0.2)
    return page.locator(f".jp-NotebookPanel[id='{await panel.get_attribute('id')}']")


async def close_notebook(page, panel) -> None:
    """File > Close and Shut Down Notebook…, and confirm: the panel goes and its kernel stops (nothing is saved)."""
    await panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # this notebook is the one the menu acts on
    await menu(page, "File", "Close and Shut Down Notebook…")
    await page.locator(".jp-Dialog:has(.jp-Dialog-header:text-is('Shut down the notebook?')) .jp-mod-accept").click()
    await panel.wait_for(state="detached")


async def menu(page, *labels: str, attempts: int = 3) -> None:
    """Click through the menu bar: menu(page, "Run", "Run All Cells").

    A click on the menu bar that lands while the previous menu is still closing closes the new one at once (seen
    under load), so the top menu is opened again, as a person would, until its first item shows.
    """
    top = page.locator("#jp-menu-panel").get_by_role("menuitem", name=labels[0], exact=True)
    items = [menu_item(page, label) for label in labels[1:]]
    for attempt in range(attempts):
        await top.click()
        if not items:
            return
        try:
            await items[0].wait_for(state="visible", timeout=10_000)
            break
        except Exception:
            if attempt == attempts - 1:
                raise
            await page.keyboard.press("Escape")
    for item in items:
        await item.click()


def menu_item(page, label: str):
    """The item of an open menu whose label is `label` (its shortcut, if any, is not part of the label)."""
    label_is = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(".lm-Menu .lm-Menu-item:not(.lm-mod-hidden)").filter(has=label_is).last


CELLS_DONE = """panel => {
  const busy = panel.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]') === null;
  const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim());
  return !busy && prompts.length > 0 && /\\d/.test(prompts[0]) && !prompts.some(p => p.includes('*'));
}"""


STARTED = """panel => Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
  .some(p => /[*\\d]/.test(p.textContent))"""


async def start_run_all(page, panel, notes: list | None = None) -> None:
    """Run > Run All Cells, and wait until the first cell has started."""
    handle = await panel.element_handle()
    for attempt in range(3):
        await accept_kernel_question(page, panel, notes)
        await panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # focus this notebook for the menu
        await menu(page, "Run", "Run All Cells")
        try:
            await page.wait_for_function(STARTED, arg=handle, timeout=5_000)
            return
        except Exception:
            if attempt == 2:
                raise


KERNEL_QUESTION_NOTE = "JupyterLab asked which kernel to start (pressed Select)"
KERNEL_KEPT_NOTE = "JupyterLab asked again while the notebook's kernel ran (pressed Cancel: kept it)"
KERNEL_ALIVE = ("idle", "busy")


def kernel_question(page):
    """JupyterLab's "Select Kernel" dialog, which it shows when it has lost track of a notebook's kernel."""
    return page.locator(".jp-Dialog:has(.jp-Dialog-header:text-is('Select Kernel'))")


async def kernel_running(page, timeout: float = 30.0) -> bool:
    """Whether the notebook shown in the page has a running kernel (idle or busy), waiting up to `timeout` s while one
    starts (its status passes through "unknown", "starting", "initializing"...) or reconnects; False for none or dead."""
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    deadline = time.monotonic() + timeout
    while await panel.count() and "No Kernel" not in (await panel.locator(".jp-KernelName").first.text_content() or ""):
        status = await panel.locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status")
        if status in KERNEL_ALIVE:
            return True
        if status == "dead" or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.25)
    return False


async def select_python(dialog, notes: list | None, attempts: int = 3) -> None:
    """Answer the "Select Kernel" dialog as a student would, and note that it asked: Select (Python 3) when the notebook
    has no running kernel, Cancel when it has one. JupyterLab queues one question per cell when Run All finds no kernel,
    and each Select would start yet another kernel (the cells waiting on the last one lost): so after the first Select the
    queued questions are dismissed, once that kernel runs. At most `attempts` Selects; a dialog already answered (by the
    handler of `answer_kernel_questions`, which runs before any click) is left alone."""
    from playwright.async_api import Error as PlaywrightError

    selects = 0
    for _ in range(attempts + 60):  # the Cancels are bounded too: one per cell at most
        if selects == attempts or not await dialog.count():
            return
        keep = await kernel_running(dialog.page)
        selects += not keep
        if notes is not None:
            notes.append(KERNEL_KEPT_NOTE if keep else KERNEL_QUESTION_NOTE)
        with contextlib.suppress(PlaywrightError):  # it may be gone already: answered, or closed by JupyterLab
            asked = await dialog.first.element_handle(timeout=5_000)
            await (await asked.query_selector(".jp-mod-reject" if keep else ".jp-mod-accept")).click(timeout=5_000)
            # A busy page closes it late: wait, so that one question never gets two answers. (Not for the locator to
            # detach: JupyterLab shows the next queued question in its place at once.)
            await asked.wait_for_element_state("hidden", timeout=10_000)


async def answer_kernel_questions(page, notes: Callable[[], list]) -> None:
    """From now on, whenever the "Select Kernel" dialog stands in the way of a click, answer it as a student would
    (`select_python`) and note it in `notes()` (the notes of the notebook in use). JupyterLab asks when the server was too
    slow to answer (a Validate holds it while it runs a notebook; a busy machine), at any moment, not only when a
    notebook opens."""
    # no_wait_after: the handler answers as often as JupyterLab asks, then the action goes on (Playwright would otherwise
    # wait for the dialog to be hidden, and a second question right after the first held it until its timeout).
    from playwright.async_api import Error as PlaywrightError

    async def answer(dialog) -> None:
        try:
            await select_python(dialog, notes())
        except PlaywrightError:
            if not page.is_closed():
                raise  # else the page was closed while it answered (after a crash): nothing is left to answer

    await page.add_locator_handler(kernel_question(page), answer, no_wait_after=True)


async def accept_kernel_question(page, panel, notes: list | None = None) -> None:
    """If JupyterLab asks which kernel to start (it lost track of its kernel while the server was held up by a
    Validate), answer like a student: Select (Python 3), and wait for the kernel."""
    ask = kernel_question(page)
    if await ask.count():
        await select_python(ask, notes)
        await idle_kernel(panel)


async def finish_run_all(page, panel, timeout: float = 120.0, notes: list | None = None) -> None:
    """Wait until the kernel has run every cell (or stopped at an error). If JupyterLab loses the kernel on the way
    and asks which to start, answer it and run all cells again, as a student would: whether the question is answered
    here or by the page's handler (`answer_kernel_questions`, same `notes`), the cells then wait for a kernel that is gone."""
    notes = notes if notes is not None else []
    asked, runs = notes.count(KERNEL_QUESTION_NOTE), 1
    deadline = time.monotonic() + timeout
    while not await panel.evaluate(CELLS_DONE):
        await accept_kernel_question(page, panel, notes)
        if notes.count(KERNEL_QUESTION_NOTE) > asked and runs < 3:
            asked, runs = notes.count(KERNEL_QUESTION_NOTE), runs + 1
            await idle_kernel(panel)
            await start_run_all(page, panel, notes)
            deadline = time.monotonic() + timeout
        if time.monotonic() > deadline:
            raise TimeoutError(f"the cells had not all run after {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def run_all(page, panel, notes: list | None = None, timeout: float = 120.0) -> None:
    """Run > Run All Cells, and wait until the kernel has finished (or stopped at an error)."""
    await start_run_all(page, panel, notes)
    await finish_run_all(page, panel, timeout, notes)


async def idle_kernel(panel, timeout: float = 60.0) -> None:
    await panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=timeout * 1000)


async def cell_report(panel) -> dict:
    """The prompts of the code cells and the text of every error or warning shown in an output."""
    return await panel.evaluate("""(panel, stderr) => ({
      prompts: Array.from(panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim()),
      errors: Array.from(panel.querySelectorAll(`.jp-OutputArea-output[data-mime-type="${stderr}"]`))
                   .map(o => o.textContent.slice(0, 800)),
    })""", STDERR)


async def demo_report(panel, timeout: float = 60_000) -> list[dict]:
    """Each widget output (demo), once drawn: its control count, whether its figure loaded, the labels of its sliders."""
    demos = panel.locator(DEMOS)
    deadline = time.monotonic() + timeout / 1000
    while True:
        report = await demos.evaluate_all(f"""outputs => outputs.map(o => ({{
          controls: o.querySelectorAll({CONTROLS!r}).length,
          figures: Array.from(o.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 0).length,
          sliders: Array.from(o.querySelectorAll('.widget-slider')).map(s => (s.querySelector('.widget-label') || {{}}).textContent || ''),
          text: o.textContent.slice(0, 300),
        }}))""")
        drawn = report and all(d["controls"] and d["figures"] for d in report)  # none yet: the widgets are still coming
        if drawn or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.25)


IMAGE_HASH = """async img => {
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let h = 2166136261;
  for (const b of bytes) { h ^= b; h = Math.imul(h, 16777619) >>> 0; }
  return `${bytes.length}:${h}`;
}"""


def is_learning_rate(label: str) -> bool:
    """Is this slider label a learning rate ('lr', 'learning rate', 'lr₀' ...)?"""
    text = label.strip().lower()
    return text.startswith("lr") or "learning rate" in text or text in ("η", "eta", "α", "alpha")


async def move_slider(panel, fraction: float = 0.8, timeout: float = 45_000) -> dict:
    """Click a learning-rate slider's track (else the first slider of the first demo) at `fraction` of its width, or
    at 1 - fraction when the handle sits there; report the demo's figure before and after."""
    demos = panel.locator(DEMOS)
    count = await demos.count()
    choice = None
    for i in range(count):
        sliders = demos.nth(i).locator(".widget-slider")
        for j in range(await sliders.count()):
            label = (await sliders.nth(j).locator(".widget-label").text_content() or "").strip()
            if is_learning_rate(label):
                choice = (i, j, label)
                break
        if choice:
            break
    if choice is None:
        if not count or not await demos.first.locator(".widget-slider").count():
            return {"label": None, "before": None, "after": None}
        choice = (0, 0, (await demos.first.locator(".widget-slider .widget-label").first.text_content() or "").strip())
    demo = demos.nth(choice[0])
    slider = demo.locator(".widget-slider").nth(choice[1])
    figure = demo.locator("img").first
    await slider.scroll_into_view_if_needed()
    before = await figure.evaluate(IMAGE_HASH)
    readout_before = await slider.locator(".widget-readout").text_content()
    track = slider.locator(".noUi-target").first
    box, handle = await track.bounding_box(), await slider.locator(".noUi-handle").first.bounding_box()
    where = (handle["x"] + handle["width"] / 2 - box["x"]) / box["width"]  # the handle, as a fraction of the track
    fraction = fraction if abs(fraction - where) > 0.3 else 1 - fraction  # click away from it, not on it
    await track.click(position={"x": box["width"] * fraction, "y": box["height"] / 2})
    after = before
    deadline = time.monotonic() + timeout / 1000
    while after == before and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        after = await figure.evaluate(IMAGE_HASH)
    return {"label": choice[2], "before": before, "after": after, "readout_before": readout_before,
            "readout_after": await slider.locator(".widget-readout").text_content()}


async def validate(page, scope, close: bool = True, timeout: float = 180_000) -> dict:
    """Press a Validate button inside `scope` and return what the dialog says (then press its OK, unless close=False)."""
    await scope.locator(".validate-button, button:has-text('Validate')").first.click()
    dialog = page.locator(".jp-Dialog")
    await dialog.wait_for(timeout=timeout)
    body = dialog.locator(".jp-Dialog-body")
    result = await body.evaluate("""b => ({
      title: (document.querySelector('.jp-Dialog-header') || {}).textContent || '',
      success: b.matches('.validation-success') || b.querySelector('.validation-success') !== null,
      failed: b.matches('.validation-failed') || b.querySelector('.validation-failed') !== null,
      failing_cells: Array.from(b.querySelectorAll('p')).filter(p => p.textContent === 'The following cell failed:').length,
      text: b.textContent.slice(0, 4000),
    })""")
    if close:
        await close_dialog(page)
    return result


async def close_dialog(page) -> None:
    """Press the dialog's OK button."""
    await page.locator(".jp-Dialog .jp-mod-accept").click()
    await page.locator(".jp-Dialog").wait_for(state="detached")

