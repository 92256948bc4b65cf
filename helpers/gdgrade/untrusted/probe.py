"""Judge from what happened in the kernel, not only from the source: what the student's code changed, and hiding the tests.

GuardedExecute asks the kernel twice, silently (no history, no output), for a fingerprint of what
the checks rely on: once before the student's first cell runs, once after the last cell. The two are
compared here, outside the kernel. A change is a review flag:

- IPython's input transformers, AST transformers, event callbacks, custom exception handler,
  display hook and methods overridden on the shell itself;
- `sys.displayhook`, `sys.excepthook`, the trace and profile functions;
- the functions, classes and submodules of builtins, math, numpy (and its linalg, random and
  testing modules) and every gdlab module, and which module object `sys.modules` holds for each.

It is a tripwire, not a proof: code that defeats the fingerprint itself can still pass, but it has
to touch the kernel in ways the source scan flags. After each test cell, `FORGET_TEST_CELL` removes
the cell's source from the kernel's line cache, and the traceback of its last error, so that a later
cell cannot print the hidden tests; test cells also run without being stored in the history (`In`).
"""

from __future__ import annotations

import hashlib
import json

FINGERPRINT = r'''
def __gdlab_fingerprint__():
    import json as _json, sys as _sys, types as _types
    from IPython.core.getipython import get_ipython as _get
    _shell = _get()

    def _name(f):
        f = getattr(f, "__func__", f)
        return f"{getattr(f, '__module__', None) or type(f).__module__}.{getattr(f, '__qualname__', type(f).__qualname__)}"

    _found = {
        "input transformers": sorted(_name(f) for f in _shell.input_transformers_post + _shell.input_transformers_cleanup),
        "AST transformers": sorted(_name(f) for f in _shell.ast_transformers),
        "event callbacks": sorted(f"{e}:{_name(f)}" for e, fs in _shell.events.callbacks.items() for f in fs),
        "custom exception handler": [repr(_shell.custom_exceptions), _name(getattr(_shell, "CustomTB", None))],
        "IPython display hook": [_name(type(_shell.displayhook)), str(id(_shell.displayhook))],
        "shell methods replaced": sorted(k for k, v in vars(_shell).items() if callable(v) and hasattr(type(_shell), k)
                                         and not isinstance(getattr(type(_shell), k), property)),
        "sys hooks": [_name(_sys.displayhook), _name(_sys.excepthook), _name(_sys.gettrace()), _name(_sys.getprofile())],
    }
    _watched = ["builtins", "math", "numpy", "numpy.linalg", "numpy.random", "numpy.testing"]
    _watched += sorted(m for m in list(_sys.modules) if m == "gdlab" or m.startswith("gdlab."))
    for _m in _watched:
        _module = _sys.modules.get(_m)
        if _module is None:
            continue
        _found["module " + _m] = {"(module)": id(_module)} | {
            k: id(v) for k, v in list(vars(_module).items())
            if callable(v) or isinstance(v, (type, _types.ModuleType))}
    del globals()["__gdlab_fingerprint__"]
    return _json.dumps(_found)
'''
CALL = "__gdlab_fingerprint__()"

FORGET_TEST_CELL = r'''
def __gdlab_forget__(digests):
    import hashlib as _h, linecache as _l, sys as _s
    for _key, _entry in list(_l.cache.items()):
        _text = "".join(_entry[2]) if len(_entry) > 2 and isinstance(_entry[2], list) else ""
        if _h.sha256(_text.strip().encode()).hexdigest() in digests:
            del _l.cache[_key]
    for _attr in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(_s, _attr):
            delattr(_s, _attr)
__gdlab_forget__(%r)
del __gdlab_forget__
'''


def forget_code(source: str) -> str:
    """Kernel code that removes a test cell's source from the line cache (by its digest) and the last error's traceback."""
    return FORGET_TEST_CELL % ({hashlib.sha256(source.strip().encode()).hexdigest()},)


def read_fingerprint(reply: dict | None) -> dict | None:
    """The fingerprint from an execute reply's user expression, or None when the kernel did not give one."""
    import ast

    try:
        result = reply["content"]["user_expressions"]["fingerprint"]
        return json.loads(ast.literal_eval(result["data"]["text/plain"])) if result.get("status") == "ok" else None
    except (KeyError, TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def changes(before: dict | None, after: dict | None) -> list[str]:
    """What the student's code changed, one review flag a kind; a missing fingerprint is itself a flag."""
    if before is None or after is None:
        return ["the kernel did not answer the tamper check (its input or its shell was changed)"]
    found = []
    for kind, was in before.items():
        now = after.get(kind)
        if isinstance(was, dict):
            changed = sorted(k for k in was if k in (now or {}) and now[k] != was[k])
            gone = sorted(k for k in was if k not in (now or {}))
            if changed or gone:
                found.append(f"the student's code changed {kind}: {', '.join((changed + gone)[:8])}")
        elif now != was:
            found.append(f"the student's code changed the {kind}")
    return found
