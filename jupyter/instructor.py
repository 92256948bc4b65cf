"""JupyterLab for instructors (`make instructor`): everything of nbgrader (formgrader, Create Assignment), no news pop-up.

Start it from the repository root, the nbgrader course directory (formgrader wants the course inside the server's folder).
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when Jupyter loads this file)

# instructor/overrides.json: no "Would you like to get notified about official Jupyter news?" pop-up, no update check.
here = os.path.dirname(os.path.abspath(__file__))
c.LabApp.app_settings_dir = os.path.join(here, "instructor")
# Kernels opened in the lab never inherit NBGRADER_EXECUTION from a Validate running at that moment (gdgrade/labkernels.py).
c.MappingKernelManager.kernel_manager_class = "gdgrade.labkernels.LabKernelManager"
