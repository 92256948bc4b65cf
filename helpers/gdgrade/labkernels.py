"""Kernels that JupyterLab opens never inherit nbgrader's NBGRADER_EXECUTION from a Validate running at that moment.

nbgrader's Validate runs inside the Jupyter server and sets NBGRADER_EXECUTION in the server's own
environment while it works; a notebook opened meanwhile would start its kernel with it, and gdlab's
demos, which read it to know that nobody is watching, would draw still pictures instead of sliders.
"""

from __future__ import annotations

import os
from typing import Mapping

from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

NBGRADER_VARIABLES = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING")


def kernel_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for a kernel the student opens: the server's, without nbgrader's execution markers."""
    return {name: value for name, value in environ.items() if name not in NBGRADER_VARIABLES}


class LabKernelManager(ServerKernelManager):
    """The server's kernel manager, starting each kernel with `kernel_env`."""

    async def _async_pre_start_kernel(self, **kw):
        """Clean the environment, then start as Jupyter would."""
        kw["env"] = kernel_env(kw.get("env") or os.environ)
        return await super()._async_pre_start_kernel(**kw)
