"""A private PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary folder, a Unix socket only.

As root the cluster belongs to Debian's `postgres` user (PostgreSQL refuses to run as root); otherwise to
the user running the tests. Peer authentication: a Unix user logs in as the database role of the same name.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


def server_binaries() -> Path | None:
    """The folder of Debian's newest PostgreSQL server programs (initdb, pg_ctl), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def postgres_missing() -> str | None:
    """Why a private PostgreSQL cannot run here (None when it can)."""
    if server_binaries() is None:
        return "PostgreSQL's server is not installed (Debian: apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no `postgres` user to own the cluster (Debian's postgresql package makes it)"
    if not shutil.which("psql") or not shutil.which("pg_dump"):
        return "PostgreSQL's client programs psql and pg_dump are missing (Debian: apt-get install postgresql-client)"
    return None


@dataclass
class Cluster:
    """A running private cluster: its socket folder, port and owner."""

    folder: Path
    port: int
    owner: str

    @property
    def host(self) -> str:
        return str(self.folder / "socket")

    def run_as_owner(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a command as the cluster's owner (root switches user with runuser)."""
        prefix = ["runuser", "-u", self.owner, "--"] if os.geteuid() == 0 and self.owner != "root" else []
        environment = dict(os.environ, PGHOST=self.host, PGPORT=str(self.port))
        return subprocess.run(prefix + list(command), capture_output=True, text=True, check=check, env=environment)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement as the superuser; its output."""
        done = self.run_as_owner("psql", "-v", "ON_ERROR_STOP=1", "-qtA", "-d", database, "-c", statement)
        return done.stdout.strip()

    def url(self, database: str, role: str | None = None) -> str:
        """The SQLAlchemy URL of a database of this cluster, acting as `role` when given."""
        options = f"&options=-crole%3D{role}" if role else ""
        return f"postgresql:///{database}?host={self.host}&port={self.port}{options}"


@contextmanager
def private_cluster(port: int) -> Iterator[Cluster]:
    """Start a fresh cluster on a Unix socket in a new folder (readable by everyone, so other users reach it)."""
    bin_dir = server_binaries()
    owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="gdlab-pg-", dir="/var/tmp"))
    folder.chmod(0o755)
    (folder / "socket").mkdir(mode=0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, owner)
        shutil.chown(folder / "socket", owner)
    cluster = Cluster(folder, port, owner)
    try:
        cluster.run_as_owner(str(bin_dir / "initdb"), "-D", str(folder / "data"), "--auth-local=peer",
                             "--auth-host=reject", "-U", owner)
        cluster.run_as_owner(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l", str(folder / "log"),
                             "-o", f"-k {cluster.host} -p {port} -c listen_addresses=''", "start")
        yield cluster
    finally:
        cluster.run_as_owner(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop",
                             check=False)
        shutil.rmtree(folder, ignore_errors=True)
