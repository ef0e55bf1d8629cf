"""Attack: a crash dump (or a same-user debugger reading /proc/PID/mem) of a running mhf
holds the passphrase and the data key. Every entry point makes itself non-dumpable with
core size 0 before it reads any secret; checked from outside on a real mhf process that is
waiting for its passphrase."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import child_env

#: as root, CAP_SYS_PTRACE would let the observer read any process: both sides drop it, so
#: only the dumpable flag decides (as it does for an ordinary user)
_NO_PTRACE = ["setpriv", "--bounding-set=-sys_ptrace", "--inh-caps=-sys_ptrace"]


def _prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.fail("running as root needs setpriv (util-linux) to drop CAP_SYS_PTRACE")
    return _NO_PTRACE


def _mem_readable(pid: int) -> bool:
    """Whether a same-user process without CAP_SYS_PTRACE may open /proc/PID/mem."""
    probe = f"open('/proc/{pid}/mem', 'rb').close()"
    r = subprocess.run([*_prefix(), sys.executable, "-c", probe], capture_output=True)
    return r.returncode == 0


def _core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    return ""


def _waiting(cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*_prefix(), *cmd],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(),
    )


def _settle(proc: subprocess.Popen[bytes], done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not done():
        assert proc.poll() is None, "the child exited early"
        time.sleep(0.1)


@pytest.mark.reliability
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux")
def test_control_an_ordinary_python_process_is_readable():
    """The observer can tell: a process that did not harden itself is readable."""
    proc = _waiting([sys.executable, "-c", "import sys; sys.stdin.readline()"])
    try:
        time.sleep(0.5)
        assert _mem_readable(proc.pid)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.reliability
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux")
@pytest.mark.parametrize("entry", ["python -m mhf_tui", "mhf script"])
def test_running_mhf_is_not_dumpable_and_has_no_core(seeded, entry):
    if entry == "mhf script":
        script = Path(sys.executable).with_name("mhf")
        assert script.exists(), "the `mhf` console script is installed with the package"
        cmd = [str(script)]
    else:
        cmd = [sys.executable, "-m", "mhf_tui"]
    proc = _waiting([*cmd, "check", "--home", str(seeded.home), "--passphrase-stdin"])
    try:
        _settle(proc, lambda: _core_limit(proc.pid) == "0 0" and not _mem_readable(proc.pid))
        assert proc.poll() is None
        assert _core_limit(proc.pid) == "0 0"
        assert not _mem_readable(proc.pid)
    finally:
        proc.kill()
        proc.wait()
