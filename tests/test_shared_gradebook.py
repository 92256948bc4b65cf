"""Two instructors grade at once into one PostgreSQL gradebook, as on the class's JupyterHub (deploy/).

A private PostgreSQL cluster (Debian's server, tests/pgkit.py) holds the gradebook of a course with two
assignments. Two `gdgrade autograde` runs, one per assignment, start at the same moment on
the same course. Every submission must then be in the gradebook once, with its right score, and each
run must have backed the database up with pg_dump (a dump that pg_restore can read).
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest

from coursekit import ROOT, answered, new_course, read, require_sandbox
from gdgrade.course import course_api, course_config
from pgkit import postgres_missing, private_cluster

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("postgres")]
ASSIGNMENTS = ("01-slope", "02-first-steps")
STUDENTS = {"ada": "solved", "grace": "untouched", "alan": "solved"}


def require_postgres() -> None:
    """Skip without PostgreSQL; under CI (CI=true), fail."""
    if problem := postgres_missing():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture(scope="module")
def shared_class(tmp_path_factory):
    """Two assignments released into one PostgreSQL gradebook, each handed in by three students."""
    require_sandbox()
    require_postgres()
    root = tmp_path_factory.mktemp("shared-class")
    me = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    with private_cluster(port=54329) as cluster:
        cluster.sql("CREATE ROLE gdlab_graders NOLOGIN")
        cluster.sql(f'CREATE ROLE "{me}" LOGIN IN ROLE gdlab_graders')
        cluster.sql("CREATE DATABASE gradebook OWNER gdlab_graders")
        db_url = cluster.url("gradebook", role="gdlab_graders")
        config = course_config(new_course(root, ASSIGNMENTS))
        config.CourseDirectory.db_url = db_url
        api = course_api(root, config)
        for assignment in ASSIGNMENTS:
            assert api.generate_assignment(assignment, force=True, create=True)["success"]
            released = read(root / "notebooks" / assignment / f"{assignment}.ipynb")
            source = read(root / "solutions" / assignment / f"{assignment}.ipynb")
            for student, kind in STUDENTS.items():
                folder = root / "grading" / "submitted" / student / assignment
                folder.mkdir(parents=True)
                nb = answered(released, source) if kind == "solved" else released
                nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
        command = [sys.executable, "-m", "gdgrade", "autograde", "--course", str(root), "--db-url", db_url,
                   "--workers", "1", "--quiet"]
        runs = [subprocess.Popen(command + [a], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for a in ASSIGNMENTS]
        outputs = [run.communicate(timeout=600)[0] for run in runs]
        yield root, db_url, runs, outputs


def test_both_runs_finish_without_failures(shared_class):
    _, _, runs, outputs = shared_class
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output
        assert "could not grade 0" in output and "autograded 3" in output, output


def test_every_submission_is_graded_once_with_its_score(shared_class):
    from nbgrader.api import Gradebook

    _, db_url, _, _ = shared_class
    with Gradebook(db_url) as gradebook:
        for assignment in ASSIGNMENTS:
            submissions = gradebook.find_assignment(assignment).submissions
            assert sorted(s.student_id for s in submissions) == sorted(STUDENTS), assignment
            for submission in submissions:
                expected = submission.max_score if STUDENTS[submission.student_id] == "solved" else 0
                assert submission.score == expected, (assignment, submission.student_id, submission.score)
        assert len(gradebook.students) == len(STUDENTS)


def test_each_run_backs_the_database_up_with_pg_dump(shared_class):
    root, _, _, _ = shared_class
    dumps = sorted((root / "grading" / "backups").glob("gradebook-*.dump"))
    assert len(dumps) == 2, dumps
    for dump in dumps:
        listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
        assert listing.returncode == 0 and "submitted_assignment" in listing.stdout, listing.stderr
