"""One process per data dir: an OS file lock on `mhf.lock` that also records the holder's pid.

The lock is the operating system's own (`flock` on POSIX, `msvcrt.locking` on Windows), taken
on a descriptor this object keeps open: the OS drops it when the process dies, so a crash
never leaves the data dir locked. (Written here rather than with a locking library, whose
import cost more than the rest of the start-up to the lock screen.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

from mhf_tui.errors import InstanceLocked

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class InstanceLock:
    """Held for the life of a process; the OS releases it if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _try_lock(fd)
        except OSError:
            os.close(fd)
            raise InstanceLocked(self.path.parent, self.holder_pid()) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    def holder_pid(self) -> str:
        try:
            return self.path.read_text(encoding="ascii").strip()
        except OSError:
            return ""

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.release()
