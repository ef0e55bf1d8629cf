"""User-facing errors.

Every error a user can cause is an `MhfError`: the CLI prints its message as one line on
stderr and exits non-zero; the UI shows it as a notification. Messages never contain
patient data, because they may end up in terminal scrollback.
"""

import errno


class MhfError(Exception):
    """An error with a message fit to show the user as is."""

    exit_code = 1


class WrongPassphrase(MhfError):
    def __init__(self) -> None:
        super().__init__("wrong passphrase")


class VaultMissing(MhfError):
    def __init__(self, home: object) -> None:
        super().__init__(f"no vault in {home}: run `mhf init` first")


class VaultExists(MhfError):
    def __init__(self, home: object) -> None:
        super().__init__(f"a vault already exists in {home}; refusing to overwrite it")


class InstanceLocked(MhfError):
    def __init__(self, home: object, pid: str) -> None:
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"the data dir {home} is in use by {holder}; close it first")


class DiskFull(MhfError):
    def __init__(self) -> None:
        super().__init__(
            "the disk is full: the last change was not saved (everything saved before it is "
            "safe); free some space and try again"
        )


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT from the OS, or SQLite's SQLITE_FULL (seen through any driver layer)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "database or disk is full" in str(exc)


class ValidationError(MhfError):
    """Bad input from the user (a field, a file row); nothing was written."""
