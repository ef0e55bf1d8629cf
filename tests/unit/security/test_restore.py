"""Attacks through `mhf restore`: a compression bomb, odd tar members, a backup of another
vault, an older backup that silently erases audit events (backup, view a record, restore),
and errors that print tarfile internals. Backups also keep old secrets: `backup prune`."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlmodel import col, select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent
from mhf_tui.paths import DataDir
from tests.unit.security.conftest import PASS
from tests.unit.vault.conftest import snapshot

NHS = "9990000018"


def _tar(path: Path, members: dict[str, bytes], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _one_line_refusal(r) -> str:
    assert r.code == 1, r.out
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert "Traceback" not in r.err and "tarfile" not in r.err.lower()
    return r.err


def _events(home: Path, passphrase: str = PASS) -> list[AuditEvent]:
    caseload = Caseload.open(DataDir(home), passphrase)
    try:
        with caseload.session() as s:
            return list(s.exec(select(AuditEvent).order_by(col(AuditEvent.seq))))
    finally:
        caseload.close()


@pytest.fixture
def backup_file(home, run, tmp_path) -> Path:
    out = tmp_path / "b.mhfbackup"
    r = run("backup", "--out", str(out))
    assert r.code == 0, r.err
    return out


def test_gzip_bomb_is_refused_before_decompressing_with_bounded_memory(home, tmp_path):
    bomb = tmp_path / "bomb.mhfbackup"
    zeros = 256 * 1024 * 1024
    with tarfile.open(bomb, "w:gz", compresslevel=1) as tar:
        for name, size in (("vault.json", 10), ("caseload.db", zeros)):
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, _Zeros(size))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    before = snapshot(home)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mhf_tui",
            "restore",
            str(bomb),
            "--home",
            str(home),
            "--passphrase-stdin",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(f"{PASS}\n".encode())
    proc.stdin.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    assert os.waitstatus_to_exitcode(status) == 1
    assert "not an uncompressed tar" in err and len(err.strip().splitlines()) == 1
    assert usage.ru_maxrss < 200 * 1024  # KiB: far below the 256 MiB inside
    assert snapshot(home) == before
    assert not list(home.glob(".restore-*"))


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def test_oversized_member_is_refused_from_its_header(home, run, tmp_path):
    path = tmp_path / "huge.mhfbackup"
    with open(path, "wb") as f:
        info = tarfile.TarInfo("caseload.db")
        info.size = 64 * 1024**3  # declared only: the file is a few bytes long
        f.write(info.tobuf())
    err = _one_line_refusal(run("restore", str(path)))
    assert "too large" in err


@pytest.mark.parametrize(
    "extra",
    [
        {"../vault.json": b"{}"},
        {"caseload.db-wal": b"x"},
        {"notes.txt": b"x"},
    ],
)
def test_unexpected_members_are_refused(home, run, tmp_path, extra):
    members = {"vault.json": (home / "vault.json").read_bytes(), "caseload.db": b"x", **extra}
    err = _one_line_refusal(run("restore", str(_tar(tmp_path / "x.mhfbackup", members))))
    assert "not an mhf backup" in err


def test_symlink_member_is_refused(home, run, tmp_path):
    path = tmp_path / "link.mhfbackup"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("caseload.db")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
        data = (home / "vault.json").read_bytes()
        info = tarfile.TarInfo("vault.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert "unexpected entry" in _one_line_refusal(run("restore", str(path)))


def test_passphrase_is_checked_before_anything_is_extracted(home, run, mhf, tmp_path):
    """The database member is garbage: a wrong passphrase is reported, not the damage,
    so the passphrase was tried first; with the right one the damage is found."""
    members = {"vault.json": (home / "vault.json").read_bytes(), "caseload.db": b"x" * 4096}
    path = _tar(tmp_path / "g.mhfbackup", members)
    r = run("restore", str(path), stdin="")  # the fixture feeds PASS
    assert "integrity" in _one_line_refusal(r) or "does not open" in r.err
    r = mhf("restore", str(path), "--home", str(home), "--passphrase-stdin", stdin="wrong one\n")
    assert "wrong passphrase for this backup" in _one_line_refusal(r)


def test_backup_of_another_vault_is_refused_before_extraction(home, run, mhf, tmp_path):
    from mhf_tui.services.setup import initialise_caseload

    other = DataDir(tmp_path / "other")
    other.ensure()
    initialise_caseload(other, PASS, facilitator="Someone Else")[0].close()
    garbage = {"vault.json": other.vault.read_bytes(), "caseload.db": b"x" * 4096}
    err = _one_line_refusal(run("restore", str(_tar(tmp_path / "o.mhfbackup", garbage))))
    assert "another caseload" in err and "--force" in err
    real = tmp_path / "real.mhfbackup"
    r = mhf(
        "backup",
        "--out",
        str(real),
        "--home",
        str(other.root),
        "--passphrase-stdin",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    before = snapshot(home)
    assert "another caseload" in _one_line_refusal(run("restore", str(real)))
    assert snapshot(home) == before
    r = run("restore", str(real), "--force")
    assert r.code == 0, r.err
    assert (
        json.loads((home / "vault.json").read_text())["vault_id"]
        == json.loads(other.vault.read_text())["vault_id"]
    )
    restore = [e for e in _events(home) if e.action == "restore"]
    assert restore and "same_vault=False" in restore[-1].detail


def test_older_backup_needs_force_and_the_restore_records_what_was_replaced(home, run, backup_file):
    """backup -> an audited view -> restore used to erase the view silently."""
    assert run("practice", "add", "--ods", "Z99901", "--name", "Surgery").code == 0
    before = snapshot(home)
    err = _one_line_refusal(run("restore", str(backup_file)))
    assert "older than the caseload" in err and "would be lost" in err and "--force" in err
    assert snapshot(home) == before
    replaced = len(_events(home))
    r = run("restore", str(backup_file), "--force")
    assert r.code == 0, r.err
    events = _events(home)
    assert events[-1].action == "restore"
    assert f"replaced_events={replaced}" in events[-1].detail
    assert "kept=pre-restore-" in events[-1].detail
    r = run("check")
    assert r.code == 0, r.out  # the head now follows the restored chain


def test_restoring_the_latest_backup_needs_no_force_and_is_audited(home, run, backup_file):
    actions = [e.action for e in _events(home)]
    assert actions[-1] == "backup"
    r = run("restore", str(backup_file))
    assert r.code == 0, r.err
    assert [e.action for e in _events(home)][-1] == "restore"


def test_passwd_and_rekey_say_old_backups_keep_old_secrets(home, run, mhf):
    new = "purple elephant dances quietly"
    r = run("passwd", stdin=f"{new}\n{new}\n")
    assert r.code == 0, r.err
    assert "still open with the old passphrase" in r.out and "backup prune" in r.out
    r = mhf("rekey", "--home", str(home), "--passphrase-stdin", stdin=f"{new}\n")
    assert r.code == 0, r.err
    assert "still open with the old recovery key" in r.out


def test_backup_prune_deletes_old_backups_and_is_audited(home, run, backup_file):
    backups = home / "backups"
    old = backups / "caseload-20200101T000000000000Z.mhfbackup"
    old.write_bytes(backup_file.read_bytes())
    recent = backups / "caseload-29990101T000000000000Z.mhfbackup"
    recent.write_bytes(b"x")
    r = run("backup", "prune", "--before", "2026-01-01")
    assert r.code == 0, r.err
    assert not old.exists() and recent.exists()
    assert "1 backup(s)" in r.out
    prune = [e for e in _events(home) if e.action == "prune"]
    assert prune and "deleted=1" in prune[-1].detail
    err = _one_line_refusal(run("backup", "prune", "--before", "soon"))
    assert "--before" in err


def test_damaged_database_error_is_one_line_on_the_real_stderr(home, tmp_path):
    """SQLCipher used to log three lines of its own straight to fd 2."""
    members = {"vault.json": (home / "vault.json").read_bytes(), "caseload.db": b"x" * 4096}
    path = _tar(tmp_path / "g.mhfbackup", members)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mhf_tui",
            "restore",
            str(path),
            "--home",
            str(home),
            "--passphrase-stdin",
        ],
        input=f"{PASS}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "mhf: the backup's database does not open: it is damaged"
    ]


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar makes the sparse archive")
def test_sparse_member_bomb_is_refused(home, run, tmp_path):
    """A sparse entry stores a few bytes and expands to its declared size on extraction."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(home / "vault.json", src / "vault.json")
    with open(src / "caseload.db", "wb") as f:
        f.truncate(512 * 1024 * 1024)
    bomb = tmp_path / "sparse.mhfbackup"
    subprocess.run(
        ["tar", "--sparse", "-cf", str(bomb), "-C", str(src), "vault.json", "caseload.db"],
        check=True,
    )
    assert bomb.stat().st_size < 1024 * 1024
    err = _one_line_refusal(run("restore", str(bomb)))
    assert "not an mhf backup" in err
