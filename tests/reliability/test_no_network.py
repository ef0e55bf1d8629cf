"""No network: the main flows (init, practice and patient add, note add, search, backup,
sync export, the practice inbox's init, enrol and import, check) never create a socket or
resolve a name.

In-process, socket creation and name lookup are replaced by traps that record and
refuse. In separate processes, an audit hook kills the process on any socket event (see
child.py), and where `unshare -n` works the same flows also run with no network at all.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mhf_tui.cli.main import main as mhf_main
from tests.reliability.conftest import PASS, PRACTICE_ODS, run_mhf, synthetic_nhs_numbers

Runner = Callable[..., tuple[int, str, str]]


def main_flows(tmp_path: Path, run: Runner, *, every_step: bool = True) -> None:
    """The everyday commands, start to finish, each expected to succeed. Without
    `every_step` the read-only ones (search, check) are left out, to keep the
    one-process-per-command variant quick; sync export and import stay in."""
    home, out, store = str(tmp_path / "home"), tmp_path / "exports", tmp_path / "store"
    nhs = synthetic_nhs_numbers(1, start=999_300_000)[0]
    p = f"{PASS}\n"

    def ok(*args: str, stdin: str = p) -> str:
        code, stdout, stderr = run(*args, stdin=stdin)
        assert code == 0, f"mhf {' '.join(args[:2])}: {stderr}"
        return stdout

    recipient = ok(
        "inbox", "init", "--store", str(store), "--ods", PRACTICE_ODS, "--passphrase-stdin",
        stdin=p + p,
    ).strip()  # fmt: skip
    ok("init", "--home", home, "--passphrase-stdin", "--name", "Net Test", stdin=p + p)
    ok("practice", "add", "--home", home, "--passphrase-stdin", "--ods", PRACTICE_ODS,
       "--name", "Offline Surgery", "--recipient", recipient)  # fmt: skip
    ok("patient", "add", "--home", home, "--passphrase-stdin", "--nhs", nhs, "--family",
       "Nowire", "--given", "Ada", "--dob", "1980-02-03", "--practice", PRACTICE_ODS)  # fmt: skip
    ok("note", "add", "--home", home, "--passphrase-stdin", "--nhs", nhs,
       "Phone call; agreed plan, no network needed")  # fmt: skip
    if every_step:
        assert "agreed" in ok("note", "search", "--home", home, "--passphrase-stdin", "agreed")
    ok("backup", "--home", home, "--passphrase-stdin")
    ok("sync", "export", "--home", home, "--passphrase-stdin", "--practice", PRACTICE_ODS,
       "--out", str(out))  # fmt: skip
    (sync_file,) = out.glob("*.mhfsync")
    who = json.loads(ok("sync", "whoami", "--home", home, "--passphrase-stdin", "--json"))
    ok("inbox", "enrol", "--store", str(store), "--fingerprint", who["fingerprint"],
       "--name", "Net Test", "--passphrase-stdin")  # fmt: skip
    ok("inbox", "import", "--passphrase-stdin", "--store", str(store), "--ack-out",
       str(tmp_path), str(sync_file))  # fmt: skip
    if every_step:
        ok("check", "--home", home, "--passphrase-stdin")


@pytest.mark.reliability
def test_main_flows_in_process_never_touch_a_socket(tmp_path, monkeypatch, capsys):
    attempts: list[str] = []

    def trap(name: str) -> Callable[..., object]:
        def refuse(*args: object, **kwargs: object) -> object:
            attempts.append(name)
            raise OSError(f"network disabled by test ({name})")

        return refuse

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname", "socketpair"):
        monkeypatch.setattr(socket, name, trap(name))

    def run(*args: str, stdin: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = mhf_main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    main_flows(tmp_path, run)
    assert attempts == []


def _in_subprocess(prefix: list[str]) -> Runner:
    def run(*args: str, stdin: str) -> tuple[int, str, str]:
        result = run_mhf(*args, stdin=stdin, prefix=prefix)
        assert result.returncode != 97, result.stderr  # the audit hook saw a socket
        return result.returncode, result.stdout, result.stderr

    return run


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode == 0:
        return True
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.reliability
def test_main_flows_as_processes_with_no_network_at_all(tmp_path):
    if not _unshare_works():
        pytest.skip("unshare -n is not permitted here; the in-process test still ran")
    root = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    main_flows(tmp_path, _in_subprocess(["unshare", "-n" if root else "-rn"]), every_step=False)
