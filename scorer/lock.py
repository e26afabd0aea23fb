"""One scorer per database: an exclusive lock on a file beside it, held for the scorer's life.

Two scorers on one SQLite file would each load the same live quizzes and answer the same
requests differently (one join, two player ids). The lock is an `flock` on `<db>.lock`:
the kernel drops it when the process ends, however it ends (kill -9 included), so a stale
lock file never blocks a restart. The file holds the holder's pid, for the error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path

from protocol.errors import RefusalError

# A standby scorer tries the lock this often; it bounds how late it notices the release.
POLL_SECONDS = 0.1


class DatabaseBusyError(RefusalError, RuntimeError):
    """Another process holds the database's lock."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        self.lock_path = lock_path
        self.pid = pid
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"{holder} already runs a scorer on this database (lock {lock_path})")


def lock_path(database: Path) -> Path:
    """The lock file of a database: the same name with `.lock` added."""
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """The exclusive lock on a database, taken before the database is opened."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock at once, or raise DatabaseBusyError naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise DatabaseBusyError(self.path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    async def wait(self) -> None:
        """Take the lock as soon as its holder releases it (a standby scorer)."""
        while True:
            try:
                self.acquire()
            except DatabaseBusyError:
                await asyncio.sleep(POLL_SECONDS)
            else:
                return

    def release(self) -> None:
        """Give the lock up; the file stays (removing it would race with a waiting scorer)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None
