"""gdgrade/untrusted/tamper_scan.py: the code students write is scanned for tampering with the checks, honest code is not flagged."""

from __future__ import annotations

import pytest

from coursekit import ROOT, answered, nbgrader_meta, read
from gdgrade.untrusted.tamper_scan import scan_cell, scan_notebook

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
SLOPE = "01-slope"
STEPS = "02-first-steps"


def released(assignment: str):
    """The released (student) notebook of an assignment."""
    return read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb")


def honest(assignment: str, replacements: dict[str, str] | None = None):
    """The released notebook answered from the solution, except `replacements` (grade_id -> code)."""
    return answered(released(assignment), read(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), replacements)


def only(reasons: list[str]) -> str:
    """The one reason in the list."""
    assert len(reasons) == 1, reasons
    return reasons[0]


# --- honest code ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_honest_solutions_are_not_flagged(assignment):
    """Is no honest solution of the course flagged by the tamper scan?"""
    assert scan_notebook(honest(assignment), released(assignment)) == {}


def test_released_demo_cells_are_not_flagged_even_as_student_code():
    """Is no released demo cell flagged, even when it is scanned as a student's cell?"""
    for cell in released(STEPS).cells:
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("locked"):
            assert scan_cell(cell.source) == [], cell.source


@pytest.mark.parametrize("source", [
    "import math\nprint(math.isclose(1.0, 1.0))",
    "import numpy as np\nfrom gdlab.losses import parabola",
    "class Point:\n    def __init__(self, x):\n        self.x = x\n    def __repr__(self):\n        return f'P({self.x})'",
    "def f(xs):\n    total = 0\n    for sum_ in xs:\n        total += sum_\n    max_ = max(xs)\n    return total, max_",
    "def g():\n    len = 3\n    return len",
    "with open('results.txt', 'w') as f:\n    f.write('x')",
    "import re\npattern = re.compile('a+')",
    "import os\nhome = os.environ.get('HOME')",
    "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (8, 4)",
    "slope?",
    "def broken(:\n    np.isclose = None",
])
def test_ordinary_code_is_not_flagged(source):
    """Is ordinary student code (loops, classes without dunders, plots) left alone?"""
    assert scan_cell(source) == []


# --- objects that fake their value ----------------------------------------------------------------------


def test_always_equal_object_is_flagged():
    """Is a class whose __eq__ always says True flagged, with its line?"""
    reasons = scan_cell("class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n\nanswer = AlwaysEqual()")
    assert only(reasons) == ("line 2: class AlwaysEqual defines __eq__: answers must be plain values, "
                             "not objects that compare equal to anything or fake conversions")


@pytest.mark.parametrize("dunder", ["__bool__", "__float__", "__array_ufunc__", "__instancecheck__", "__getattr__"])
def test_conversion_and_check_dunders_are_flagged(dunder):
    """Are classes defining the conversion and comparison dunders that checks rely on flagged?"""
    assert f"defines {dunder}" in only(scan_cell(f"class Fake(float):\n    def {dunder}(self, *args):\n        return 1"))


def test_dunder_assigned_in_a_class_body_is_flagged():
    """Is a dunder assigned (not defined) in a class body flagged?"""
    assert "class Fake defines __eq__" in only(scan_cell("class Fake:\n    __eq__ = lambda self, other: True"))


def test_class_built_on_the_fly_with_a_dunder_is_flagged():
    """Is a class built with type(...) and a dunder in its dict flagged?"""
    assert "names __eq__ in a string" in only(scan_cell("Fake = type('Fake', (), {'__eq__': lambda s, o: True})"))


# --- writes into modules and shared names ---------------------------------------------------------------


@pytest.mark.parametrize("source, target", [
    ("import numpy as np\nnp.isclose = lambda *a, **k: True", "np.isclose"),
    ("import math\nmath.isclose = lambda *a, **k: True", "math.isclose"),
    ("import gdlab.analysis\ngdlab.analysis.sweep = None", "gdlab.analysis.sweep"),
    ("from gdlab import analysis as a\na.sweep = None", "a.sweep"),
    ("import builtins as b\nb.abs = None", "b.abs"),
    ("np.testing.assert_allclose = print", "np.testing.assert_allclose"),
])
def test_monkeypatching_a_module_is_flagged(source, target):
    """Is assigning to an attribute of a module the checks use (np.isclose = ...) flagged?"""
    assert any(reason.endswith(f"assigns {target}: modules and names the checks use must not be changed")
               for reason in scan_cell(source))


def test_setattr_and_del_on_a_module_are_flagged():
    """Are setattr on a module and del of a module's name flagged, each with its line?"""
    reasons = scan_cell("import numpy as np\nsetattr(np, 'isclose', max)\ndel np.allclose")
    assert reasons == ["line 2: setattr on np: modules and names the checks use must not be changed",
                       "line 3: deletes np.allclose: modules and names the checks use must not be changed"]


def test_patching_a_name_imported_in_another_cell_is_flagged():
    """Is patching a module imported in another cell flagged too?"""
    nb = honest(SLOPE)
    nb.cells.insert(3, nb.cells[3].copy())
    nb.cells[3].source = "import numpy.testing as npt"
    nb.cells.insert(4, nb.cells[4].copy())
    nb.cells[4].source = "npt.assert_allclose = print"
    assert list(scan_notebook(nb, released(SLOPE)).values()) == [
        ["line 1: assigns npt.assert_allclose: modules and names the checks use must not be changed"]]


@pytest.mark.parametrize("source, name", [
    ("abs = lambda x: 0", "abs"),
    ("def isinstance(obj, kind):\n    return True", "isinstance"),
    ("float = int", "float"),
    ("for round in range(3):\n    pass", "round"),
    ("AssertionError = Warning", "AssertionError"),
    ("from numpy import sum", "sum"),
])
def test_rebinding_a_builtin_the_checks_use_is_flagged(source, name):
    """Is rebinding a builtin the checks use (abs, len, isinstance, ...) flagged?"""
    assert f"rebinds the builtin {name}" in only(scan_cell(source))


def test_rebinding_a_builtin_through_global_is_flagged():
    """Is declaring a builtin's name global inside a function flagged?"""
    assert "line 2: declares len global" in only(scan_cell("def f():\n    global len\n    len = lambda x: 3"))


def test_rebinding_a_name_the_release_imports_is_flagged_unless_it_is_the_same_import():
    """Is rebinding a name the release imports flagged, but importing it again the same way not?"""
    imports = {"np": "numpy", "parabola": "gdlab.losses.parabola"}
    assert scan_cell("import numpy as np\nfrom gdlab.losses import parabola", imports) == []
    assert "rebinds np, which the assignment imports (numpy)" in only(scan_cell("import fakenumpy as np", imports))
    assert "rebinds parabola" in only(scan_cell("def parabola(a, center):\n    return None", imports))


def test_star_import_is_flagged():
    """Is a star import, which can rebind builtins unseen, flagged?"""
    assert "from numpy import * can rebind builtins" in only(scan_cell("from numpy import *"))


# --- escape hatches -------------------------------------------------------------------------------------


def test_input_transformer_hook_is_flagged():
    """The shell and its input transformers are both named."""
    reasons = scan_cell("ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: [])")
    assert reasons == ["line 1: uses get_ipython", "line 2: uses input_transformers_cleanup"]


def test_ipython_events_and_custom_exceptions_are_flagged():
    """A custom exception handler is named with the shell it was reached through."""
    assert scan_cell("get_ipython().set_custom_exc((AssertionError,), handler)") == [
        "line 1: uses set_custom_exc", "line 1: uses get_ipython"]


@pytest.mark.parametrize("source, reason", [
    ("import __main__\n__main__.get_ipython().input_transformers_post.append(f)", "imports __main__"),
    ("import __main__\n__main__.get_ipython()", "uses get_ipython"),
    ("from ipykernel.kernelapp import IPKernelApp\nIPKernelApp.instance().shell.ast_transformers.append(t)", "imports ipykernel"),
    ("from ipykernel.kernelapp import IPKernelApp\nIPKernelApp.instance().shell.ast_transformers.append(t)", "uses ast_transformers"),
    ("from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()", "imports IPython.core"),
    ("from IPython.core.getipython import get_ipython as gi\ngi()", "imports IPython.core.getipython"),
    ("import sys\ngetattr(sys, 'display' + 'hook')(2)", "getattr on sys with a name built at run time"),
    ("x = getattr(obj, 'displayhook')", "uses displayhook through getattr"),
    ("class Sly(int): pass\nSly.__eq__ = lambda s, o: True", "assigns Sly.__eq__"),
    ("F = type('F', (float,), dict(__float__=lambda s: 1.0))", "passes __float__="),
    ("class A(np.ndarray): pass\nA.__array_ufunc__ = None", "assigns A.__array_ufunc__"),
    ("setattr(Sly, '__eq__', lambda s, o: True)", "setattr of __eq__"),
    ("np.__dict__.update(allclose=lambda *a, **k: True)", "uses __dict__"),
    ("import __main__\nd = __main__.__dict__\nd['abs'] = len", "uses __dict__"),
    ("import linecache\nprint(linecache.cache)", "imports linecache"),
    ("import comm\ncomm.create_comm(target_name='jupyter.widget', data={'x': 'y'})", "imports comm"),
])
def test_routes_around_the_first_scan_are_flagged(source, reason):
    """The routes a security tester found past the scan: the shell by another road, late dunders, module dicts."""
    assert any(reason in r for r in scan_cell(source, {"np": "numpy"})), scan_cell(source, {"np": "numpy"})


def test_display_of_html_is_not_tampering():
    """Showing a table or a picture with IPython.display is ordinary (gdgrade/untrusted/sanitize.py makes it inert)."""
    assert scan_cell("from IPython.display import HTML, display\ndisplay(HTML('<table></table>'))") == []


@pytest.mark.parametrize("source, reason", [
    ("import builtins", "imports builtins"),
    ("__builtins__.abs = None", "uses __builtins__"),
    ("import sys\nsys.modules['gdlab'] = None", "uses sys.modules"),
    ("import sys\nsys.settrace(tracer)", "uses sys.settrace"),
    ("import sys\nsys.excepthook = print", "assigns sys.excepthook"),
    ("import sys, io\nsys.stdout = io.StringIO()", "assigns sys.stdout"),
    ("exec('x = 1')", "uses exec"),
    ("eval('1')", "uses eval"),
    ("code = compile('x', 'f', 'exec')", "uses compile"),
    ("m = __import__('os')", "uses __import__"),
    ("import importlib", "imports importlib"),
    ("import ctypes", "imports ctypes"),
    ("import gc\ngc.get_referrers(f)", "imports gc"),
    ("from inspect import currentframe", "imports inspect.currentframe"),
    ("import os\nos._exit(0)", "uses os._exit"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "uses os.kill"),
    ("import signal", "imports signal"),
    ("import subprocess", "imports subprocess"),
    ("import socket", "imports socket"),
    ("import threading", "imports threading"),
    ("from multiprocessing import Process", "imports multiprocessing.Process"),
    ("import atexit", "imports atexit"),
    ("import os\nos.system('rm -rf ~')", "uses os.system"),
    ("import os\nos.environ['OMP_NUM_THREADS'] = '64'", "assigns os.environ['OMP_NUM_THREADS']"),
    ("import os\nos.environ.update(X='1')", "changes os.environ (update)"),
    ("import shutil\nshutil.rmtree('..')", "uses shutil.rmtree"),
    ("open('/etc/passwd').read()", "opens '/etc/passwd', outside the notebook's folder"),
    ("open('../other/notes.txt', 'w')", "opens '../other/notes.txt', outside the notebook's folder"),
    ("from unittest.mock import patch", "imports unittest.mock.patch"),
    ("globals()['abs'] = max", "uses globals"),
    ("f.__globals__['np'] = None", "uses __globals__"),
    ("x = 5\nx.__class__ = float", "assigns x.__class__"),
])
def test_escape_hatches_are_flagged(source, reason):
    """Are the ways around the checks (exec and kin, os and shutil calls, files outside the folder, mock, globals, __class__) flagged?"""
    assert reason in " ".join(scan_cell(source))


# --- IPython syntax -------------------------------------------------------------------------------------


def test_line_magic_is_flagged_and_its_code_scanned():
    """Is a line magic flagged, and the code it runs scanned as well?"""
    assert scan_cell("\n\n%time np.isclose = None") == [
        "line 3: IPython magic %time np.isclose = None",
        "line 3: assigns np.isclose: modules and names the checks use must not be changed"]


def test_cell_magic_is_flagged_and_its_body_scanned_with_its_line_numbers():
    """Is a cell magic flagged, and its body scanned with the right line numbers?"""
    assert scan_cell("%%capture\nx = 1\nabs = max") == [
        "line 1: IPython cell magic %%capture", "line 3: rebinds the builtin abs: the checks use Python's own"]


def test_writefile_magic_is_flagged():
    """Is %%writefile (which could overwrite gdlab or the tests) flagged?"""
    assert scan_cell("%%writefile gdlab/__init__.py\nsweep = None")[0] == "line 1: IPython cell magic %%writefile gdlab/__init__.py"


def test_shell_escapes_are_flagged():
    """Are shell escapes (!cmd, x = !cmd) flagged, each with its line?"""
    assert scan_cell("!pip install fake\nfiles = !ls") == ["line 1: shell command !pip install fake", "line 2: shell command !ls"]


def test_autocall_escape_cannot_hide_exec():
    """Does IPython's autocall syntax (;exec ...) not hide an exec from the scan?"""
    assert scan_cell(";exec np.isclose=max") == ["line 1: uses exec"]


def test_help_lines_do_not_hide_the_rest_of_the_cell():
    """Does a help line (name?) not hide the rest of the cell from the scan?"""
    assert scan_cell("np.isclose?\nnp.isclose = max") == [
        "line 2: assigns np.isclose: modules and names the checks use must not be changed"]


# --- which cells scan_notebook looks at -----------------------------------------------------------------


def test_scan_notebook_names_answer_cells_by_grade_id_and_student_cells_by_index():
    """Does the notebook scan name answer cells by grade_id and the student's own cells by position?"""
    nb = honest(STEPS, {"gd_step_answer": "import builtins\ndef gd_step(w, grad, lr):\n    return w - lr * grad"})
    scratch = nb.cells[3].copy()
    scratch.source = "abs = max"
    nb.cells.insert(4, scratch)
    assert scan_notebook(nb, released(STEPS)) == {
        "gd_step_answer": ["line 1: imports builtins"],
        "cell 4": ["line 1: rebinds the builtin abs: the checks use Python's own"],
    }


def test_scan_notebook_ignores_locked_cells_and_release_demo_cells():
    """A locked cell of the release may patch what students must not (a test swapping np.linalg.inv): not flagged."""
    release = released("07-newton")
    nb = honest("07-newton")
    patch = "real_inv = np.linalg.inv\nnp.linalg.inv = None\nnp.linalg.inv = real_inv\n"
    for notebook in (release, nb):
        locked = next(c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == "newton_nd_step_avoids_explicit_inverse")
        locked.source = patch + locked.source
    assert scan_cell(patch)
    assert scan_notebook(nb, release) == {}


def test_scan_notebook_flags_rebinding_what_the_setup_imports():
    """Does the notebook scan flag an answer that rebinds a name the setup cell imports?"""
    nb = honest(STEPS, {"gd_descend_answer": "parabola = None\ndef descend(w0, lr, steps):\n    return []"})
    assert scan_notebook(nb, released(STEPS)) == {"gd_descend_answer": [
        "line 1: rebinds parabola, which the assignment imports (gdlab.losses.parabola): "
        "modules and names the checks use must not be changed"]}
