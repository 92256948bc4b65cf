"""The grading kernel's sandbox: its own filesystem view, network, processes and user, with hard limits.

Each notebook that `python -m grading autograde` grades runs in a kernel started through
`SandboxedKernelManager`, which wraps the kernel's command line in standard Linux tools:

    setpriv --pdeathsig KILL                  the sandbox dies with the grading worker (kill -9 included)
    timeout -s KILL <deadline+grace>          the whole notebook, even if the kernel ignores everything
    prlimit --as --nproc --fsize --nofile     memory, processes (threads count), file size, open files
    bwrap ...                                 namespaces: no network, own PIDs, a filesystem that shows
                                              only the Python install, gdlab and an empty scratch folder
    setpriv --reuid=<uid> ...                 when grading as root: run as a user of its own, no capabilities

The kernel talks to nbgrader over Unix sockets in a private folder (ZeroMQ's ipc transport), since
it has no network. Limits and isolation are set in nbgrader_config.py (`c.Sandbox....`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Integer
from traitlets.config import Configurable

from grading.course import ROOT

SANDBOX_UIDS = 100_000  # kernels run as uid/gid 100000 + (worker pid mod 100000): one user per worker, so that
# the process cap (counted per user) of one submission never starves another graded at the same time
GRACE = 15.0  # seconds the hard kill waits after the notebook deadline (the soft one stops the run cleanly first)
HIDDEN = ("/root", "/home", "/tmp", "/var/tmp", "/run", "/srv", "/mnt", "/media")


class Sandbox(Configurable):
    """The limits one graded notebook runs under (set them as c.Sandbox.<name> in nbgrader_config.py)."""

    deadline = Float(180.0, help="seconds the whole notebook may run, all cells together").tag(config=True)
    memory_mb = Integer(3072, help="address-space cap of the kernel and each process it starts, in MiB").tag(config=True)
    processes = Integer(256, help="processes and threads the sandbox user may have at once").tag(config=True)
    output_bytes = Integer(5_000_000, help="bytes of output of every kind (streams, HTML, images) per notebook").tag(config=True)
    file_mb = Integer(64, help="largest file the kernel may write, in MiB").tag(config=True)
    isolate = Bool(True, help="run the kernel in bubblewrap (no network, no course files); False: limits only").tag(config=True)


@lru_cache(maxsize=1)
def bubblewrap_problem() -> str | None:
    """Why bubblewrap cannot isolate a kernel on this machine, or None when it can."""
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--proc", "/proc",
                            "--dev", "/dev", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"bubblewrap cannot make namespaces here: {probe.stderr.strip()}"


def _visible_paths(root: Path) -> list[Path]:
    """What the kernel must read: the Python install and virtual environment, and the gdlab package."""
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent, root / "helpers"]
    kept: list[Path] = []
    for path in sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def sandbox_uid() -> int:
    """The unprivileged user this worker's kernels run as (when grading as root)."""
    return SANDBOX_UIDS + os.getpid() % 100_000


def bubblewrap_args(cwd: Path, jail: Path, root: Path, as_root: bool) -> list[str]:
    """bwrap's arguments: read-only system, course and home folders hidden, an empty writable cwd, private namespaces."""
    args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for hidden in (*HIDDEN, str(root)):
        if Path(hidden).is_dir():
            args += ["--perms", "01777", "--tmpfs", hidden] if hidden in ("/tmp", "/var/tmp") else ["--tmpfs", hidden]
    for path in _visible_paths(root):
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(jail), str(jail), "--perms", "01777", "--tmpfs", str(cwd), "--chdir", str(cwd)]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--clearenv"]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython", "XDG_CACHE_HOME": "/tmp/cache",
           "JUPYTER_RUNTIME_DIR": str(jail), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for name in ("MPLBACKEND", "NBGRADER_EXECUTION", "PYTHONHASHSEED"):
        if name in os.environ:
            env[name] = os.environ[name]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args.append("--")
    if as_root:
        uid = sandbox_uid()
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args


def limit_args(limits: Sandbox) -> list[str]:
    """timeout and prlimit: the hard wall clock, memory, processes, file size and open files."""
    mib = 1024 * 1024
    return ["setpriv", "--pdeathsig", "KILL", "--",  # dies with the grading worker, and takes the sandbox with it
            "timeout", "-s", "KILL", f"{limits.deadline + GRACE:.0f}",
            "prlimit", f"--as={limits.memory_mb * mib}", f"--nproc={limits.processes}",
            f"--fsize={limits.file_mb * mib}", "--nofile=512", "--core=0", "--"]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside `Sandbox`'s limits, talking over Unix sockets in a private folder."""

    course_root = Path(ROOT)

    async def _async_pre_start_kernel(self, **kw):
        """Give the kernel a private folder for its sockets and connection file, then wrap its command line."""
        self.sandbox = Sandbox(config=self.config)
        isolate = self.sandbox.isolate
        if isolate and (problem := bubblewrap_problem()):
            raise RuntimeError(f"cannot start a sandboxed kernel: {problem}")
        as_root = isolate and os.geteuid() == 0
        self.jail = Path(tempfile.mkdtemp(prefix="gdlab-kernel-"))
        self.transport = "ipc" if isolate else self.transport
        self.connection_file = str(self.jail / "kernel.json")
        if isolate:
            self.ip = str(self.jail / "ipc")
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"  # signals do not cross bwrap; the control channel does
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if as_root:
            for path in [self.jail, *self.jail.iterdir()]:
                os.chown(path, sandbox_uid(), sandbox_uid())
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        wrapper = limit_args(self.sandbox)
        if isolate:
            wrapper += bubblewrap_args(cwd, self.jail, self.course_root.resolve(), as_root)
        return wrapper + cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Remove the private folder with the kernel's sockets."""
        await super()._async_cleanup_resources(restart=restart)
        if not restart and getattr(self, "jail", None):
            shutil.rmtree(self.jail, ignore_errors=True)

    def kill_now(self) -> None:
        """Kill the kernel and everything it started at once (the outermost wrapper; bwrap takes the rest down)."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
