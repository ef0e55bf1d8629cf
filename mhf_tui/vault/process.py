"""Keep keys out of crash dumps and away from other processes of the same user.

A core dump of an unlocked mhf would hold the passphrase and the data key in clear. Every
entry point calls `harden_process` first, before any secret is read: core size 0, and on
Linux `PR_SET_DUMPABLE` 0, which also stops same-user processes from attaching a debugger or
reading `/proc/PID/mem`.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_DUMPABLE = 4


def harden_process() -> None:
    """No core file, not dumpable; best effort where the platform lacks either."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            # The process's own symbols include libc's: no `find_library`, which runs
            # `ldconfig` in a subprocess (about 10 ms of every start).
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass
