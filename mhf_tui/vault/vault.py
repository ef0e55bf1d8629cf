"""Vault operations: create, unlock, change passphrase, recover, rotate the data key,
back up, restore and check. Knows nothing of tables; `mhf_tui.db.store` builds on it.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3

from mhf_tui.errors import (
    DiskFull,
    MhfError,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
    is_disk_full,
)
from mhf_tui.paths import DataDir, private_dirs, write_private
from mhf_tui.vault.engine import connect_raw, key_pragma
from mhf_tui.vault.files import UnlockState, VaultFile, stronger_kdf
from mhf_tui.vault.keys import (
    KdfParams,
    UnwrapError,
    derive_passphrase_key,
    derive_recovery_key,
    new_data_key,
    new_recovery_key,
    parse_recovery_key,
    unwrap_key,
    wrap_key,
)

BACKUP_SUFFIX = ".mhfbackup"
Sleeper = Callable[[float], None]


def key_aad(vault_id: str, purpose: str) -> bytes:
    """What a wrap is bound to: this vault and this purpose (passphrase or recovery)."""
    return f"mhf-vault:{vault_id}:{purpose}".encode()


def _seal(
    vault_id: str,
    dek: bytes,
    passphrase: str,
    recovery_key: str,
    created_at: str,
    kdf: KdfParams | None = None,
) -> VaultFile:
    kdf = kdf or KdfParams.fresh()
    return VaultFile(
        vault_id=vault_id,
        kdf=kdf,
        passphrase_wrap=wrap_key(
            derive_passphrase_key(passphrase, kdf), dek, aad=key_aad(vault_id, "passphrase")
        ),
        recovery_wrap=wrap_key(
            derive_recovery_key(parse_recovery_key(recovery_key)),
            dek,
            aad=key_aad(vault_id, "recovery"),
        ),
        created_at=created_at,
    )


def create_vault(data: DataDir, passphrase: str) -> tuple[bytes, str]:
    """Make a new vault and empty encrypted database. Returns (data key, recovery key);
    the recovery key is shown once and never stored."""
    if data.vault.exists() or data.db.exists():
        raise VaultExists(data.root)
    data.ensure()
    dek = new_data_key()
    recovery = new_recovery_key()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    vault = _seal(str(uuid.uuid4()), dek, passphrase, recovery, created)
    conn = connect_raw(data.db, dek)
    conn.close()
    os.chmod(data.db, 0o600)
    vault.save(data.vault)
    return dek, recovery


def load_vault(data: DataDir) -> VaultFile:
    if not data.vault.exists():
        raise VaultMissing(data.root)
    return VaultFile.load(data.vault)


def unlock_data_key(data: DataDir, passphrase: str, *, sleep: Sleeper = time.sleep) -> bytes:
    """Unwrap the data key. After repeated failures, waits a growing delay first."""
    vault = load_vault(data)
    vault.check_kdf()
    state = UnlockState.load(data.unlock_state)
    wait = state.remaining_s()
    if wait > 0:
        sleep(wait)
    try:
        kek = derive_passphrase_key(passphrase, vault.kdf)
        dek = unwrap_key(kek, vault.passphrase_wrap, aad=key_aad(vault.vault_id, "passphrase"))
    except UnwrapError:
        state.record_failure()
        raise WrongPassphrase from None
    state.record_success()
    return dek


def unlock_with_recovery(data: DataDir, recovery_key: str) -> bytes:
    vault = load_vault(data)
    try:
        raw = parse_recovery_key(recovery_key)
        kek = derive_recovery_key(raw)
        return unwrap_key(kek, vault.recovery_wrap, aad=key_aad(vault.vault_id, "recovery"))
    except ValueError as exc:
        raise MhfError(f"invalid recovery key: {exc}") from None
    except UnwrapError:
        raise MhfError("wrong recovery key") from None


def change_passphrase(data: DataDir, old: str, new: str) -> None:
    """Rewrap the data key under a new passphrase; the database is not touched."""
    dek = unlock_data_key(data, old)
    _rewrap_passphrase(data, dek, new)


def recover(data: DataDir, recovery_key: str, new_passphrase: str) -> None:
    """Set a new passphrase using the recovery key; the old passphrase stops working."""
    dek = unlock_with_recovery(data, recovery_key)
    _rewrap_passphrase(data, dek, new_passphrase)
    UnlockState.load(data.unlock_state).record_success()


def _rewrap_passphrase(data: DataDir, dek: bytes, passphrase: str) -> None:
    vault = load_vault(data)
    kdf = stronger_kdf(vault.kdf)
    wrap = wrap_key(
        derive_passphrase_key(passphrase, kdf), dek, aad=key_aad(vault.vault_id, "passphrase")
    )
    VaultFile(vault.vault_id, kdf, wrap, vault.recovery_wrap, vault.created_at).save(data.vault)


def rekey(data: DataDir, passphrase: str) -> str:
    """Rotate the data key with `PRAGMA rekey`. Takes a backup first. The old recovery key
    could unwrap only the old data key, so a new recovery key is made and returned."""
    dek = unlock_data_key(data, passphrase)
    backup(data, dek)
    new_dek = new_data_key()
    new_recovery = new_recovery_key()
    vault = load_vault(data)
    sealed = _seal(
        vault.vault_id,
        new_dek,
        passphrase,
        new_recovery,
        vault.created_at,
        stronger_kdf(vault.kdf),
    )
    conn = connect_raw(data.db, dek)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        conn.execute(key_pragma(new_dek, "rekey"))
        conn.execute("PRAGMA journal_mode = WAL").fetchall()
    finally:
        conn.close()
    sealed.save(data.vault)
    check = connect_raw(data.db, new_dek)
    check.close()
    return new_recovery


def integrity_problems(conn: sqlcipher3.Connection) -> list[str]:
    """SQLCipher's page HMAC check and SQLite's structural check; [] when all is well."""
    problems = [f"cipher: {row[0]}" for row in conn.execute("PRAGMA cipher_integrity_check")]
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        problems.extend(f"integrity: {r}" for r in rows)
    return problems


def backup(data: DataDir, dek: bytes, out: Path | None = None) -> Path:
    """Write an encrypted backup: a tar of a copy of the database (SQLite backup API, same
    key, so it stays ciphertext) and vault.json. Nothing in it is readable without the key."""
    data.ensure()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = out if out is not None else data.backups / f"caseload-{stamp}{BACKUP_SUFFIX}"
    if target.is_dir():
        target = target / f"caseload-{stamp}{BACKUP_SUFFIX}"
    work = data.root / f".backup-{os.getpid()}-{stamp}"
    work.mkdir(mode=0o700)
    try:
        copy_path = work / "caseload.db"
        src = connect_raw(data.db, dek)
        dst = sqlcipher3.connect(str(copy_path), isolation_level=None)
        try:
            dst.execute(key_pragma(dek))
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            dst.close()
            src.close()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(copy_path, arcname="caseload.db")
            tar.add(data.vault, arcname="vault.json")
        private_dirs(target.parent)
        write_private(target, buf.getvalue())
    except (OSError, sqlcipher3.OperationalError) as exc:
        if is_disk_full(exc):
            raise DiskFull() from None
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
