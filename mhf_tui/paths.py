"""Where mhf keeps its files.

One data dir holds everything (DESIGN.md, Storage). `--home` beats `MHF_HOME` beats the
platformdirs default. The dir is created 0700 and every file in it 0600.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from mhf_tui.errors import DiskFull, is_disk_full

APP_NAME = "mhf"


def default_home() -> Path:
    env = os.environ.get("MHF_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


class Below:
    """A data dir's file or subdir: its fixed name below the dir's root."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, owner: DataDir, _cls: type | None = None) -> Path:
        return owner.root / self.name


@dataclass(frozen=True)
class DataDir:
    """The files of one data dir, by name."""

    root: Path
    db = Below("caseload.db")
    vault = Below("vault.json")
    unlock_state = Below("unlock-state.json")
    audit_head = Below("audit-head.json")
    lock = Below("mhf.lock")
    config = Below("config.toml")
    exports = Below("exports")
    backups = Below("backups")
    templates = Below("templates")

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> DataDir:
        return cls(Path(home).expanduser() if home else default_home())

    def ensure(self) -> None:
        """Create the dir (0700) and its subdirs; tighten modes if they were looser."""
        for d in (self.root, self.exports, self.backups):
            private_dirs(d)
            os.chmod(d, 0o700)


def missing_dirs(directory: Path) -> list[Path]:
    """`directory` and those of its parents that do not exist yet, outermost first."""
    missing: list[Path] = []
    current = directory
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    return missing[::-1]


def private_dirs(directory: Path) -> None:
    """Create `directory` and every missing parent with mode 0700 (`mkdir(parents=True)`
    gives the parents the umask's mode, often 0755, which would show file names)."""
    for path in missing_dirs(directory):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass


class _FdWriter(io.RawIOBase):
    """The temp file as a stream, written with `os.write` until every byte is down (a
    short write is retried, ENOSPC surfaces at once); closing it closes the descriptor."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            view = view[os.write(self._fd, view) :]
        return total

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


@contextmanager
def private_file(path: Path) -> Iterator[BinaryIO]:
    """Write a file atomically with mode 0600, as a stream: yields the temp file to write.

    The temp file is made by `mkstemp` in the target dir (random name, O_EXCL and
    O_NOFOLLOW: a symlink planted at a predictable temp name cannot redirect the data), then
    fsynced and renamed over `path` when the block ends without an error (else removed).
    rename(2) replaces a symlink at `path` itself and never writes through it."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with _FdWriter(fd) as out:
            yield cast(BinaryIO, out)
            os.fsync(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFull() from None
        raise
    fsync_dir(path.parent)


def write_private(path: Path, data: bytes) -> None:
    """`data` written atomically, 0600, by `private_file`."""
    with private_file(path) as out:
        out.write(data)


def fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
