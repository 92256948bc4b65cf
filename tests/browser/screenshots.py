"""Refresh the README's pictures of the course in JupyterLab (`make screenshots` writes docs/screenshots/*.png).

The pictures show what a student sees under `make lab`: the student's notebooks (no solutions: the demo
picture uses a student half way through, with the exercises above the demo answered), a demo while its
slider is being dragged, Validate's report on an untouched notebook, and nbgrader's assignment list.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
from pathlib import Path

import labkit
from PIL import Image

OUT = labkit.ROOT / "docs" / "screenshots"
MAX_BYTES = 300_000
FIRST, DEMO = "01-slope", "02-first-steps"
DEMO_CELL = "learning_rate_explorer("  # the demo of 02-first-steps; the exercises above it are answered
DRAG_TO = 0.9  # the learning rate the slider is being dragged to (0.9 zig-zags into the minimum)


def save(png: bytes, path: Path) -> int:
    """Write a screenshot, as a 256-colour PNG if the full-colour one is larger than MAX_BYTES; return its size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    if buffer.tell() > MAX_BYTES:
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, format="png", optimize=True)
    path.write_bytes(buffer.getvalue())
    return buffer.tell()


async def hide_file_browser(page) -> None:
    await page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()


async def take(server, out: Path) -> list[tuple[Path, int]]:
    from playwright.async_api import async_playwright

    made = []

    async def shot(page, name: str) -> None:
        path = out / name
        made.append((path, save(await page.screenshot(), path)))

    async with async_playwright() as playwright:
        browser = await labkit.launch_chromium(playwright)
        context = await browser.new_context(viewport=labkit.VIEWPORT)
        page = await context.new_page()

        # 1. A notebook as released, beside the course's folders; the toolbar has Validate.
        await labkit.open_notebook(page, server, f"{FIRST}/{FIRST}.ipynb", "first")
        await page.locator(".jp-BreadCrumbs-home").click()  # the file browser at the course's folders
        await page.locator(".jp-DirListing-item", has_text=DEMO).wait_for()
        await page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for()
        await page.wait_for_timeout(500)
        await shot(page, "notebook.png")

        # 2. Validate on the untouched notebook: the cells that still fail.
        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
        await labkit.validate(page, panel, close=False)
        await shot(page, "validate.png")
        await labkit.close_dialog(page)

        # 3. nbgrader's assignment list.
        await labkit.menu(page, "Nbgrader", "Assignment List")
        await page.locator("#fetched_assignments_list .assignment-notebooks-link").first.wait_for()
        await page.locator(f"a.assignment-notebooks-link[href='#nbgrader-gdlab-{FIRST}']").click()
        await page.wait_for_timeout(500)
        await shot(page, "assignment-list.png")

        # 4. The learning-rate demo of 02, its slider held mid-drag towards DRAG_TO.
        page = await context.new_page()
        panel = await labkit.open_notebook(page, server, f"{DEMO}/{DEMO}.ipynb", "demo")
        await hide_file_browser(page)
        await labkit.run_all(page, panel)
        demo = panel.locator(labkit.DEMOS).first
        await demo.locator("img").first.wait_for()
        for _ in range(3):  # JupyterLab may still move cells while it lays out the outputs above
            await demo.evaluate("d => d.scrollIntoView({block: 'start'})")
            await page.wait_for_timeout(300)
        sizes = await demo.locator("img").first.evaluate("i => [i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight]")
        print(f"demo figure: {sizes[0]}x{sizes[1]} px drawn at {sizes[2]}x{sizes[3]} px")
        slider = demo.locator(".widget-slider").first
        knob = slider.locator(".noUi-handle").first
        low, high = float(await knob.get_attribute("aria-valuemin")), float(await knob.get_attribute("aria-valuemax"))
        track, handle = await slider.locator(".noUi-target").first.bounding_box(), await knob.bounding_box()
        figure = demo.locator("img").first
        before = await figure.evaluate(labkit.IMAGE_HASH)
        await page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
        await page.mouse.down()
        target = track["x"] + track["width"] * (DRAG_TO - low) / (high - low)
        await page.mouse.move(target, handle["y"] + handle["height"] / 2, steps=12)
        for _ in range(50):  # until the kernel has redrawn the figure for the new rate
            await page.wait_for_timeout(100)
            if await figure.evaluate(labkit.IMAGE_HASH) != before:
                break
        await page.wait_for_timeout(700)
        await shot(page, "demo.png")
        await page.mouse.up()
        await browser.close()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/browser/screenshots.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT.relative_to(labkit.ROOT)})")
    args = parser.parse_args(argv)
    missing = labkit.browser_missing()
    if missing:
        print(f"screenshots need Chromium: {missing}; {labkit.INSTALL_HINT}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gdlab-screenshots-") as tmp:
        home = Path(tmp)
        root = labkit.write_course(home / "course", labkit.released_notebooks(), solved=False,
                                   answers_before={DEMO: DEMO_CELL})
        with labkit.lab_server(home, root) as server:
            made = asyncio.run(take(server, args.out))
    for path, size in made:
        print(f"wrote {path.relative_to(labkit.ROOT) if path.is_relative_to(labkit.ROOT) else path} ({size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
