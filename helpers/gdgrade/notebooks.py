"""Reading notebooks and their nbgrader metadata."""

from __future__ import annotations

import nbformat


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def read(path) -> nbformat.NotebookNode:
    """A notebook from disk, as nbformat 4."""
    return nbformat.read(str(path), as_version=4)
