"""JupyterLab for students (`make lab`): the notebooks, Validate and the assignment list; no instructor tools, no news pop-up.

Start it from the folder it should serve (make lab: `cd notebooks && jupyter lab --config=../jupyter/student.py`):
nbgrader's assignment list looks for the assignments in the server's working folder.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when Jupyter loads this file)

here = os.path.dirname(os.path.abspath(__file__))

# nbgrader's formgrader stays off: this line its server extension, student/page_config.json its lab
# plugins ("Formgrader" in the Nbgrader menu, the "Create Assignment" side panel). page_config.json also turns
# off JupyterLab's build check, which runs `node yarn config` (~0.4 s of CPU) at every page load to offer a
# rebuild of JupyterLab that students cannot make.
c.ServerApp.jpserver_extensions = {"nbgrader.server_extensions.formgrader": False}
# student/overrides.json: no "Would you like to get notified about official Jupyter news?" pop-up, no update check.
c.LabApp.app_settings_dir = os.path.join(here, "student")
# nbgrader's assignment list and Validate read nbgrader_config.py from Jupyter's config path and the server's
# working folder, not from this file: put student/ (and its nbgrader_config.py) on that path.
os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
    p for p in (os.path.join(here, "student"), os.environ.get("JUPYTER_CONFIG_PATH")) if p)
# Kernels opened in the lab never inherit NBGRADER_EXECUTION from a Validate running at that moment (gdgrade/labkernels.py).
c.MappingKernelManager.kernel_manager_class = "gdgrade.labkernels.LabKernelManager"
