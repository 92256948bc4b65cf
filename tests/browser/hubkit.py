"""The class's JupyterHub for the tests: deploy/setup.sh in a temporary prefix, a private PostgreSQL, three users.

The hub runs exactly as deploy/README.md tells a teaching assistant to run it (setup.sh, then
`jupyterhub -f deploy/jupyterhub_config.py`), with every place and port moved so that it touches nothing
of a real installation: its prefix, exchange and database cluster are new folders under /var/tmp.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import labkit
from pgkit import postgres_missing, private_cluster

ROOT = labkit.ROOT
INSTRUCTOR, STUDENTS = "gdlab-teacher", ("gdlab-ann", "gdlab-bob")


def hub_missing() -> str | None:
    """Why the class's hub cannot be tried here (None when it can)."""
    if os.geteuid() != 0:
        return "the hub test makes Unix users and starts servers as them: run it as root (CI does)"
    for program, package in (("bwrap", "bubblewrap"), ("configurable-http-proxy", "npm: configurable-http-proxy")):
        if not shutil.which(program):
            return f"{program} is not installed ({package}; deploy/setup.sh installs it)"
    if subprocess.run(["/usr/bin/python3", "-c", "import ensurepip"], capture_output=True).returncode:
        return "Debian's /usr/bin/python3 cannot make a venv (apt-get install python3-venv)"
    return postgres_missing() or labkit.browser_missing()


@dataclass
class Hub:
    """A running class: where it lives and how to act as its users."""

    url: str
    prefix: Path
    exchange: Path
    db_url: str
    password: str
    process: subprocess.Popen

    @property
    def course(self) -> Path:
        return self.prefix / "course"

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def as_user(self, user: str, *command: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command as `user`, with the environment the hub gives that user's server."""
        environment = {"PATH": f"{self.prefix / 'venv' / 'bin'}:/usr/bin:/bin", "HOME": str(self.home(user)),
                       "GDLAB_EXCHANGE": str(self.exchange), "LANG": "C.UTF-8"}
        if user == INSTRUCTOR:
            environment.update(GDLAB_DB_URL=self.db_url, JUPYTER_CONFIG_PATH=str(self.course))
        else:
            environment.update(JUPYTER_CONFIG_PATH=str(self.prefix / "share" / "jupyter" / "student"))
        done = subprocess.run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in environment.items()],
                               *command], cwd=cwd or self.home(user), capture_output=True, text=True)
        if check and done.returncode:
            raise AssertionError(f"{' '.join(command)} as {user} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def nbgrader(self, user: str, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        """nbgrader as `user`: instructors from the course folder, students from their home."""
        cwd = self.course if user == INSTRUCTOR else None
        return self.as_user(user, "nbgrader", *arguments, cwd=cwd, check=check)


async def log_in(context, hub: Hub, user: str, timeout_ms: float = 120_000):
    """Log in on the hub's page as `user` in a new page of `context`, and wait for the user's JupyterLab."""
    page = await context.new_page()
    await page.goto(f"{hub.url}/hub/login")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", hub.password)
    await page.click("input[type=submit], button[type=submit]")
    await page.wait_for_selector("#jp-main-dock-panel", timeout=timeout_ms)
    return page


def user_memory_mb(user: str) -> float:
    """Resident memory of every process of `user` (their server and its kernels), in MiB."""
    out = subprocess.run(["ps", "-u", user, "-o", "rss="], capture_output=True, text=True).stdout.split()
    return sum(int(kb) for kb in out) / 1024


def _fresh_users(students: tuple[str, ...]) -> None:
    """The test's users own empty homes (a run never sees the last run's files) and run nothing."""
    for user in (INSTRUCTOR, *students):
        with contextlib.suppress(KeyError):
            home = Path(pwd.getpwnam(user).pw_dir)
            subprocess.run(["pkill", "-u", user], check=False)
            for entry in home.iterdir() if home.is_dir() else []:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Wait until the hub answers at `url`, or fail with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub stopped ({process.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running_hub(students: tuple[str, ...] = STUDENTS):
    """deploy/setup.sh --prepare into a new prefix, then the hub on free loopback ports; everything stopped after."""
    prefix = Path(tempfile.mkdtemp(prefix="gdlab-hub-", dir="/var/tmp"))
    prefix.chmod(0o755)
    _fresh_users(students)
    process = None
    try:
        with private_cluster(port=labkit.free_port()) as cluster:
            ports = [labkit.free_port() for _ in range(3)]
            settings = {"GDLAB_HUB_PREFIX": str(prefix), "GDLAB_EXCHANGE": str(prefix / "exchange"),
                        "GDLAB_INSTRUCTORS": INSTRUCTOR, "GDLAB_STUDENTS": " ".join(students),
                        "GDLAB_PGHOST": cluster.host, "GDLAB_PGPORT": str(cluster.port),
                        "GDLAB_HUB_URL": f"http://127.0.0.1:{ports[0]}",
                        "GDLAB_HUB_API_URL": f"http://127.0.0.1:{ports[1]}",
                        "GDLAB_PROXY_API_URL": f"http://127.0.0.1:{ports[2]}"}
            environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
            environment.update(settings)
            setup = subprocess.run(["bash", str(ROOT / "deploy" / "setup.sh"), "--prepare"], env=environment,
                                   capture_output=True, text=True)
            assert setup.returncode == 0, f"deploy/setup.sh failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}"
            db_url = (prefix / "hub" / "db_url").read_text().strip()
            environment["GDLAB_DB_URL"] = db_url
            log = prefix / "hub" / "jupyterhub.log"
            with open(log, "w") as out:
                process = subprocess.Popen([str(prefix / "venv" / "bin" / "jupyterhub"), "-f",
                                            str(ROOT / "deploy" / "jupyterhub_config.py")],
                                           cwd=prefix / "hub", env=environment, stdout=out, stderr=subprocess.STDOUT)
            url = settings["GDLAB_HUB_URL"]
            _wait_for(f"{url}/hub/login", process, log)
            yield Hub(url, prefix, prefix / "exchange", db_url, (prefix / "hub" / "password").read_text().strip(), process)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()  # the hub stops every user's server as it exits
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            process.kill()
        _fresh_users(students)
        shutil.rmtree(prefix, ignore_errors=True)
