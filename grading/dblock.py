"""One gradebook session at a time across the grading workers: a file lock held from Gradebook() to close().

nbgrader opens a short gradebook session for each step of autograde and feedback (create the
student and submission, overwrite cells, save grades, read grades) and none spans a kernel run.
Several worker processes writing one SQLite file at once can fail with "database is locked";
holding an exclusive lock (fcntl.flock) for each session serialises the writes while the kernels,
which take nearly all the time, still run side by side. The operating system drops the lock of a
killed worker. With a server database (db_url) the lock is harmless and keeps the same order.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class GradebookBusy(RuntimeError):
    """Another process held the gradebook lock for longer than the timeout."""


class _Lock:
    """A reentrant, process-wide exclusive lock on a file, with the time spent waiting for it."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path, self.timeout = path, timeout
        self.fd: int | None = None
        self.depth = 0
        self.waited = 0.0

    def acquire(self) -> None:
        """Take the lock (or one more level of it), polling until the timeout."""
        if self.depth:
            self.depth += 1
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)  # the umask decides; graders of one course share it
        start = time.perf_counter()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.perf_counter() - start > self.timeout:
                    os.close(fd)
                    raise GradebookBusy(f"the gradebook lock {self.path} was held for more than {self.timeout:.0f} s") from None
                time.sleep(0.002)
        self.waited += time.perf_counter() - start
        self.fd, self.depth = fd, 1

    def release(self) -> None:
        """Give back one level of the lock; the last one unlocks the file."""
        if not self.depth:
            return
        self.depth -= 1
        if not self.depth and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


_lock: _Lock | None = None


def serialise_gradebook_sessions(lock_path: Path | str, timeout: float = 300.0) -> None:
    """Make every nbgrader Gradebook session in this process hold the lock at `lock_path` (call once per worker)."""
    global _lock
    from nbgrader.api import Gradebook

    if _lock is not None:
        _lock.path = Path(lock_path)
        return
    _lock = _Lock(Path(lock_path), timeout)
    original_init, original_close = Gradebook.__init__, Gradebook.close

    def __init__(self, *args, **kwargs) -> None:
        _lock.acquire()
        self._gdlab_locked = True
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            self._gdlab_locked = False
            _lock.release()
            raise

    def close(self) -> None:
        try:
            original_close(self)
        finally:
            if getattr(self, "_gdlab_locked", False):
                self._gdlab_locked = False
                _lock.release()

    Gradebook.__init__, Gradebook.close = __init__, close


def seconds_waited() -> float:
    """Total time this process has waited for the gradebook lock."""
    return _lock.waited if _lock else 0.0
