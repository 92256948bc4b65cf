"""Static scan of the code a student wrote for tampering with the machinery that checks it.

Each cell is first turned into the Python that IPython actually runs (IPython's own input transformer), so
magics (`%time`, `%%writefile`), shell escapes (`!ls`, `x = !ls`) and autocall escapes cannot hide code from
the scan; they are flagged themselves, and the code inside a magic (`%time np.isclose = ...`) is scanned
too. The result is parsed and its syntax tree checked against the rules below. A cell that does not parse
is not flagged: IPython cannot run it either, so it just fails its tests.

Flagged: classes that define comparison or conversion dunders (objects that pass checks dishonestly);
writes (assignment, augmented assignment, del, setattr/delattr) into imported modules and names
(`np.isclose = ...`, `gdlab.analysis.sweep = ...`); rebinding at module level the builtins the checks use
(`abs = ...`, `def len(...)`) or the names the release imports (`np = ...`); and the escape hatches
(`import builtins`, `__builtins__`, `sys.modules`, `sys.settrace`, `get_ipython`, `exec`, `eval`, `compile`,
`__import__`, `globals`, importlib/ctypes/gc/inspect/signal/subprocess/socket/threading/multiprocessing/
atexit/unittest.mock, `os._exit`, `os.kill`, `os.system`, `os.environ` writes, `shutil.rmtree`, frame and
function internals such as `__globals__`, and `open` on an absolute path or one with `..`).
"""

from __future__ import annotations

import ast
import re
from typing import Mapping

from gdgrade.notebooks import nbgrader_meta

FAKE_DUNDERS = frozenset("""
    __eq__ __ne__ __lt__ __le__ __gt__ __ge__ __bool__ __float__ __int__ __index__ __abs__ __round__
    __complex__ __trunc__ __floor__ __ceil__ __contains__ __array__ __array_ufunc__ __array_function__
    __array_interface__ __array_priority__ __len__ __instancecheck__ __subclasscheck__ __getattr__
    __getattribute__ __class__
""".split())
CHECKED_BUILTINS = frozenset("""
    abs all any bool callable dict enumerate float getattr hasattr int isinstance issubclass iter len list
    map max min next object print range repr round set sorted str sum super tuple type zip
    AssertionError BaseException Exception NotImplementedError TypeError ValueError
""".split())
RISKY_MODULES = frozenset("""
    builtins importlib ctypes _ctypes cffi gc inspect signal subprocess socket threading _thread
    multiprocessing concurrent atexit asyncio pty posix resource runpy code codeop mock unittest.mock
    __main__ ipykernel IPython.core IPython.terminal jupyter_client zmq comm linecache
""".split())
RISKY_NAMES = frozenset("exec eval compile __import__ __builtins__ get_ipython globals locals vars".split())
RISKY_DOTTED = frozenset("""
    sys.modules sys.settrace sys.setprofile sys.excepthook sys.displayhook sys.meta_path sys.path_hooks
    sys._getframe sys.addaudithook os._exit os.kill os.killpg os.system os.popen os.fork os.forkpty
    os.putenv os.unsetenv shutil.rmtree IPython.get_ipython
""".split())
RISKY_DOTTED_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn")
RISKY_ATTRIBUTES = frozenset("""
    __globals__ __code__ __closure__ __subclasses__ __builtins__ __setattr__ __delattr__ __dict__
    f_globals f_locals f_back f_builtins tb_frame gi_frame cr_frame
    get_ipython displayhook excepthook ast_transformers input_transformers_post input_transformers_cleanup
    set_custom_exc register_magic_function last_traceback
""".split())
ENVIRON_WRITES = frozenset("update setdefault pop popitem clear __setitem__ __delitem__".split())
HARMLESS_WRITES = ("matplotlib.rcParams", "matplotlib.pyplot.rcParams", "pandas.options")
HELP_MAGICS = frozenset({"pinfo", "pinfo2", "psearch"})
DEFAULT_IMPORTS = {  # what a cell may use without importing it (the setup cells import these)
    "np": "numpy", "numpy": "numpy", "math": "math", "plt": "matplotlib.pyplot", "matplotlib": "matplotlib",
    "gdlab": "gdlab", "sys": "sys", "os": "os", "shutil": "shutil", "builtins": "builtins", "pytest": "pytest",
    "scipy": "scipy", "random": "random", "pd": "pandas", "IPython": "IPython", "nbgrader": "nbgrader",
}
FAKE_VALUE = "answers must be plain values, not objects that compare equal to anything or fake conversions"
SHARED = "modules and names the checks use must not be changed"

_transformer = None


def scan_cell(source: str, imports: Mapping[str, str] | None = None) -> list[str]:
    """Reasons to suspect the cell tampers with the checks, one short line each naming construct and line ("" = none).

    `imports` maps the names the assignment's own cells import to what they are (e.g. {"np": "numpy"}):
    changing them, or their attributes, is flagged like changing a module.
    """
    imports = dict(imports or {})
    return _dedupe(_scan(source, imports, {**DEFAULT_IMPORTS, **imports}, 0))


def scan_notebook(nb, released) -> dict[str, list[str]]:
    """Reasons by cell, for the code cells the student wrote: answer cells by grade_id, their own as "cell <index>".

    Cells that come from the release (locked cells, and demo cells left as released) are not scanned.
    """
    release_imports = _notebook_imports(c for c in released.cells if not nbgrader_meta(c).get("solution"))
    answers = {nbgrader_meta(c)["grade_id"] for c in released.cells if nbgrader_meta(c).get("solution")}
    locked = {nbgrader_meta(c).get("grade_id") for c in released.cells
              if nbgrader_meta(c) and not nbgrader_meta(c).get("solution")} - {None}
    released_code = {c.source for c in released.cells if c.cell_type == "code" and not nbgrader_meta(c)}
    aliases = {**DEFAULT_IMPORTS, **_notebook_imports(nb.cells), **release_imports}
    from gdgrade.untrusted.shortcuts import shortcut_reasons, twins

    forbidden = twins(released)
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        grade_id = nbgrader_meta(cell).get("grade_id")
        if cell.cell_type != "code" or grade_id in locked or (not grade_id and cell.source in released_code):
            continue
        key = grade_id if grade_id in answers and grade_id not in seen else f"cell {index}"
        seen.add(key)
        reasons = _dedupe(_scan(cell.source, release_imports, aliases, 0) + shortcut_reasons(cell.source, forbidden, aliases))
        if reasons:
            found[key] = reasons
    return found


def _dedupe(reasons: list[str]) -> list[str]:
    """The reasons by line number, each once."""
    return sorted(dict.fromkeys(reasons), key=lambda reason: int(reason.split(":")[0].removeprefix("line ")))


def _scan(source: str, protected: Mapping[str, str], aliases: Mapping[str, str], offset: int) -> list[str]:
    """Reasons for one piece of cell code whose line 1 is line offset + 1 of the cell."""
    reasons: list[str] = []
    code, shift = _as_python(source, reasons, offset)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return reasons
    scanner = _Scanner({**aliases, **_imports(tree)}, protected, offset + shift, reasons)
    scanner.visit(tree)
    scanner.check_bindings(tree)
    return reasons


def _as_python(source: str, reasons: list[str], offset: int) -> tuple[str, int]:
    """The Python IPython runs for `source`, and how many leading blank lines it dropped (textual fallback)."""
    global _transformer
    try:
        if _transformer is None:
            from IPython.core.inputtransformer2 import TransformerManager
            _transformer = TransformerManager()
        code = _transformer.transform_cell(source)
    except Exception:  # noqa: BLE001 (no IPython, or input it cannot transform: scan the text ourselves)
        return _strip_escapes(source, reasons, offset), 0
    lines = source.splitlines()
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    return code, blank


def _strip_escapes(source: str, reasons: list[str], offset: int) -> str:
    """The source with IPython magic and shell lines blanked, each flagged (used when IPython is not there)."""
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith(("%", "!")):
            kind = "shell command" if text.startswith("!") else "IPython magic"
            reasons.append(f"line {number + offset}: {kind} {_short(text)}")
            lines[number - 1] = ""
    return "\n".join(lines)


def _short(text: str, limit: int = 60) -> str:
    """The text on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _imports(tree: ast.AST) -> dict[str, str]:
    """Every name an import statement in the tree binds, mapped to the dotted name it binds it to."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _notebook_imports(cells) -> dict[str, str]:
    """The names the code cells import (cells that do not parse are skipped)."""
    found: dict[str, str] = {}
    for cell in cells:
        if cell.get("cell_type") == "code":
            try:
                found.update(_imports(ast.parse(_as_python(cell.source, [], 0)[0])))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
    return found


def _chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """The root of an attribute/subscript chain and the attribute names along it (a[0].b.c -> a, [b, c])."""
    attributes = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            attributes.append(node.attr)
        node = node.value
    return node, attributes[::-1]


class _Scanner(ast.NodeVisitor):
    """Collects the reasons for one parsed piece of cell code."""

    def __init__(self, aliases: Mapping[str, str], protected: Mapping[str, str], offset: int, reasons: list[str]):
        self.aliases, self.protected, self.offset, self.reasons = aliases, protected, offset, reasons

    def say(self, node: ast.AST, text: str) -> None:
        """Add a reason at the node's line."""
        self.reasons.append(f"line {getattr(node, 'lineno', 1) + self.offset}: {text}")

    def dotted(self, node: ast.AST) -> str | None:
        """The dotted name an expression like np.linalg.norm stands for (numpy.linalg.norm), or None."""
        root, attributes = _chain(node)
        if not isinstance(root, ast.Name):
            return None
        return ".".join([self.aliases.get(root.id, root.id), *attributes])

    # --- objects that fake their value

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            for name in _defined_names(statement):
                if name in FAKE_DUNDERS:
                    self.say(statement, f"class {node.name} defines {name}: {FAKE_VALUE}")
        self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in FAKE_DUNDERS - {"__class__"}:
            self.say(node, f"passes {node.arg}= (a class built on the fly?): {FAKE_VALUE}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in FAKE_DUNDERS - {"__class__"}:
            self.say(node, f"names {node.value} in a string (a class built on the fly?): {FAKE_VALUE}")

    # --- writes into modules and shared names

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.write(target, "assigns")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.write(node.target, "assigns")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.write(node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.write(target, "deletes")
        self.generic_visit(node)

    def write(self, target: ast.AST, verb: str) -> None:
        """Flag a write into an imported module or name, into sys/os state, or into an object's __class__."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.write(element, verb)
            return
        if isinstance(target, ast.Starred):
            return self.write(target.value, verb)
        root, attributes = _chain(target)
        if root is target:
            return
        text = _short(ast.unparse(target), 40)
        dotted = ".".join([self.aliases.get(root.id, root.id), *attributes]) if isinstance(root, ast.Name) else ""
        if dotted.startswith(HARMLESS_WRITES):
            return
        if isinstance(root, ast.Name) and root.id in self.aliases:
            self.say(target, f"{verb} {text}: {SHARED}")
        elif "__class__" in attributes or "__dict__" in attributes or (attributes and attributes[-1] in FAKE_DUNDERS):
            self.say(target, f"{verb} {text}: {FAKE_VALUE}")

    # --- calls: magics, setattr, open, os.environ

    def visit_Call(self, node: ast.Call) -> None:
        if self.magic(node):
            return
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in ("setattr", "delattr") and node.args:
            root, _ = _chain(node.args[0])
            if isinstance(root, ast.Name) and root.id in self.aliases:
                self.say(node, f"{name} on {_short(ast.unparse(node.args[0]), 40)}: {SHARED}")
            elif len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value in FAKE_DUNDERS:
                self.say(node, f"{name} of {node.args[1].value}: {FAKE_VALUE}")
        if name == "getattr" and len(node.args) > 1:
            root, _ = _chain(node.args[0])
            attribute = node.args[1]
            computed = not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str))
            if isinstance(root, ast.Name) and root.id in self.aliases and computed:
                self.say(node, f"getattr on {_short(ast.unparse(node.args[0]), 40)} with a name built at run time")
            elif not computed and (attribute.value in RISKY_ATTRIBUTES or attribute.value in RISKY_NAMES):
                self.say(node, f"uses {attribute.value} through getattr")
        if name == "open" or self.dotted(node.func) in ("io.open", "os.open", "codecs.open"):
            self.check_open(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ENVIRON_WRITES \
                and self.dotted(node.func.value) == "os.environ":
            self.say(node, f"changes os.environ ({node.func.attr}): {SHARED}")
        self.generic_visit(node)

    def magic(self, node: ast.Call) -> bool:
        """Flag an IPython magic or shell escape (as IPython's transformer writes them) and scan the code in it."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython"
                and func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput")
                and node.args and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)):
            return False
        args = [a.value for a in node.args]
        if func.attr in ("system", "getoutput"):
            self.say(node, f"shell command !{_short(args[0])}")
        elif func.attr == "run_line_magic" and len(args) == 2:
            if args[0] not in HELP_MAGICS:
                self.say(node, f"IPython magic %{args[0]} {_short(args[1])}".rstrip())
                self.reasons.extend(_scan(args[1], self.protected, self.aliases, self.offset + node.lineno - 1))
        elif func.attr == "run_cell_magic" and len(args) == 3:
            self.say(node, f"IPython cell magic %%{args[0]} {_short(args[1])}".rstrip())
            self.reasons.extend(_scan(args[2], self.protected, self.aliases, self.offset + node.lineno))
        else:
            return False
        return True

    def check_open(self, node: ast.Call) -> None:
        """Flag open() on a literal path that leaves the notebook's folder (absolute, ~ or ..)."""
        path = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "file"), None)
        if isinstance(path, ast.Constant) and isinstance(path.value, str):
            text = path.value
            if text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", text) or ".." in re.split(r"[\\/]", text):
                self.say(node, f"opens {text!r}, outside the notebook's folder")

    # --- escape hatches

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in RISKY_NAMES:
            self.say(node, f"uses {node.id}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in RISKY_ATTRIBUTES:
            self.say(node, f"uses {node.attr}")
        dotted = self.dotted(node)
        if dotted:
            risky = next((d for d in RISKY_DOTTED if dotted == d or dotted.startswith(d + ".")), None)
            if risky or dotted.startswith(RISKY_DOTTED_PREFIXES):
                self.say(node, f"uses {risky or dotted}")
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _risky_module(alias.name):
                self.say(node, f"imports {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            dotted = f"{module}.{alias.name}"
            if alias.name == "*":
                self.say(node, f"from {module} import * can rebind builtins and names the checks use")
            elif _risky_module(module) or _risky_module(dotted):
                self.say(node, f"imports {dotted}")
            elif dotted in RISKY_DOTTED or dotted.startswith(RISKY_DOTTED_PREFIXES) or dotted in ("os.environ", "sys.stdout", "sys.stderr"):
                self.say(node, f"imports {dotted}")

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in CHECKED_BUILTINS or name in self.protected:
                self.say(node, f"declares {name} global: {SHARED}")

    # --- module-level rebinding

    def check_bindings(self, tree: ast.Module) -> None:
        """Flag module-level rebinding of a builtin the checks use, or of a name the release imports."""
        binder = _TopLevelBindings()
        binder.visit(tree)
        for name, node, imported in binder.found:
            if name in CHECKED_BUILTINS:
                self.say(node, f"rebinds the builtin {name}: the checks use Python's own")
            elif name in self.protected and imported != self.protected[name]:
                self.say(node, f"rebinds {name}, which the assignment imports ({self.protected[name]}): {SHARED}")


def _risky_module(dotted: str) -> bool:
    """True when a dotted module name is (inside) one of the risky modules."""
    return any(dotted == m or dotted.startswith(m + ".") for m in RISKY_MODULES)


def _defined_names(statement: ast.stmt) -> list[str]:
    """The names a class-body statement defines (def, class, assignment targets)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) else []
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


class _TopLevelBindings(ast.NodeVisitor):
    """The names bound at module level: (name, node, dotted name when bound by an import, else None)."""

    def __init__(self):
        self.found: list[tuple[str, ast.AST, str | None]] = []

    def visit_FunctionDef(self, node) -> None:
        self.found.append((node.name, node, None))

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node) -> None:
        pass

    def visit_comprehension_scope(self, node) -> None:
        """Only := inside a comprehension binds at module level."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                self.found.append((inner.target.id, inner, None))

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_comprehension_scope

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.found.append((node.id, node, None))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.found.append((node.name, node, None))
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.found.append((name, node, alias.name if alias.asname else name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.found.append((alias.asname or alias.name, node, f"{node.module}.{alias.name}"))

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self.found.append((node.name, node, None))
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs
