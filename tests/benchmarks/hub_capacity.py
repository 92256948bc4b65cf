"""How many students one machine's hub holds: N students log in at once and open a notebook with its cells run.

    sudo .venv/bin/python -m tests.benchmarks.hub_capacity --students 10

Sets the class up as tests/browser/test_hub.py does (deploy/setup.sh in a temporary prefix, a private
PostgreSQL), releases 01-slope, and for each student: logs in with Chromium, fetches it, opens it and
runs all its cells. It reports each login's time to JupyterLab, each open-and-run time, and the memory
of every student's server with the notebook open (all of the user's processes: the server and its
kernel), measured while all N are open at once. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE), str(HERE / "browser"), str(HERE.parent)]

import hubkit  # noqa: E402
import labkit  # noqa: E402


def available_mb() -> float:
    """MemAvailable of the machine, in MiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def student_session(browser, hub, user: str, times: dict) -> None:
    """Log in, fetch 01-slope from the command line (as the assignment list does), open it and run all cells."""
    context = await browser.new_context(viewport=labkit.VIEWPORT)
    context.set_default_timeout(300_000)
    start = time.monotonic()
    page = await hubkit.log_in(context, hub, user, timeout_ms=300_000)
    times.setdefault("login", []).append(time.monotonic() - start)
    await asyncio.to_thread(hub.nbgrader, user, "fetch_assignment", "01-slope")
    start = time.monotonic()
    await page.goto(f"{hub.url}/user/{user}/lab/tree/01-slope/01-slope.ipynb")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    await panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=300_000)
    await labkit.run_all(page, panel, timeout=300)
    times.setdefault("open_and_run", []).append(time.monotonic() - start)


async def measure(hub, students: tuple[str, ...]) -> dict:
    from playwright.async_api import async_playwright

    times: dict = {}
    before = available_mb()
    async with async_playwright() as playwright:
        browser = await labkit.launch_chromium(playwright)
        await asyncio.gather(*(student_session(browser, hub, user, times) for user in students))
        memory = {user: hubkit.user_memory_mb(user) for user in students}
        after = available_mb()
        await browser.close()
    return {"times": times, "memory": memory, "machine_mb_used": before - after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args()
    if problem := hubkit.hub_missing():
        raise SystemExit(f"cannot run: {problem}")
    students = tuple(f"gdlab-cap{i:02d}" for i in range(args.students))
    with hubkit.running_hub(students) as hub:
        hub.nbgrader(hubkit.INSTRUCTOR, "release_assignment", "01-slope")
        result = asyncio.run(measure(hub, students))
    per_user = sorted(result["memory"].values())
    for name, values in result["times"].items():
        print(f"{name:>13}: median {statistics.median(values):.1f} s, max {max(values):.1f} s over {len(values)} students")
    print(f"memory of one student's server with 01-slope open: median {statistics.median(per_user):.0f} MiB "
          f"(min {per_user[0]:.0f}, max {per_user[-1]:.0f}); all {len(per_user)}: {sum(per_user):.0f} MiB; "
          f"machine's available memory fell by {result['machine_mb_used']:.0f} MiB (Chromium included)")




if __name__ == "__main__":
    main()
