"""Student ids are data, never patterns: which submission folder names can be a student id, and how to show any name.

nbgrader puts a student id into glob patterns (its course directory's paths) and formgrader shows
it in web pages; grades.csv puts it in a spreadsheet cell. A folder named `*` or `[m]allet` would
match other students' folders, one named `=HYPERLINK(...)` would be a formula, one with `<` a tag,
and one that is not UTF-8 cannot be written at all. Such folders are refused, each with its reason.
"""

from __future__ import annotations

import unicodedata

GLOB = set("*?[]{}!")
MARKUP = set("<>&\"'`\\")
FORMULA_START = ("=", "+", "-", "@")


def printable(name: str) -> str:
    """A folder name as text that can always be printed and written (bytes that are not UTF-8 shown as \\xNN)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def id_problem(name: str) -> str | None:
    """Why a submission folder's name cannot be a student id, or None when it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if not name or name != name.strip():
        return "its name starts or ends with white space"
    if name.startswith(FORMULA_START):
        return f"its name starts with {name[0]!r}, which a spreadsheet reads as a formula"
    controls = [ch for ch in name if unicodedata.category(ch).startswith("C")]
    if controls:
        return f"its name holds a control character ({controls[0]!r})"
    special = sorted(set(name) & (GLOB | MARKUP))
    if special:
        return f"its name holds {' '.join(special)}, which nbgrader would read as a pattern or a page as markup"
    return None


def csv_safe(value: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ tab or CR gets a leading ' (OWASP)."""
    if value.startswith((*FORMULA_START, "\t", "\r")) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    """Whether the text is a plain number (a score such as -0.5 stays a number)."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and not text.lower().lstrip("+-").startswith(("inf", "nan"))
