"""User-facing errors.

Every error a user can cause is an `MhfError`: the CLI prints its message as one line on
stderr and exits non-zero; the UI shows it as a notification. Messages never contain
patient data, because they may end up in terminal scrollback.
"""


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


class ValidationError(MhfError):
    """Bad input from the user (a field, a file row); nothing was written."""
