"""Feedback that never shows hidden tests: their source is cut from the test cells and from the tracebacks."""

from __future__ import annotations

import re

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# A traceback context line as IPython prints it: an optional arrow, the line number, the code ("---->  12 assert ...").
CONTEXT_LINE = re.compile(r"^(?P<arrow>\s*(?:-+>)?\s*)(?P<number>\d+)(?:\s(?P<code>.*))?$")
HIDDEN = "(hidden test)"


def hidden_lines(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> set[str]:
    """The stripped, non-empty lines of a cell's hidden-test regions, their marker lines included."""
    found, inside = set(), False
    for line in source.splitlines():
        if begin in line:
            inside = True
        if inside and line.strip():
            found.add(line.strip())
        if end in line:
            inside = False
    return found


def scrub_traceback(traceback: list[str], secret: set[str]) -> list[str]:
    """The traceback with every line whose code is in `secret` replaced by a marker; runs of them collapse into one."""
    scrubbed = []
    for entry in traceback:
        lines, hiding = [], False
        for line in entry.split("\n"):
            plain = ANSI.sub("", line)
            match = CONTEXT_LINE.match(plain)
            code = (match.group("code") or "") if match else plain
            if code.strip() and code.strip() in secret:
                arrow = match.group("arrow") if match else ""
                if "->" in arrow:
                    lines.append(f"{arrow.rstrip()} {HIDDEN}")
                    hiding = True
                elif not hiding:
                    lines.append(f"{' ' * len(arrow)}... {HIDDEN}" if match else HIDDEN)
                    hiding = True
                continue
            hiding = False
            lines.append(line)
        scrubbed.append("\n".join(lines))
    return scrubbed


HIDDEN_FAILED = "a hidden test failed (the hidden checks and their messages are not shown)"
NOT_SHOWN = "(output not shown in feedback: see your own notebook)"


def owed_outputs(cell, secret: set[str]) -> list:
    """What a student is owed of a cell's outputs in feedback.

    A test cell: only its error, if it failed: the visible test's message with the traceback cut of hidden
    lines, or just that a hidden test failed. Any other cell: the name of its error, if any, nothing else.
    Printed and displayed output is never shown: it is where a student's code could put what it read.
    """
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return []
    error = errors[-1]
    if not cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
        return [NotebookNode(output_type="error", ename=error.get("ename", "Error"), evalue=NOT_SHOWN,
                             traceback=[f"{error.get('ename', 'Error')}: {NOT_SHOWN}"])]
    traceback = scrub_traceback(list(error.get("traceback", [])), secret)
    if any(HIDDEN in line and "->" in line for entry in traceback for line in entry.split("\n")):
        return [NotebookNode(output_type="error", ename=error.get("ename", "Error"), evalue=HIDDEN_FAILED,
                             traceback=[f"{error.get('ename', 'Error')}: {HIDDEN_FAILED}"])]
    return [NotebookNode(output_type="error", ename=error.get("ename", "Error"), evalue=error.get("evalue", ""),
                         traceback=traceback)]


class HideHiddenTests(ClearHiddenTests):
    """Feedback without hidden tests: cut from the test cells, from every traceback, and no output but what is owed."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Cut the hidden regions (nbgrader's ClearHiddenTests), then keep of each cell's outputs only what is owed."""
        secret: set[str] = set()
        for cell in nb.cells:
            secret |= hidden_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
        nb, resources = super().preprocess(nb, resources)
        secret -= {line.strip() for cell in nb.cells for line in cell.source.splitlines()}  # what students see anyway
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = owed_outputs(cell, secret)
        return nb, resources
