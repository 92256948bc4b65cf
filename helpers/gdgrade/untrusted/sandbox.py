"""The grading kernel's sandbox: its own filesystem view, network, processes and user, with hard limits.

Each notebook that `gdgrade autograde` grades runs in a kernel started through
`SandboxedKernelManager`, which wraps the kernel's command line in standard Linux tools:

    setpriv --pdeathsig TERM                  the sandbox dies with the grading worker (kill -9 included):
    timeout -k 5 -s KILL <deadline+grace>       timeout passes the TERM to all it started (KILL if bwrap
                                                still runs 5 s later); and the hard wall clock of the whole
                                                notebook, even if the kernel ignores everything
    prlimit --as --nproc --fsize --nofile     memory, processes (threads count), file size, open files
    bwrap ...                                 namespaces: no network, own PIDs, a filesystem that shows
                                              only the Python install (without the debugger, debugpy),
                                              gdlab and an empty scratch folder
    timeout -s KILL <deadline+grace>          inside: the sandbox ends even if it outlived the wrappers above
    setpriv --reuid=<uid> ...                 when grading as root: run as a user of its own, no capabilities

bwrap ties itself to its parent (--die-with-parent) only some milliseconds after it starts, and its
pid 1 later still: with `setpriv --pdeathsig KILL` alone, workers killed 0–50 ms into a kernel's start
left 4 and 7 of 30 sandboxes running with nothing to ever stop them (tests/test_class_grading.py).
Now timeout's TERM reaches bwrap at any moment and the inner timeout ends what still escapes, so none
runs past the hard deadline. One case is left: bwrap killed between making its pid 1 and writing that
process's user ids leaves it waiting for them forever (pid 1 of a namespace ignores TERM), a few hundred
KB of memory in which no command ever starts.

The kernel talks to nbgrader over Unix sockets in a private folder (ZeroMQ's ipc transport), since
it has no network. Limits and isolation are set in nbgrader_config.py (`c.Sandbox....`).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Integer
from traitlets.config import Configurable


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


def _package_folder(name: str) -> Path | None:
    """The folder of an installed package, found without importing it (None if it is not installed)."""
    from importlib.util import find_spec

    spec = find_spec(name)
    return Path(spec.origin).resolve().parent if spec and spec.origin else None


def _gdlab_folder() -> Path | None:
    """The folder gdlab is imported from (helpers/ of an editable install, or site-packages), without importing it."""
    package = _package_folder("gdlab")
    return package.parent if package else None


def _visible_paths(hidden: list[Path]) -> list[Path]:
    """What the kernel must read: the interpreter and its standard library, every folder on its import path, and gdlab.

    An import-path entry that is, or holds, a hidden folder (the course, /tmp, ...) is left out: it is
    the course itself or a folder above it, never something the kernel needs.
    """
    import site

    candidates = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
                  *(Path(p) for p in site.getsitepackages()), *(Path(p) for p in sys.path if p), _gdlab_folder()]
    kept: list[Path] = []
    for path in sorted({p.resolve() for p in candidates if p is not None and p.exists()}, key=lambda p: len(p.parts)):
        if any(h.is_relative_to(path) for h in hidden):
            continue
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def _passable(folder: Path, as_root: bool) -> bool:
    """Whether the kernel's user may pass through this real folder (as "other" when grading as root)."""
    try:
        return bool(folder.stat().st_mode & 0o001) if as_root else os.access(folder, os.X_OK)
    except OSError:
        return False


def _masks(hidden: list[Path], visible: list[Path], as_root: bool) -> list[Path]:
    """The folders replaced by empty ones: the hidden folders, and any real folder on the way to a visible path
    that the kernel's user could not pass (a private folder of mode 0700 holding the course or its environment)."""
    masks = {h for h in hidden if h.is_dir()}
    for path in visible:
        for folder in reversed(path.parents[:-1]):  # from the top down, / itself excluded
            if not any(folder.is_relative_to(m) for m in masks) and not _passable(folder, as_root):
                masks.add(folder)
    return sorted(masks, key=lambda p: len(p.parts))


def _parents_inside(path: Path, masks: list[Path]) -> list[Path]:
    """The folders between `path` and the empty folder that hides it, which bwrap would otherwise create as root, mode 0700."""
    return [f for f in reversed(path.parents) if any(f.is_relative_to(m) and f != m for m in masks)]


def filesystem_args(hidden: list[Path], visible: list[Path], as_root: bool) -> list[str]:
    """bwrap's mounts: the machine read-only, the hidden folders empty, each visible path shown again, reachable."""
    masks = _masks(hidden, visible, as_root)
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    made: set[Path] = set()
    steps = [(m, "mask") for m in masks] + [(v, "show") for v in visible if any(v.is_relative_to(m) for m in masks)]
    for path, kind in sorted(steps, key=lambda s: (len(s[0].parts), s[1] == "show")):
        for folder in _parents_inside(path, masks):
            if folder not in made and folder not in masks:
                args += ["--perms", "0755", "--dir", str(folder)]
                made.add(folder)
        if kind == "mask":
            args += ["--perms", "01777" if str(path) in ("/tmp", "/var/tmp") else "0755", "--tmpfs", str(path)]
        else:
            args += ["--ro-bind", str(path), str(path)]
    return args


def hidden_paths(courses: list[Path], db_url: str | None = None) -> list[Path]:
    """What the kernel must not see: homes, temporary and runtime folders, the course folders, and an SQLite gradebook's folder."""
    hidden = [Path(h) for h in HIDDEN] + [Path(c).resolve() for c in courses]
    if db_url:
        from sqlalchemy.engine import make_url

        url = make_url(db_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            hidden.append(Path(url.database).resolve().parent)
    return hidden


def course_hidden_paths(config) -> list[Path]:
    """The hidden paths for the course that `config` names (nbgrader's CourseDirectory), and any other course folder
    (one with an nbgrader_config.py) that is, or holds, a folder the kernel would see: the environment, gdlab, these
    tools (a source checkout installed in place), or the folder the grading command was started in."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    hidden = hidden_paths([Path(coursedir.root)], coursedir.db_url)
    for path in _visible_paths(hidden):
        hidden += [folder for folder in (path, *path.parents) if (folder / "nbgrader_config.py").is_file()]
    return hidden


def working_folder(jail: Path, released: Path | None, ignore: list[str]) -> Path:
    """The kernel's working folder, in its private folder: a copy of every file released beside the notebooks, as nbgrader gives it."""
    work = jail / "work"
    if released is not None and released.is_dir():
        shutil.copytree(released, work, ignore=shutil.ignore_patterns(*ignore, "*.ipynb"))
    else:
        work.mkdir()
    return work


LEFT_BEHIND = re.compile(r"gdlab-(?:fonts|kernel|check)-(\d+)-")  # private_folder's names: what, and whose


def private_folder(kind: str) -> Path:
    """A new folder for this process in the temporary folder, named for what it holds ("kernel", "fonts", "check") and
    for the process, so that a later batch can tell it was left behind (remove_left_behind)."""
    return Path(tempfile.mkdtemp(prefix=f"gdlab-{kind}-{os.getpid()}-"))


def _running(pid: int) -> bool:
    """Whether a process with this pid exists (of any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_left_behind() -> list[Path]:
    """Remove the private folders of this user's grading processes that no longer run, and return them.

    A process removes its own when it ends; one that was killed (an overrunning worker, a run stopped with kill -9)
    cannot, and its kernels' folders keep whatever the student code wrote there. Only real folders are touched, owned by
    this user or, grading as root, by the sandbox user of the process named in them.
    """
    removed = []
    for entry in os.scandir(tempfile.gettempdir()):
        match = LEFT_BEHIND.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match.group(1))
        owners = {os.geteuid()} | ({sandbox_uid(pid)} if os.geteuid() == 0 else set())
        try:
            owner = entry.stat(follow_symlinks=False).st_uid
        except OSError:  # removed meanwhile
            continue
        if owner in owners and not _running(pid):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


MPLCONFIGDIR = Path("/tmp/matplotlib")  # the kernel's matplotlib folder, inside the sandbox's empty /tmp


_fonts_given: tuple[Path, ...] | None = None  # in a grading worker: the font list its batch built


def use_font_cache(files: tuple[Path, ...]) -> None:
    """Give this process's kernels the font list the batch built, instead of building one (~0.35 s of CPU each)."""
    global _fonts_given
    _fonts_given = tuple(files)


def font_cache() -> tuple[Path, ...]:
    """matplotlib's list of the system's fonts for the kernels to read: the batch's in its workers, else built here."""
    return _fonts_given if _fonts_given is not None else _built_font_cache()


@lru_cache(maxsize=1)
def _built_font_cache() -> tuple[Path, ...]:
    """matplotlib's list of the system's fonts, built once per process (the batch's, which its workers use).

    Without it every kernel starts with an empty matplotlib folder and scans the fonts again
    (about 0.2 s a notebook). It is built with an empty home, so it lists only the system's fonts.
    """
    folder = private_folder("fonts")
    atexit.register(shutil.rmtree, folder, True)  # or, if this process is killed, the next batch (remove_left_behind)
    env = {**os.environ, "MPLCONFIGDIR": str(folder), "HOME": str(folder), "XDG_DATA_HOME": str(folder)}
    try:
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True, timeout=120, check=True)
    except (subprocess.SubprocessError, OSError):
        return ()
    os.chmod(folder, 0o755)
    files = tuple(sorted(folder.glob("fontlist-*.json")))
    for path in files:
        os.chmod(path, 0o644)
    return files


@lru_cache(maxsize=1)
def debugger_folder() -> Path | None:
    """debugpy's package folder, if it is installed: ipykernel imports it at every start for a debugger that no graded
    kernel uses (about 40 ms of CPU per graded notebook, measured), and the sandbox shows it empty."""
    return _package_folder("debugpy")


def font_cache_args() -> list[str]:
    """bwrap's mounts that give the kernel a writable matplotlib folder holding the font list, read-only."""
    args = ["--perms", "01777", "--dir", str(MPLCONFIGDIR)]
    for path in font_cache():
        args += ["--ro-bind", str(path), str(MPLCONFIGDIR / path.name)]
    return args


def sandbox_uid(pid: int | None = None) -> int:
    """The unprivileged user the kernels of this worker (or of the worker `pid`) run as, when grading as root."""
    return SANDBOX_UIDS + (os.getpid() if pid is None else pid) % 100_000


def bubblewrap_args(cwd: Path, jail: Path, hidden: list[Path], as_root: bool, limits: Sandbox,
                    work: Path | None = None) -> list[str]:
    """bwrap's arguments: read-only system, course and home folders hidden, a writable cwd (`work`, or empty), private namespaces."""
    visible = _visible_paths(hidden)
    args = ["bwrap", *filesystem_args(hidden, visible, as_root)]
    masks = _masks(hidden, visible, as_root)
    for path, mount in ((jail, ["--bind", str(jail), str(jail)]),
                        (cwd, ["--bind", str(work), str(cwd)] if work else ["--perms", "01777", "--tmpfs", str(cwd)])):
        for folder in _parents_inside(path, masks):
            args += ["--perms", "0755", "--dir", str(folder)]
        args += mount
    args += [*font_cache_args(), "--chdir", str(cwd)]
    if debugger := debugger_folder():
        args += ["--tmpfs", str(debugger)]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--clearenv"]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "MPLCONFIGDIR": str(MPLCONFIGDIR), "IPYTHONDIR": "/tmp/ipython", "XDG_CACHE_HOME": "/tmp/cache",
           "JUPYTER_RUNTIME_DIR": str(jail), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    for name in ("MPLBACKEND", "NBGRADER_EXECUTION", "PYTHONHASHSEED"):
        if name in os.environ:
            env[name] = os.environ[name]
    for name, value in env.items():
        args += ["--setenv", name, value]
    args += ["--", "timeout", "-s", "KILL", hard_deadline(limits)]  # inside too: see the module's docstring
    if as_root:
        uid = sandbox_uid()
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args


def hard_deadline(limits: Sandbox) -> str:
    """The hard wall clock, in whole seconds: the notebook's deadline and the grace."""
    return f"{limits.deadline + GRACE:.0f}"


def limit_args(limits: Sandbox) -> list[str]:
    """timeout and prlimit: the hard wall clock, memory, processes, file size and open files."""
    mib = 1024 * 1024
    # The grading worker's death TERMs timeout, which passes it on to all it started (then KILL): see the docstring.
    return ["setpriv", "--pdeathsig", "TERM", "--", "timeout", "-k", "5", "-s", "KILL", hard_deadline(limits),
            "prlimit", f"--as={limits.memory_mb * mib}", f"--nproc={limits.processes}",
            f"--fsize={limits.file_mb * mib}", "--nofile=512", "--core=0", "--"]


KERNEL_IMPORTS = "import ipykernel.kernelapp, gdlab"


def environment_problem(config) -> str | None:
    """Why a kernel could not start in the sandbox with this Python environment, or None: tried once before grading."""
    as_root = os.geteuid() == 0
    jail = private_folder("check")
    try:
        if as_root:
            os.chown(jail, sandbox_uid(), sandbox_uid())
        limits = Sandbox(config=config)
        command = (limit_args(limits) + bubblewrap_args(jail / "cwd", jail, course_hidden_paths(config), as_root, limits)
                   + [sys.executable, "-c", KERNEL_IMPORTS])
        try:
            tried = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return f"{sys.executable} did not start in the sandbox within 120 s"
    finally:
        shutil.rmtree(jail, ignore_errors=True)
    if tried.returncode == 0:
        return None
    said = [line for line in tried.stderr.splitlines() if line.strip()][-1:] or [f"exit code {tried.returncode}"]
    who = f"uid {sandbox_uid()}" if as_root else "this user"
    return (f"{sys.executable} cannot run `{KERNEL_IMPORTS}` in the sandbox ({said[0]}): the kernel runs as {who} "
            f"and must be able to read the Python environment ({sys.prefix}) and gdlab ({_gdlab_folder()}); "
            "make them readable by all users (see grading/README.md, 'Where the Python environment may live')")


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside `Sandbox`'s limits, talking over Unix sockets in a private folder."""

    released: Path | None = None  # the assignment's release folder (GuardedExecute sets it): its files go into the cwd

    async def _async_pre_start_kernel(self, **kw):
        """Give the kernel a private folder for its sockets and connection file, then wrap its command line."""
        self.sandbox = Sandbox(config=self.config)
        isolate = self.sandbox.isolate
        if isolate and (problem := bubblewrap_problem()):
            raise RuntimeError(f"cannot start a sandboxed kernel: {problem}")
        as_root = isolate and os.geteuid() == 0
        self.jail = private_folder("kernel")
        self.transport = "ipc" if isolate else self.transport
        self.connection_file = str(self.jail / "kernel.json")
        if isolate:
            self.ip = str(self.jail / "ipc")
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"  # signals do not cross bwrap; the control channel does
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        wrapper = limit_args(self.sandbox)
        if isolate:
            from nbgrader.coursedir import CourseDirectory

            work = working_folder(self.jail, self.released, CourseDirectory(config=self.config).ignore)
            wrapper += bubblewrap_args(cwd, self.jail, course_hidden_paths(self.config), as_root, self.sandbox, work)
        if as_root:
            for top, folders, files in os.walk(self.jail):
                for path in [top, *(os.path.join(top, name) for name in folders + files)]:
                    os.chown(path, sandbox_uid(), sandbox_uid(), follow_symlinks=False)
        return wrapper + cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Remove the private folder with the kernel's sockets (and the working folder, with what the code wrote)."""
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart and getattr(self, "jail", None):
                shutil.rmtree(self.jail, ignore_errors=True)

    # AsyncKernelManager binds its public names to its own coroutines, not to these overrides: nbclient calls
    # cleanup_resources when the kernel has already died or been killed (a limit hit), whose folder would otherwise be
    # left in /tmp; and pre_start_kernel would give a caller the kernel's command line without the sandbox.
    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources

    def kill_now(self) -> None:
        """Kill the kernel and everything it started at once (the outermost wrapper; bwrap takes the rest down)."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
