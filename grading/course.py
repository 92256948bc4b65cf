"""The nbgrader course behind this repository, or a copy of its layout in another folder."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "nbgrader_config.py"


def course_config(root: Path | str = ROOT) -> Config:
    """nbgrader's configuration from nbgrader_config.py, with the course moved to `root` (and its SQLite gradebook with it)."""
    config = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()
    root = Path(root).resolve()
    config.CourseDirectory.root = str(root)
    if config.CourseDirectory.db_url == "sqlite:///" + str(CONFIG_FILE.parent / "grading" / "gradebook.db"):
        config.CourseDirectory.db_url = "sqlite:///" + str(root / "grading" / "gradebook.db")  # a server db_url stays
    (root / "grading").mkdir(parents=True, exist_ok=True)
    return config


def _put_interpreter_tools_on_path() -> None:
    """nbgrader runs `alembic` (installed beside this Python) to create a gradebook: make sure it is found."""
    tools = os.path.dirname(sys.executable)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


def course_api(root: Path | str = ROOT, config: Config | None = None):
    """An in-process NbGraderAPI on the course at `root` (one import of nbgrader for many commands)."""
    _put_interpreter_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = config or course_config(root)
    with contextlib.redirect_stderr(io.StringIO()):
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.WARNING)
    return api


def assignment_ids(root: Path | str = ROOT) -> list[str]:
    """The assignments authored under solutions/ (each folder holding a notebook), in course order."""
    return sorted(p.name for p in (Path(root) / "solutions").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
