"""A full disk part-way through writes: the database stays consistent, nothing half-written
is left behind, and the user is told plainly (an MhfError, one line, no traceback).

Two ways of filling the disk: a real one (a tiny tmpfs, when we may mount one: root on
Linux) and a simulated one (the write or the fsync in `write_private` fails with ENOSPC
part-way, which works anywhere).
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

import mhf_tui.paths
from mhf_tui.cli.main import main as mhf_main
from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Note
from mhf_tui.errors import MhfError
from mhf_tui.services.audit import verify_chain
from mhf_tui.services.notes import add_note
from tests.reliability.conftest import ACTOR, PASS, check_ok, run_mhf, seed

NEW_PASS = "a different long passphrase"


def _leftovers(home: Path) -> list[str]:
    """Temp files and work dirs (dot-names) a failed write might leave in the data dir."""
    return sorted(p.name for p in home.iterdir() if p.name.startswith("."))


# --- a real full disk --------------------------------------------------------------------


def _mount_tiny_tmpfs(where: Path, size_kib: int) -> bool:
    where.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(where)],
        capture_output=True,
    )
    return result.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    if not _mount_tiny_tmpfs(mount_point, 3072):
        pytest.skip("mounting a tmpfs needs root on Linux; the simulated ENOSPC tests still run")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.mark.reliability
def test_database_filling_the_disk_is_reported_and_stays_consistent(tiny_disk):
    seeded = seed(tiny_disk / "home", patients=1)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * 512 * 1024)
    patient_id = seeded.patient_ids[0]
    committed: list[uuid.UUID] = []
    caseload = Caseload.open(seeded.data, PASS)
    try:
        with pytest.raises(MhfError) as full:
            for n in range(10_000):
                with caseload.session() as session:
                    note = add_note(
                        session, actor=ACTOR, patient_id=patient_id, text=f"note {n} " + "x" * 8000
                    )
                committed.append(note.id)
        message = str(full.value)
        assert "disk is full" in message and "\n" not in message
        assert len(committed) > 5  # it really was part-way through
        with pytest.raises(MhfError, match="disk is full"):  # and stays a clear error
            with caseload.session() as session:
                add_note(session, actor=ACTOR, patient_id=patient_id, text="one more " * 1000)
    finally:
        caseload.close()

    # a backup on the full disk fails cleanly, leaving nothing half-written
    refused = run_mhf("backup", "--home", str(seeded.home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert refused.returncode == 1
    assert "disk is full" in refused.stderr and refused.stderr.count("\n") == 1, refused.stderr
    assert _leftovers(seeded.home) == []
    assert list(seeded.data.backups.iterdir()) == []

    # still full: the database opens, every committed note is there, all checks pass
    caseload = Caseload.open(seeded.data, PASS)
    try:
        assert caseload.integrity_problems() == []
        with caseload.session() as session:
            assert verify_chain(session).ok
            assert set(committed) <= set(session.exec(select(Note.id)).all())
        # with space freed, writing works again
        filler.unlink()
        with caseload.session() as session:
            add_note(session, actor=ACTOR, patient_id=patient_id, text="after freeing space")
    finally:
        caseload.close()
    check_ok(seeded.home)


# --- a simulated full disk in write_private -----------------------------------------------


class _DiskFillsUp:
    """Stands in for the `os` module inside mhf_tui.paths: the disk fills after `room`
    bytes (or the fsync reports it, as delayed-allocation filesystems do)."""

    def __init__(self, *, room: int, fail_fsync: bool) -> None:
        self.room = room
        self.fail_fsync = fail_fsync

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = os.write(fd, bytes(data[: self.room]))
        self.room -= n
        return n

    def fsync(self, fd: int) -> None:
        if self.fail_fsync:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(fd)


def _mhf(monkeypatch, capsys, *args: str, stdin: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = mhf_main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.reliability
@pytest.mark.parametrize("fail_fsync", [False, True], ids=["write", "fsync"])
def test_vault_file_write_failing_part_way_keeps_the_old_one(
    seeded, monkeypatch, capsys, fail_fsync
):
    before = seeded.data.vault.read_bytes()
    monkeypatch.setattr(mhf_tui.paths, "os", _DiskFillsUp(room=100, fail_fsync=fail_fsync))
    code, err = _mhf(
        monkeypatch, capsys, "passwd", "--home", str(seeded.home), "--passphrase-stdin",
        stdin=f"{PASS}\n{NEW_PASS}\n{NEW_PASS}\n",
    )  # fmt: skip
    monkeypatch.undo()
    assert code == 1
    assert "disk is full" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert seeded.data.vault.read_bytes() == before
    assert _leftovers(seeded.home) == []
    Caseload.open(seeded.data, PASS).close()  # the old passphrase still opens it


@pytest.mark.reliability
def test_backup_failing_part_way_leaves_no_partial_file(seeded, monkeypatch, capsys):
    monkeypatch.setattr(mhf_tui.paths, "os", _DiskFillsUp(room=64 * 1024, fail_fsync=False))
    code, err = _mhf(
        monkeypatch, capsys, "backup", "--home", str(seeded.home), "--passphrase-stdin",
        stdin=f"{PASS}\n",
    )  # fmt: skip
    monkeypatch.undo()
    assert code == 1
    assert "disk is full" in err and err.count("\n") == 1, err
    assert list(seeded.data.backups.iterdir()) == []
    assert _leftovers(seeded.home) == []
    check_ok(seeded.home)
