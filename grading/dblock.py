"""One gradebook session at a time across the grading workers: a file lock held from Gradebook() to close().

nbgrader opens a short gradebook session for each step of autograde and feedback (create the
student and submission, overwrite cells, save grades, read grades) and none spans a kernel run.
Several worker processes writing one SQLite file at once can fail with "database is locked";
holding an exclusive lock (filelock, fcntl.flock underneath) for each session serialises the writes while the kernels,
which take nearly all the time, still run side by side. The operating system drops the lock of a
killed worker. With a server database (db_url) the lock is harmless and keeps the same order.
"""

from __future__ import annotations

import time
from pathlib import Path

from filelock import FileLock, Timeout


class GradebookBusy(RuntimeError):
    """Another process held the gradebook lock for longer than the timeout."""


class _Lock:
    """filelock's reentrant, process-wide lock on a file (fcntl.flock underneath), with the time spent waiting for it."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.timeout, self.waited = timeout, 0.0
        self.path = path

    @property
    def path(self) -> Path:
        return Path(self.file_lock.lock_file)

    @path.setter
    def path(self, path: Path) -> None:
        # mode 0o660: the graders of one course (a group folder on the class's hub) share the lock file.
        self.file_lock = FileLock(str(path), mode=0o660, thread_local=False, preserve_lock_file=True)

    def acquire(self) -> None:
        """Take the lock (or one more level of it), polling until the timeout."""
        start = time.perf_counter()
        try:
            self.file_lock.acquire(timeout=self.timeout, poll_interval=0.002)
        except Timeout:
            raise GradebookBusy(f"the gradebook lock {self.path} was held for more than {self.timeout:.0f} s") from None
        self.waited += time.perf_counter() - start

    def release(self) -> None:
        """Give back one level of the lock; the last one unlocks the file."""
        if self.file_lock.is_locked:
            self.file_lock.release()


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
