"""The `gdgrade` command line: one entry point, a subcommand per job, options as traitlets read from nbgrader_config.py.

    gdgrade release [ASSIGNMENT ...]      the student notebooks, generated from the sources by nbgrader
    gdgrade autograde [ASSIGNMENT ...]    grade every new or changed submission: sandboxed, in parallel

Run it in the course folder (the one holding nbgrader_config.py), as nbgrader's own commands, or pass --course.
Every option can also be set in nbgrader_config.py, e.g. `c.GdgradeAutograde.workers = 4`; the command line wins.
"""

from __future__ import annotations

import sys

from traitlets import Bool, Float, Integer, Unicode
from traitlets.config import Application

from gdgrade.course import CONFIG_NAME, CourseError, GradingFolders, find_root
from gdgrade.untrusted.sandbox import Sandbox


class GdgradeCommand(Application):
    """What every subcommand shares: the course folder, and nbgrader_config.py read from it."""

    course = Unicode("", help="the course folder, holding nbgrader_config.py (default: the current folder)").tag(config=True)
    aliases = {"course": "GdgradeCommand.course", "log-level": "Application.log_level"}

    def initialize(self, argv=None) -> None:
        """Read the command line, then the course's nbgrader_config.py (the command line keeps priority)."""
        self.parse_command_line(argv)
        try:
            self.root = find_root(self.course or None)
        except CourseError as error:
            self.fail(str(error))
        self.load_config_file(CONFIG_NAME, path=str(self.root))
        self.config.CourseDirectory.root = str(self.root)

    def fail(self, message: str, code: int = 1) -> None:
        """Say what went wrong on stderr and stop with `code`."""
        print(f"{self.name}: {message}", file=sys.stderr)
        self.exit(code)


class GdgradeRelease(GdgradeCommand):
    """gdgrade release: regenerate the student notebooks from the sources with nbgrader's generate_assignment."""

    name = "gdgrade release"
    description = ("Generate the student version of each assignment (all of them by default) from the course's source "
                   "folder into its release folder, and record it in the gradebook, with nbgrader's generate_assignment.")
    examples = "gdgrade release\ngdgrade release 01-slope 02-first-steps"

    def start(self) -> None:
        """Release the assignments named on the command line, or every one."""
        from gdgrade.course import assignment_ids, layout
        from gdgrade.release import ReleaseError, release

        try:
            for path in release(self.extra_args or assignment_ids(layout(self.config)), self.config):
                print(f"released {path.relative_to(self.root)}")
        except ReleaseError as error:
            self.fail(str(error))


class GdgradeAutograde(GdgradeCommand):
    """gdgrade autograde: grade every new or changed submission, in parallel and sandboxed; then grades.csv and the report."""

    name = "gdgrade autograde"
    description = ("Autograde every new or changed submission (nbgrader's submitted folder, <student>/<id>/<id>.ipynb) "
                   "with nbgrader, in parallel, each notebook in a sandbox; write each student's feedback, grades.csv "
                   "and report/index.html in the grading folder (c.GradingFolders.directory, default grading/). "
                   "A run can be stopped at any moment; run it again to finish.")
    examples = "gdgrade autograde\ngdgrade autograde 03-learning-rate-sweeps --workers=2 --force"

    workers = Integer(0, help="submissions graded at a time (0: one per core)").tag(config=True)
    force = Bool(False, help="grade every submission again, changed or not").tag(config=True)
    timeout = Float(900.0, help="seconds one submission may take before its grading process is stopped").tag(config=True)
    db_url = Unicode("", help="the gradebook (default: CourseDirectory.db_url of nbgrader_config.py)").tag(config=True)
    quiet = Bool(False, help="no progress bar").tag(config=True)

    classes = [GradingFolders, Sandbox]  # documented by --help-all beside the command's own options

    aliases = {**GdgradeCommand.aliases, "workers": "GdgradeAutograde.workers", "timeout": "GdgradeAutograde.timeout",
               "db-url": "GdgradeAutograde.db_url"}
    flags = {
        "force": ({"GdgradeAutograde": {"force": True}}, "grade every submission again, changed or not"),
        "quiet": ({"GdgradeAutograde": {"quiet": True}}, "no progress bar"),
    }

    def start(self) -> None:
        """Grade the class and print what happened, where the grades and the report are."""
        from gdgrade import batch
        from gdgrade.course import layout

        if self.workers < 0:
            self.fail("--workers must be 0 (one per core) or more")
        if self.timeout <= 0:
            self.fail("--timeout must be a positive number of seconds")
        try:
            run = batch.run(self.extra_args, config=self.config, workers=self.workers or None, force=self.force,
                            db_url=self.db_url or None, progress=False if self.quiet else None, timeout=self.timeout)
        except batch.BatchError as error:
            self.fail(str(error))
        except KeyboardInterrupt:
            self.fail("interrupted: run the same command again to finish (what was graded is kept)", 130)
        print(f"autograded {run.graded}, unchanged {run.unchanged}, could not grade {len(run.failures)} "
              f"({run.seconds:.1f} s, {run.workers} worker(s))")
        for student, assignment, reason in sorted(run.failures):
            print(f"  could not grade {student}/{assignment}".rstrip("/") + f": {reason}")
        for student, assignment, reason in sorted(run.flagged):
            print(f"  flagged for review {student}/{assignment}: {reason}")
        if run.backup:
            print(f"gradebook backed up to {run.backup}")
        course = layout(self.config)
        print(f"grades: {course.grades_csv}\nreport: {course.report / 'index.html'}")


class GdgradeApp(Application):
    """gdgrade: gdlab's course tools, built on nbgrader."""

    name = "gdgrade"
    description = __doc__
    subcommands = {
        "release": (GdgradeRelease, GdgradeRelease.description),
        "autograde": (GdgradeAutograde, GdgradeAutograde.description),
    }

    def start(self) -> None:
        """Run the subcommand, or say which ones there are."""
        if self.subapp is None:
            if self.extra_args:
                print(f"gdgrade: no command {self.extra_args[0]!r}; the commands are {', '.join(self.subcommands)}",
                      file=sys.stderr)
            else:
                self.print_subcommands()
            self.exit(2)
        self.subapp.start()


def main(argv: list[str] | None = None) -> int:
    """Run `gdgrade` with `argv` (default: the command line); the exit status."""
    app = GdgradeApp()
    try:
        app.initialize(argv)
        app.start()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        for command in (GdgradeRelease, GdgradeAutograde):
            command.clear_instance()  # traitlets keeps each subcommand as a singleton: a later call starts afresh
    return 0


if __name__ == "__main__":
    sys.exit(main())
