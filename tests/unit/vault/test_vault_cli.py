"""The vault through the `mhf` CLI: init, unlock, passphrase changes, recovery, rekey,
backup/restore, check, and what a wrong passphrase leaves behind."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from mhf_tui import __version__
from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Setting
from mhf_tui.paths import DataDir
from tests.unit.vault.conftest import NEW_PASS, PASS, snapshot

RECOVERY_RE = re.compile(r"Recovery key: ((?:[A-Z2-7]{4}-){7}[A-Z2-7]{4})")


def _write_marker(home: Path, marker: str) -> None:
    caseload = Caseload.open(DataDir(home), PASS)
    caseload.set_setting("marker", marker)
    caseload.close()


def _read_marker(home: Path, passphrase: str = PASS) -> str | None:
    caseload = Caseload.open(DataDir(home), passphrase)
    try:
        return caseload.get_setting("marker")
    finally:
        caseload.close()


def test_init_creates_private_encrypted_files_and_prints_recovery_key(tmp_path, mhf):
    home = tmp_path / "h"
    r = mhf("init", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n{PASS}\n")
    assert r.code == 0
    assert RECOVERY_RE.search(r.out)
    assert "the data is gone" in r.out
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for f in home.rglob("*"):
        if f.is_file():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert not (home / "caseload.db").read_bytes().startswith(b"SQLite format 3")
    vault = json.loads((home / "vault.json").read_text())
    assert vault["kdf"]["algorithm"] == "argon2id"
    assert vault["kdf"]["memory_kib"] >= 65536
    assert vault["kdf"]["iterations"] >= 3
    assert vault["kdf"]["lanes"] == 1
    assert set(vault["wraps"]) == {"passphrase", "recovery"}


def test_init_refuses_to_overwrite(home, mhf):
    before = snapshot(home)
    r = mhf("init", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n{PASS}\n")
    assert r.code == 1
    assert "already exists" in r.err
    assert snapshot(home) == before


def test_init_rejects_mismatched_or_short_passphrase(tmp_path, mhf):
    r = mhf("init", "--home", str(tmp_path / "a"), "--passphrase-stdin", stdin=f"{PASS}\n{PASS}x\n")
    assert r.code == 1 and "do not match" in r.err
    r = mhf("init", "--home", str(tmp_path / "b"), "--passphrase-stdin", stdin="short\nshort\n")
    assert r.code == 1 and "too short" in r.err
    assert not (tmp_path / "a" / "vault.json").exists()


def test_round_trip_unlock_reads_back_what_was_written(home):
    _write_marker(home, "round-trip")
    assert _read_marker(home) == "round-trip"


def test_wrong_passphrase_is_one_line_and_changes_nothing(home, mhf):
    before = snapshot(home)
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin="not the passphrase\n")
    assert r.code == 1
    assert r.err == "mhf: wrong passphrase\n"
    assert "Traceback" not in r.out + r.err
    assert snapshot(home) == before


def test_repeated_failures_persist_a_growing_delay(home, mhf):
    for _ in range(3):
        assert (
            mhf("check", "--home", str(home), "--passphrase-stdin", stdin="nope nope\n").code == 1
        )
    state = json.loads((home / "unlock-state.json").read_text())
    assert state["failures"] == 3
    # the fourth attempt waits first (1 s after 3 failures) and says so
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0
    assert "waiting" in r.err
    assert json.loads((home / "unlock-state.json").read_text())["failures"] == 0


def test_missing_vault_is_a_clear_error(tmp_path, mhf):
    r = mhf("check", "--home", str(tmp_path / "nothing"), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1
    assert "mhf init" in r.err


def test_passwd_then_old_fails_and_new_works(home, mhf):
    _write_marker(home, "kept")
    db_before = (home / "caseload.db").read_bytes()
    r = mhf(
        "passwd",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{PASS}\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert r.code == 0, r.err
    assert (home / "caseload.db").read_bytes() == db_before  # rewrap only
    assert mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n").code == 1
    assert _read_marker(home, NEW_PASS) == "kept"


def test_recover_sets_new_passphrase_and_old_stops_working(tmp_path, mhf):
    home = tmp_path / "h"
    r = mhf("init", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n{PASS}\n")
    recovery = RECOVERY_RE.search(r.out).group(1)
    _write_marker(home, "recovered")
    r = mhf(
        "recover",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{recovery.lower().replace('-', ' ')}\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert r.code == 0, r.err
    assert mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n").code == 1
    assert _read_marker(home, NEW_PASS) == "recovered"
    bad = mhf(
        "recover",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert bad.code == 1 and "wrong recovery key" in bad.err


def test_rekey_keeps_data_and_changes_the_key(home, mhf):
    _write_marker(home, "survives rekey")
    old_vault = json.loads((home / "vault.json").read_text())
    r = mhf("rekey", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0, r.err
    new_recovery = re.search(r"New recovery key: (\S+)", r.out).group(1)
    new_vault = json.loads((home / "vault.json").read_text())
    assert new_vault["wraps"] != old_vault["wraps"]
    assert _read_marker(home) == "survives rekey"
    assert list((home / "backups").glob("*.mhfbackup")), "rekey takes a backup first"
    r = mhf(
        "recover",
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{new_recovery}\n{NEW_PASS}\n{NEW_PASS}\n",
    )
    assert r.code == 0, r.err


def test_backup_and_restore(home, mhf, tmp_path):
    _write_marker(home, "before backup")
    out = tmp_path / "b.mhfbackup"
    r = mhf(
        "backup", "--home", str(home), "--passphrase-stdin", "--out", str(out), stdin=f"{PASS}\n"
    )
    assert r.code == 0, r.err
    assert b"before backup" not in out.read_bytes()
    assert b"SQLite format 3" not in out.read_bytes()
    _write_marker(home, "after backup")
    r = mhf("restore", str(out), "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0, r.err
    assert _read_marker(home) == "before backup"
    assert list((home / "backups").glob("pre-restore-*.mhfbackup"))


def test_restore_refuses_damaged_backup_and_keeps_current(home, mhf, tmp_path):
    _write_marker(home, "current")
    out = tmp_path / "b.mhfbackup"
    assert (
        mhf(
            "backup",
            "--home",
            str(home),
            "--passphrase-stdin",
            "--out",
            str(out),
            stdin=f"{PASS}\n",
        ).code
        == 0
    )
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the database pages
    out.write_bytes(bytes(data))
    r = mhf("restore", str(out), "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1
    assert "Traceback" not in r.err
    assert _read_marker(home) == "current"
    r = mhf(
        "restore",
        str(tmp_path / "missing"),
        "--home",
        str(home),
        "--passphrase-stdin",
        stdin=f"{PASS}\n",
    )
    assert r.code == 1 and "no such backup" in r.err


def test_check_reports_ok_and_detects_a_broken_audit_chain(home, mhf):
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0 and r.out.startswith("OK")
    caseload = Caseload.open(DataDir(home), PASS)
    with caseload.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        conn.exec_driver_sql("UPDATE audit_event SET actor = 'someone else' WHERE seq = 1")
    caseload.close()
    r = mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1
    assert "event 1 was altered" in r.out


def test_no_stored_text_in_any_file(home):
    marker = "ZEBRA-MARKER-7781"
    _write_marker(home, marker)
    caseload = Caseload.open(DataDir(home), PASS)
    with caseload.session() as s:
        assert s.exec(select(Setting).where(Setting.key == "marker")).one().value == marker
    caseload.close()
    for f in home.rglob("*"):
        if f.is_file():
            raw = f.read_bytes()
            assert marker.encode() not in raw, f
            assert marker.encode("utf-16-le") not in raw, f
            assert b"SQLite format 3" not in raw[:16], f


def test_second_instance_is_refused_with_holder_pid(home):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from mhf_tui.vault.lock import InstanceLock; "
            "from pathlib import Path;"
            "l=InstanceLock(Path(sys.argv[1])/'mhf.lock').acquire(); print('held', flush=True);"
            "time.sleep(30)",
            str(home),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        r = subprocess.run(
            [sys.executable, "-m", "mhf_tui", "check", "--home", str(home), "--passphrase-stdin"],
            input=f"{PASS}\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 1
        assert f"in use by process {holder.pid}" in r.stderr
        assert "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    # once the holder is gone, the data dir opens again, unharmed
    assert _read_marker(home) is None


def test_version():
    r = subprocess.run(
        [sys.executable, "-m", "mhf_tui", "--version"], capture_output=True, text=True
    )
    assert r.returncode == 0
    assert r.stdout.strip() == f"mhf {__version__}"
