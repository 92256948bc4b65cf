"""nbgrader's configuration: this repository is the course directory (run nbgrader from here)."""

import os

from gdgrade.feedback import HideHiddenTests
from gdgrade.feedback_page import FeedbackPage
from gdgrade.untrusted.sanitize import SanitizeOutputs
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters import Autograde
from nbgrader.preprocessors import GetGrades

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "gdlab"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.solution_directory = os.path.join("grading", "solution")
c.CourseDirectory.source_with_tests_directory = os.path.join("grading", "source_with_tests")
# The gradebook: an SQLite file beside the course, or the class's shared one on a JupyterHub (deploy/ sets
# GDLAB_DB_URL to a PostgreSQL database for every instructor, and GDLAB_EXCHANGE to the class's exchange).
c.CourseDirectory.db_url = os.environ.get("GDLAB_DB_URL") or "sqlite:///" + os.path.join(here, "grading", "gradebook.db")
if os.environ.get("GDLAB_EXCHANGE"):
    c.Exchange.root = os.environ["GDLAB_EXCHANGE"]
# Collect takes a submission only from the student whose name it bears (nbgrader itself only warns).
c.ExchangeFactory.collect = "gdgrade.exchange.OwnerCheckedCollect"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 60

# What student code displayed, and what students wrote in markdown, is made inert as autograde's last step, so
# formgrader and the feedback pages never run it (gdgrade/untrusted/sanitize.py; the original is kept in grading/audit/).
c.Autograde.autograde_preprocessors = Autograde.class_traits()["autograde_preprocessors"].default() + [SanitizeOutputs]

# Feedback never shows hidden tests, not even as traceback context (nbgrader's default shows them).
c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
# The same page as nbgrader's, rendered in about half the time (gdgrade/feedback_page.py).
c.GenerateFeedback.exporter_class = FeedbackPage

# gdgrade autograde runs each notebook in a sandbox (gdgrade/untrusted/sandbox.py; needs bubblewrap).
# Its limits per notebook, with their defaults (see grading/README.md, "Student code is untrusted"):
# c.Sandbox.deadline = 180.0        # seconds for all the cells together
# c.Sandbox.memory_mb = 3072        # address space of the kernel and of each process it starts
# c.Sandbox.processes = 256         # processes and threads
# c.Sandbox.output_bytes = 5000000  # output of every kind
# c.Sandbox.file_mb = 64            # largest file written
# c.Sandbox.isolate = True          # False: limits only, no bubblewrap (not for untrusted code)

# gdgrade's own settings (`gdgrade autograde --help-all` lists every one), with their defaults; the command line wins:
# c.GradingFolders.directory = "grading"   # gdgrade's records, backups, report/ and grades.csv, under the course root
# c.GdgradeAutograde.workers = 0           # submissions graded at a time (0: one per core)
# c.GdgradeAutograde.timeout = 900.0       # seconds one submission may hold a grading process
