"""One process per data dir: an OS file lock on `mhf.lock` that also records the holder's pid."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from mhf_tui.errors import InstanceLocked


class InstanceLock:
    """Held for the life of a process; the OS releases it if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path), timeout=0, mode=0o600, is_singleton=False)

    def acquire(self) -> InstanceLock:
        try:
            self._lock.acquire()
        except Timeout:
            raise InstanceLocked(self.path.parent, self.holder_pid()) from None
        fd = self._lock._context.lock_file_fd  # the OS-locked descriptor
        if fd is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

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
