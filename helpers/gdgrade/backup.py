"""Copy the gradebook to grading/backups/ before a batch changes it (the newest KEEP copies are kept).

An SQLite gradebook is copied with SQLite's online backup (gradebook-<time>.db, a consistent snapshot).
A PostgreSQL gradebook is dumped with PostgreSQL's own pg_dump in its custom format (gradebook-<time>.dump:
restore it with `pg_restore --clean --dbname=<database> <file>`); pg_dump comes with Debian's
postgresql-client. Any other server database is copied table by table into an SQLite file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

KEEP = 10


def backup_gradebook(db_url: str, folder: Path, keep: int = KEEP) -> Path | None:
    """A consistent copy of the gradebook at `db_url` in `folder` (see above), or None if there is none yet."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    backend = url.get_backend_name()
    source = Path(url.database or "")
    if backend == "sqlite" and not (url.database and source.is_file()):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffix = ".dump" if backend == "postgresql" else ".db"
    target, n = folder / f"gradebook-{stamp}{suffix}", 1
    while True:  # claimed by creating it: two runs starting in the same second get two files
        try:
            target.open("x").close()
            break
        except FileExistsError:
            n += 1
            target = folder / f"gradebook-{stamp}-{n}{suffix}"
    if backend == "postgresql":
        _pg_dump(url, target)
    elif backend == "sqlite":
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # SQLite's online backup: a consistent snapshot even while others read it
        src.close()
        dst.close()
    else:
        _copy_tables(db_url, target)
    for old in sorted(folder.glob("gradebook-*"), key=lambda p: p.stat().st_mtime)[:-keep]:
        old.unlink()
    return target


def _pg_dump(url, target: Path) -> None:
    """Dump a PostgreSQL gradebook with pg_dump (custom format) into `target`; its password goes by environment."""
    if not shutil.which("pg_dump"):
        raise RuntimeError("the gradebook is on PostgreSQL but pg_dump is not installed (Debian: apt-get install "
                           "postgresql-client), so it cannot be backed up before grading")
    environment = dict(os.environ, PGPASSWORD=url.password) if url.password else None
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={libpq}"],
                          capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"pg_dump could not back up the gradebook: {done.stderr.strip()}")


def _copy_tables(db_url: str, target: Path) -> None:
    """Copy every table of a server gradebook (e.g. PostgreSQL) into a new SQLite file."""
    from sqlalchemy import MetaData, create_engine

    source = create_engine(db_url)
    copy = create_engine(f"sqlite:///{target}")
    metadata = MetaData()
    metadata.reflect(bind=source)
    metadata.create_all(bind=copy)
    with source.connect() as read, copy.begin() as write:
        for table in metadata.sorted_tables:
            rows = [dict(r._mapping) for r in read.execute(table.select())]
            if rows:
                write.execute(table.insert(), rows)
    source.dispose()
    copy.dispose()
