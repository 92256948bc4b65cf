"""Does the student's JupyterLab configuration (jupyter/, used by `make lab`) agree with the course?

The browser tests (tests/browser/) check what it does in JupyterLab; these check, without a browser,
the parts that can drift silently.
"""

from __future__ import annotations

import json

from traitlets.config.loader import PyFileConfigLoader

from gdgrade.course import course_config
from coursekit import ROOT

JUPYTER = ROOT / "jupyter"


def test_student_nbgrader_settings_match_the_course():
    """Does the student's Validate use the course's id and per-cell time limit (as autograde does)?"""
    student = PyFileConfigLoader("nbgrader_config.py", path=str(JUPYTER / "student")).load_config()
    course = course_config()
    assert student.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert student.Execute.timeout == course.Execute.timeout


def test_exchange_lists_the_released_notebooks():
    """Does the assignment list's exchange (jupyter/exchange/gdlab/outbound) lead to notebooks/?"""
    outbound = JUPYTER / "exchange" / "gdlab" / "outbound"
    assert outbound.is_symlink(), "jupyter/exchange/gdlab/outbound should be a link to notebooks/"
    assert outbound.resolve() == (ROOT / "notebooks").resolve()


def test_no_news_pop_up_for_students_or_instructors():
    """Do both JupyterLab set-ups switch off the 'get notified about Jupyter news?' question?"""
    for role in ("student", "instructor"):
        overrides = json.loads((JUPYTER / role / "overrides.json").read_text())
        assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false", role


def test_students_do_not_get_the_instructor_plugins():
    """Does the student's page_config.json disable formgrader and Create Assignment (and nothing students use)?"""
    disabled = set(json.loads((JUPYTER / "student" / "page_config.json").read_text())["disabledExtensions"])
    assert disabled == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}


def test_students_get_no_build_check():
    """Does the student's JupyterLab skip the build check (a node process at every page load) and hide the rebuild?"""
    page_config = json.loads((JUPYTER / "student" / "page_config.json").read_text())
    assert page_config["buildCheck"] is False and page_config["buildAvailable"] is False


def test_lab_kernels_do_not_inherit_a_running_validate():
    """Does a kernel opened while Validate runs (NBGRADER_EXECUTION set in the server) start without nbgrader's markers?"""
    from gdgrade.labkernels import kernel_env

    env = kernel_env({"PATH": "/usr/bin", "NBGRADER_EXECUTION": "validate", "NBGRADER_VALIDATING": "1"})
    assert env == {"PATH": "/usr/bin"}
    for role in ("student", "instructor"):
        config = PyFileConfigLoader(f"{role}.py", path=str(JUPYTER)).load_config()
        assert config.MappingKernelManager.kernel_manager_class == "gdgrade.labkernels.LabKernelManager", role
