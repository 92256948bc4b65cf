"""One gradebook session at a time across the grading workers: a file lock held from Gradebook() to close().

nbgrader opens a short gradebook session for each step of autograde and feedback (create the
student and submission, overwrite cells, save grades, read grades) and none spans a kernel run.
Several worker processes writing one SQLite file at once can fail with "database is locked";
holding an exclusive lock (filelock, fcntl.flock underneath) for each session serialises the writes while the kernels,
which take nearly all the time, still run side by side. The operating system drops the lock of a
killed worker. With a server database (db_url) the lock is harmless and keeps the same order.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout


class GradebookBusy(RuntimeError):
    """Another process held the gradebook lock for longer than the timeout."""


class GradebookLock:
    """filelock's reentrant lock on a file (fcntl.flock underneath), held by every nbgrader gradebook session opened
    inside `sessions()`, with the time spent waiting for it."""

    def __init__(self, path: Path | str, timeout: float = 300.0) -> None:
        self.timeout, self.waited = timeout, 0.0
        # mode 0o660: the graders of one course (a group folder on the class's hub) share the lock file.
        self.file_lock = FileLock(str(path), mode=0o660, thread_local=False, preserve_lock_file=True)

    @property
    def path(self) -> Path:
        """The lock file."""
        return Path(self.file_lock.lock_file)

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

    @contextlib.contextmanager
    def sessions(self) -> Iterator[None]:
        """Within the block, each nbgrader Gradebook session holds the lock from Gradebook() to close().

        nbgrader's converters open their Gradebook themselves, so the block swaps Gradebook's __init__ and
        close for locking ones and puts nbgrader's back when it ends; nothing outside the block is changed.
        """
        from nbgrader.api import Gradebook

        original_init, original_close = Gradebook.__init__, Gradebook.close
        lock = self

        def __init__(gradebook, *args, **kwargs) -> None:
            lock.acquire()
            gradebook._gdgrade_locked = True
            try:
                original_init(gradebook, *args, **kwargs)
            except BaseException:
                gradebook._gdgrade_locked = False
                lock.release()
                raise

        def close(gradebook) -> None:
            try:
                original_close(gradebook)
            finally:
                if getattr(gradebook, "_gdgrade_locked", False):
                    gradebook._gdgrade_locked = False
                    lock.release()

        Gradebook.__init__, Gradebook.close = __init__, close
        try:
            yield
        finally:
            Gradebook.__init__, Gradebook.close = original_init, original_close
