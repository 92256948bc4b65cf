"""Exercises are done by the student, not by gdlab: run the student's function with gdlab's own implementation disabled.

gdlab has a reference implementation of most exercises (the notebooks use them after the exercise).
A test cell proves the student's function does not call it, by whatever name or import path,
by running the function while the reference's code is swapped for one that fails with a hint:

    import gdlab.schedules as reference
    from gdlab.honesty import check_written_by_student
    check_written_by_student(lambda: step_decay_lr(np.arange(30), 0.1, 0.5, 5), reference.step_decay,
                             hint="write step_decay_lr yourself: gdlab's step_decay does the exercise for you")

The code object is swapped on the function itself, so every alias, `from ... import`, or method
reached through an instance fails alike; it is put back afterwards, whatever happened.
"""

from __future__ import annotations

import types
from contextlib import contextmanager
from typing import Any, Callable, Iterator


class Shortcut(AssertionError):
    """The student's code called gdlab's own implementation of the exercise."""


def _function_of(twin: Any) -> types.FunctionType:
    """The plain function behind a function, a method or a class (its __init__), whose code can be swapped."""
    function = twin.__init__ if isinstance(twin, type) else getattr(twin, "__func__", twin)
    function = getattr(function, "__wrapped__", function)  # NumPy's dispatchers (np.linalg.inv) wrap a Python function
    if not isinstance(function, types.FunctionType):
        raise TypeError(f"{twin!r} is not a Python function or class, so it cannot be disabled for the check")
    if function.__code__.co_freevars:
        raise TypeError(f"{function.__qualname__} is a closure, so its code cannot be swapped: check another function")
    return function


def _refusing_code(hint: str) -> types.CodeType:
    """A code object that takes any arguments and fails with the hint (no free variables, no globals needed)."""
    namespace: dict = {}
    exec(f"def refuse(*args, **kwargs):\n    raise AssertionError({hint!r})\n", {"__builtins__": __builtins__}, namespace)
    return namespace["refuse"].__code__


@contextmanager
def written_by_student(*twins: Any, hint: str) -> Iterator[None]:
    """Within the block, calling any of `twins` (however it was imported or renamed) fails with `hint`."""
    functions = [_function_of(twin) for twin in twins]
    saved = [(function, function.__code__) for function in functions]
    refusal = _refusing_code(hint)
    try:
        for function in functions:
            function.__code__ = refusal
        yield
    finally:
        for function, code in saved:
            function.__code__ = code


def arguments_of_calls(call: Callable[[], Any], function: Any) -> tuple[Any, list[dict]]:
    """Run `call` and return its result and the arguments of every call it made to `function` (e.g. np.linalg.solve)."""
    import sys

    code = _function_of(function).__code__
    seen: list[dict] = []

    def watch(frame, event, _):
        if event == "call" and frame.f_code is code:
            seen.append(dict(frame.f_locals))

    return _watched(call, watch, sys.getprofile, sys.setprofile), seen


def _watched(call: Callable[[], Any], hook: Callable, get: Callable, put: Callable) -> Any:
    """Run `call` with `hook` installed by `put` (sys.setprofile or sys.settrace); put back what `get` found."""
    previous = get()
    put(hook)
    try:
        return call()
    finally:
        put(previous)


def lines_run(call: Callable[[], Any]) -> tuple[Any, int]:
    """Run `call` and count the lines of Python it ran outside the installed libraries and gdlab (the student's lines).

    A loop over 10,000 learning rates runs tens of thousands of lines; a loop over the steps with arrays,
    a few dozen, whatever the number of rates. np.vectorize runs the student's function once per rate.
    """
    import os
    import sys

    library = tuple(os.path.realpath(p) for p in {sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(__file__))})
    count = 0

    def local(frame, event, _):
        nonlocal count
        count += event == "line"
        return local

    def trace(frame, event, _):
        return None if os.path.realpath(frame.f_code.co_filename).startswith(library) else local

    result = _watched(call, trace, sys.gettrace, sys.settrace)
    return result, count


def check_written_by_student(call: Callable[[], Any], *twins: Any, hint: str) -> Any:
    """Run `call` (which calls the student's function) with `twins` disabled; fail with `hint` if it reaches one."""
    try:
        with written_by_student(*twins, hint=hint):
            return call()
    except AssertionError as error:
        if str(error) == hint:
            raise Shortcut(hint) from None
        raise
