"""Copy the gradebook to grading/backups/ before a batch changes it (the newest KEEP copies are kept)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

KEEP = 10


def backup_gradebook(db_url: str, folder: Path, keep: int = KEEP) -> Path | None:
    """A consistent copy of the gradebook at `db_url` as an SQLite file in `folder`, or None if there is none yet."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"gradebook-{stamp}.db"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"gradebook-{stamp}-{n}.db"
    if url.get_backend_name() == "sqlite":
        source = Path(url.database or "")
        if not url.database or not source.is_file():
            return None
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # SQLite's online backup: a consistent snapshot even while others read it
        src.close()
        dst.close()
    else:
        _copy_tables(db_url, target)
    for old in sorted(folder.glob("gradebook-*.db"), key=lambda p: p.stat().st_mtime)[:-keep]:
        old.unlink()
    return target


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
