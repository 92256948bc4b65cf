"""nbgrader's Execute with the sandbox's limits: one deadline for the whole notebook, an output cap, and a clean stop.

When a limit is hit (deadline, output, memory, processes) or the kernel dies, the kernel and
everything it started are killed and every cell not yet run gets an error output saying why, so its
tests score 0 while the tests that already passed keep their points. The reason goes to nbgrader's
log as a line starting with STOP_MARK, where the grading worker finds it for the report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

from grading.sandbox import Sandbox, SandboxedKernelManager

STOP_MARK = "GDLAB-STOP:"
NOT_RUN = "NotRunError"


def not_run_output(reason: str) -> NotebookNode:
    """The error output put in a cell that was not run because the notebook was stopped."""
    return NotebookNode(output_type="error", ename=NOT_RUN, evalue=f"not run: {reason}",
                        traceback=[f"{NOT_RUN}: this cell was not run: {reason}"])


def limit_hit(cell: NotebookNode, limits: Sandbox) -> str | None:
    """The limit a cell's error shows it ran into (memory or processes), or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        error = f"{output.get('ename')}: {output.get('evalue', '')}"
        if output.get("ename") == "MemoryError":
            return f"it ran out of memory (the cap is {limits.memory_mb} MiB)"
        if any(words in error for words in ("Resource temporarily unavailable", "BlockingIOError", "can't start new thread")):
            return f"it started too many processes or threads (the cap is {limits.processes})"
        if "File too large" in error:
            return f"it wrote a file larger than the file cap of {limits.file_mb} MiB"
    return None


def released_folder(config, assignment: str | None) -> Path | None:
    """The assignment's release folder (notebooks/<id>/), whose files nbgrader puts beside the graded notebook."""
    from nbgrader.coursedir import CourseDirectory

    if not assignment:
        return None
    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(coursedir.release_directory, ".", assignment))


class GuardedExecute(Execute):
    """Execute every cell under the Sandbox limits, in a SandboxedKernelManager kernel; stop cleanly at the first limit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        """Start the notebook's clock and output count, then run it as nbgrader would."""
        self.limits = Sandbox(config=self.config)
        self.deadline = time.monotonic() + self.limits.deadline
        self.output_total = 0
        self.stop_reason: str | None = None
        self.released = released_folder(self.config, (resources or {}).get("nbgrader", {}).get("assignment"))
        return super().preprocess(nb, resources, km)

    def create_kernel_manager(self):
        """The sandboxed kernel manager, told which released files to put in the kernel's working folder."""
        km = super().create_kernel_manager()
        km.released = self.released
        return km

    def _get_timeout(self, cell):
        """A cell's timeout: nbgrader's per-cell timeout, cut to what is left of the notebook's deadline."""
        left = max(1, int(self.deadline - time.monotonic()) + 1)
        timeout = super()._get_timeout(cell)
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        """Run one cell unless the notebook was stopped; stop it at the first limit the cell hits."""
        if cell.cell_type != "code":
            return cell, resources
        if self.stop_reason is None and time.monotonic() >= self.deadline:
            self.stop(f"the notebook ran past its deadline of {self.limits.deadline:.0f} s")
        if self.stop_reason is not None:
            cell.outputs = [not_run_output(self.stop_reason)]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.stop(self.stop_reason or self.death_reason())
            cell.outputs = list(cell.get("outputs", [])) + [not_run_output(self.stop_reason)]
            return cell, resources
        except CellTimeoutError:
            self.stop(self.stop_reason or self.timeout_reason())
            cell.outputs = list(cell.get("outputs", [])) + [not_run_output(self.stop_reason)]
            return cell, resources
        if self.stop_reason is None and time.monotonic() >= self.deadline:
            self.stop(f"the notebook ran past its deadline of {self.limits.deadline:.0f} s")
        elif self.stop_reason is None and (hit := limit_hit(cell, self.limits)):
            self.stop(hit)
        return cell, resources

    def death_reason(self) -> str:
        """Why the kernel vanished, as far as the outside can tell."""
        if time.monotonic() >= self.deadline:
            return f"the notebook ran past its deadline of {self.limits.deadline:.0f} s"
        return "the kernel died (the code exited, crashed, or hit a memory or process cap)"

    def timeout_reason(self) -> str:
        """Why a cell that ran out of time could not be stopped politely."""
        if time.monotonic() >= self.deadline:
            return f"the notebook ran past its deadline of {self.limits.deadline:.0f} s"
        return "a cell ran out of time and did not stop when interrupted"

    def stop(self, reason: str) -> None:
        """Kill the kernel and everything it started, remember why, and say so in nbgrader's log."""
        if self.stop_reason is None:
            self.stop_reason = reason
            self.log.warning("%s %s", STOP_MARK, json.dumps(reason))
        if isinstance(self.km, SandboxedKernelManager):
            self.km.kill_now()

    def output(self, outs, msg, display_id, cell_index):
        """Keep an output only while the notebook's outputs stay under the cap; past it, stop the notebook."""
        if self.stop_reason is not None:
            return None
        self.output_total += len(json.dumps(msg.get("content", {}), default=str))
        if self.output_total > self.limits.output_bytes:
            self.stop(f"it printed more than {self.limits.output_bytes:,} bytes of output")
            return None
        return super().output(outs, msg, display_id, cell_index)
