"""The `gdgrade` command line: one entry point, its subcommands, options read from nbgrader_config.py, clear errors.

Everything here stops before any notebook runs (no kernel): grading itself is tests/test_class_grading.py's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from coursekit import new_course
from gdgrade.apps import main


def gdgrade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `python -m gdgrade ARGS` in `cwd`, as an instructor would run `gdgrade`."""
    return subprocess.run([sys.executable, "-m", "gdgrade", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_one_command_lists_its_subcommands(tmp_path):
    """Does `gdgrade` name release and autograde, and refuse a command it does not have, with status 2?"""
    listing = gdgrade("--help", cwd=tmp_path)
    assert listing.returncode == 0 and "release" in listing.stdout and "autograde" in listing.stdout
    unknown = gdgrade("grade", cwd=tmp_path)
    assert unknown.returncode == 2 and "no command 'grade'" in unknown.stderr and "release, autograde" in unknown.stderr


def test_every_option_has_its_help(tmp_path):
    """Does `gdgrade autograde --help-all` show every option with its help, and the sandbox's and folders' settings?"""
    usage = gdgrade("autograde", "--help-all", cwd=tmp_path).stdout
    for option in ("--GdgradeAutograde.workers", "--GdgradeAutograde.force", "--GdgradeAutograde.timeout",
                   "--GdgradeAutograde.db_url", "--GdgradeAutograde.quiet", "--GdgradeCommand.course"):
        assert option in usage, option
    assert "submissions graded at a time" in usage and "one per core" in usage
    assert "--GradingFolders.directory" in usage and "--Sandbox.deadline" in usage and "--Sandbox.memory_mb" in usage


def test_help_examples_name_existing_assignments():
    """Does every example in the commands' help name only assignments this course has?"""
    import re

    from coursekit import assignment_ids
    from gdgrade.apps import GdgradeApp

    named = {word for command in GdgradeApp.subcommands.values() for word in re.findall(r"\b\d\d-[a-z-]+", command[0].examples)}
    assert named and named <= set(assignment_ids()), f"examples name assignments the course lacks: {named - set(assignment_ids())}"


def test_a_folder_without_a_course_is_named(tmp_path):
    """Run outside a course, does each subcommand say which folder lacks nbgrader_config.py, with status 1?"""
    for command in ("release", "autograde"):
        done = gdgrade(command, cwd=tmp_path)
        assert done.returncode == 1, done
        assert f"{tmp_path} holds no nbgrader_config.py" in done.stderr and "--course" in done.stderr


def test_options_come_from_nbgrader_config_and_the_command_line_wins(tmp_path, capsys):
    """Is c.GdgradeAutograde.timeout in the course's nbgrader_config.py read, and --timeout preferred to it?"""
    course = new_course(tmp_path / "course", ["01-slope"])
    with (course / "nbgrader_config.py").open("a") as config:
        config.write("\nc.GdgradeAutograde.timeout = -1.0\n")
    assert main(["autograde", f"--course={course}"]) == 1
    assert "--timeout must be a positive number of seconds" in capsys.readouterr().err
    assert main(["autograde", f"--course={course}", "--timeout=60"]) == 1  # past the check: nothing is released yet
    assert "no gradebook at" in capsys.readouterr().err


def test_release_refuses_an_assignment_the_course_lacks(tmp_path, capsys):
    """Does `gdgrade release` name an unknown assignment and the ones the course has, before nbgrader runs?"""
    course = new_course(tmp_path / "course", ["01-slope"])
    assert main(["release", "01-slop", f"--course={course}"]) == 1
    assert "no such assignment" in (err := capsys.readouterr().err) and "01-slop" in err and "01-slope" in err
    assert not (course / "notebooks").exists()


def test_release_generates_the_student_notebook(tmp_path, capsys):
    """Does `gdgrade release ID` write the student version into the course's release folder and say where?"""
    course = new_course(tmp_path / "course", ["01-slope"])
    assert main(["release", "01-slope", f"--course={course}"]) == 0
    assert "released notebooks/01-slope/01-slope.ipynb" in capsys.readouterr().out
    assert (course / "notebooks" / "01-slope" / "01-slope.ipynb").is_file()


def test_settings_on_the_command_line_reach_nbgrader(tmp_path, capsys):
    """Does a setting given on the command line (nbgrader's release folder here) reach the nbgrader it drives?"""
    course = new_course(tmp_path / "course", ["01-slope"])
    assert main(["release", "01-slope", f"--course={course}", "--CourseDirectory.release_directory=handouts"]) == 0
    assert "released handouts/01-slope/01-slope.ipynb" in capsys.readouterr().out
    assert (course / "handouts" / "01-slope" / "01-slope.ipynb").is_file() and not (course / "notebooks").exists()
