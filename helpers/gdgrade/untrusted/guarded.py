"""nbgrader's Execute with the sandbox's limits: one deadline for the whole notebook, an output cap, and a clean stop.

When a limit is hit (deadline, output, memory, processes) or the kernel dies, the kernel and
everything it started are killed and every cell not yet run gets an error output saying why, so its
tests score 0 while the tests that already passed keep their points. The reason, and what the runtime
checks found (gdgrade/untrusted/probe.py), go to the notebook's review flags (resources["gdlab"]["flags"], which
gdgrade/untrusted/sanitize.py writes into its metadata), and to nbgrader's log.
"""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

from gdgrade.untrusted.probe import CALL, FINGERPRINT, changes, forget_code, read_fingerprint
from gdgrade.untrusted.sandbox import Sandbox, SandboxedKernelManager

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


def is_locked(cell) -> bool:
    """A cell of the release the student cannot change (setup, tests, read-only text)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("locked") or meta.get("grade")) and not meta.get("solution")


def is_test(cell) -> bool:
    """A graded test cell (nbgrader grade: true, code, not an answer)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def ends_in_expression(source: str) -> bool:
    """Whether a cell's last statement is a bare expression (IPython shows its value as the cell's result)."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False
    return bool(body) and isinstance(body[-1], ast.Expr)


def unearned_results(cell) -> list[str]:
    """Remove a result a test cell showed although its code ends in no expression (nbgrader reads it as partial
    credit); return the review flag."""
    results = [o for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"]
    if not results or ends_in_expression(cell.source):
        return []
    cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return [f"test cell {grade_id} showed a result its code does not produce (nbgrader would read it as partial credit): removed"]


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
        self.store_widget_state = False  # widget messages are counted, never kept (the notebook shows no widgets)
        self.flags: list[str] = []
        self.before: dict | None = None
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.first_student = next((i for i in code if not is_locked(nb.cells[i])), None)
        self.last_code = code[-1] if code else None
        nb, resources = super().preprocess(nb, resources, km)
        if self.stop_reason:
            self.flags.append("stopped early, the cells after it scored 0: " + self.stop_reason)
        resources.setdefault("gdlab", {}).setdefault("flags", []).extend(self.flags)
        return nb, resources

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

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell out of time: past the notebook's deadline, stop at once (CellTimeoutError, then `stop` kills the
        kernel), not interrupt it and wait for its outputs, which a kernel that ignores interrupts would make last
        nbclient's iopub_timeout more; before the deadline (nbgrader's own per-cell timeout), interrupt as nbgrader does."""
        if time.monotonic() >= self.deadline:
            raise CellTimeoutError.error_from_timeout_and_cell("the notebook ran past its deadline", timeout, cell)
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess_cell(self, cell, resources, index):
        """Run one cell unless the notebook was stopped; stop it at the first limit the cell hits."""
        if cell.cell_type != "code":
            return cell, resources
        if self.stop_reason is None and time.monotonic() >= self.deadline:
            self.stop(f"the notebook ran past its deadline of {self.limits.deadline:.0f} s")
        if self.stop_reason is not None:
            cell.outputs = [not_run_output(self.stop_reason)]
            return cell, resources
        if index == self.first_student:
            self.before = self.fingerprint()
        test = is_test(cell)
        try:
            self._check_assign_resources(resources)
            cell, resources = self.execute_cell(cell, index, store_history=not test), self.resources
        except DeadKernelError:
            self.stop(self.stop_reason or self.death_reason())
            cell.outputs = list(cell.get("outputs", [])) + [not_run_output(self.stop_reason)]
            return cell, resources
        except CellTimeoutError:
            self.stop(self.stop_reason or self.timeout_reason())
            cell.outputs = list(cell.get("outputs", [])) + [not_run_output(self.stop_reason)]
            return cell, resources
        if test:
            self.quietly(forget_code(cell.source))
            self.flags += unearned_results(cell)
        if index == self.last_code and self.stop_reason is None:
            self.flags += changes(self.before, self.fingerprint())
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
            self.log.warning("stopped: %s", reason)
        if isinstance(self.km, SandboxedKernelManager):
            self.km.kill_now()

    def process_message(self, msg, cell, cell_index):
        """Count every byte the kernel sends (outputs, widget and comm messages, their buffers); past the cap, stop."""
        if msg.get("msg_type") != "status":
            self.output_total += len(json.dumps(msg.get("content", {}), default=str))
            self.output_total += sum(len(buffer) for buffer in msg.get("buffers") or [])
            if self.output_total > self.limits.output_bytes and self.stop_reason is None:
                self.stop(f"it sent more than {self.limits.output_bytes:,} bytes of output (printed, displayed or widget)")
            if self.stop_reason is not None:
                return None
        return super().process_message(msg, cell, cell_index)

    def output(self, outs, msg, display_id, cell_index):
        """Keep no output once the notebook was stopped."""
        return None if self.stop_reason is not None else super().output(outs, msg, display_id, cell_index)

    def fingerprint(self) -> dict | None:
        """What the checks rely on in the kernel now (gdgrade/untrusted/probe.py), asked silently; None if the kernel cannot say."""
        reply = self.quietly(FINGERPRINT, {"fingerprint": CALL})
        return read_fingerprint(reply)

    def quietly(self, code: str, expressions: dict | None = None) -> dict | None:
        """Run code in the kernel with no output and no history; its reply, or None when the kernel is gone or stopped."""
        if self.stop_reason is not None or self.kc is None:
            return None
        try:
            msg_id = self.kc.execute(code, silent=True, store_history=False, user_expressions=expressions or {})
            return self.wait_for_reply(msg_id)
        except (DeadKernelError, CellTimeoutError, RuntimeError):
            return None
