"""Flag student code that reaches for gdlab's own implementation of an exercise.

The release's test cells name each exercise's gdlab twin where they check that the student's function
does not call it (`check_written_by_student(..., reference.step_decay, hint=...)`, gdlab/honesty.py).
Those checks fail the exercise; this scan also sends the submission to a person: any import of a twin,
or any use of one through a module (`gdlab.schedules.step_decay`, `g.exponential`), in a cell the student
wrote, is a review flag.
"""

from __future__ import annotations

import ast

from gdgrade.notebooks import nbgrader_meta

CHECK = "check_written_by_student"


def _parse(source: str) -> ast.AST | None:
    """The cell's syntax tree as IPython would run it, or None when it does not parse."""
    from gdgrade.untrusted.tamper_scan import _as_python

    try:
        return ast.parse(_as_python(source, [], 0)[0])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression stands for (reference.step_decay -> gdlab.schedules.step_decay), or None."""
    from gdgrade.untrusted.tamper_scan import _chain

    root, attributes = _chain(node)
    return ".".join([aliases.get(root.id, root.id), *attributes]) if isinstance(root, ast.Name) else None


def twins(released) -> dict[str, set[str]]:
    """For each function students write, the dotted names of the gdlab functions and classes that do its job
    (as the release's test cells name them)."""
    from gdgrade.untrusted.tamper_scan import _imports

    found: dict[str, set[str]] = {}
    for cell in released.cells:
        if cell.cell_type != "code" or not nbgrader_meta(cell).get("grade") or CHECK not in cell.source:
            continue
        tree = _parse(cell.source)
        if tree is None:
            continue
        aliases = _imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == CHECK and node.args:
                called = [n.func.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
                for argument in node.args[1:]:
                    name = _dotted(argument, aliases) or ""
                    owner = name.rsplit(".", 1)[0]
                    names = {name} | ({owner} if owner.rsplit(".", 1)[-1][:1].isupper() else set())  # a method's class too
                    for function in called:
                        found.setdefault(function, set()).update(n for n in names if n.startswith("gdlab."))
    return found


def shortcut_reasons(source: str, twins_of: dict[str, set[str]], aliases: dict[str, str]) -> list[str]:
    """One reason per line of a cell that defines an exercise's function and imports or uses its gdlab twin there."""
    from gdgrade.untrusted.tamper_scan import _imports

    tree = _parse(source)
    defined = {n.name for n in getattr(tree, "body", []) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    forbidden = set().union(*(twins_of.get(name, set()) for name in defined)) if defined else set()
    if tree is None or not forbidden:
        return []
    aliases = {**aliases, **_imports(tree)}
    reasons = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, (ast.Attribute, ast.Name)) and isinstance(getattr(node, "ctx", None), ast.Load):
            names = [_dotted(node, aliases) or ""]
        for name in names:
            if name in forbidden:
                reasons.append(f"line {node.lineno}: uses {name}, gdlab's own answer to an exercise: write it yourself")
    return sorted(set(reasons), key=lambda r: int(r.split(":")[0].removeprefix("line ")))
