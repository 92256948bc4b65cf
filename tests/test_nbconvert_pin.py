"""gdgrade/feedback_page.py copies part of nbconvert's HTMLExporter: a new nbconvert minor version must be looked at, not trusted.

pyproject.toml pins nbconvert to the minor version the copy was made from; this test fails, naming what to
check, if another version is installed (as a different pin or a conda environment could bring).
"""

from __future__ import annotations

import nbconvert

COPIED_FROM = (7, 17)  # the nbconvert minor version of HTMLExporter.from_notebook_node that feedback_page.py follows


def test_nbconvert_is_the_minor_version_feedback_page_copies():
    installed = tuple(int(part) for part in nbconvert.__version__.split(".")[:2])
    assert installed == COPIED_FROM, (
        f"nbconvert {nbconvert.__version__} is installed, but gdgrade/feedback_page.py copies HTMLExporter's "
        f"from_notebook_node of nbconvert {COPIED_FROM[0]}.{COPIED_FROM[1]}: compare the two, update the copy, "
        "then COPIED_FROM here and the pin in pyproject.toml and environment.yml")
