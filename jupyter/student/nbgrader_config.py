"""nbgrader's settings in the student's JupyterLab (Validate and the assignment list read them from here).

Deliberately not the course's nbgrader_config.py: that one is the instructor's (gradebook, feedback
preprocessors from gdgrade), and a student's Validate should not depend on it. Keep the two values below
equal to the course's.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "gdlab"
c.Execute.timeout = 60  # seconds per cell, as in autograde

# The assignment list shows what an nbgrader "exchange" folder holds. This one is jupyter/exchange/, whose
# gdlab/outbound is a link to notebooks/: every notebook folder is listed as an assignment already downloaded,
# with its notebooks and a Validate button. (A Windows checkout without symbolic links shows an empty list.)
# On a JupyterHub (deploy/), GDLAB_EXCHANGE names the class's shared exchange instead.
c.Exchange.root = os.environ.get("GDLAB_EXCHANGE") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "exchange"))
