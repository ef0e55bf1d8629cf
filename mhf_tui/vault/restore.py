"""Restore a backup, treating the file as hostile until proven otherwise.

A backup is a plain tar (never compressed: a small gzip file could expand to gigabytes)
of exactly two regular files, `vault.json` and `caseload.db`, each size-checked from its
header before a byte is read. The passphrase is tried against the backup's `vault.json`
(read into memory) before anything is written to disk. A backup of another vault, or one
with fewer audit events than the head recorded for this caseload, is refused unless the
user says `--force`, and the message says what would be lost.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlcipher3

from mhf_tui.errors import MhfError
from mhf_tui.paths import DataDir, fsync_dir, write_private
from mhf_tui.vault.engine import connect_raw
from mhf_tui.vault.files import MAX_VAULT_BYTES, VaultFile
from mhf_tui.vault.keys import UnwrapError, derive_passphrase_key, unwrap_key
from mhf_tui.vault.vault import BACKUP_SUFFIX, integrity_problems, key_aad

MAX_DATABASE = 8 * 1024**3
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Restored:
    """What a restore did, for the audit event the caller records."""

    events: int  # audit events in the restored database
    replaced_events: int | None  # the head recorded before (None: no head was recorded)
    replaced_vault_id: str | None
    kept: Path | None  # the replaced files, kept as a backup


def restore(
    data: DataDir,
    archive: Path,
    passphrase: str,
    *,
    recorded_events: int | None = None,
    force: bool = False,
) -> Restored:
    """Bring back a backup after checking it; `recorded_events` is the current audit head's
    count (from audit-head.json), so an older backup is not restored by accident."""
    if not archive.is_file():
        raise MhfError(f"no such backup file: {archive}")
    current_id = _current_vault_id(data)
    data.ensure()
    work = data.root / f".restore-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        with _open_plain_tar(archive) as tar:
            members = _members(tar, archive.name, archive.stat().st_size)
            vault = VaultFile.from_bytes(_read(tar, members["vault.json"]), "backup's vault.json")
            vault.check_kdf()
            dek = _unwrap(vault, passphrase)
            if current_id is not None and vault.vault_id != current_id and not force:
                raise MhfError(
                    "this backup is of another caseload (a different vault id): restoring it "
                    "replaces everything in this one; add --force if that is what you want"
                )
            _extract(tar, members["caseload.db"], work / "caseload.db")
        events = _check_database(work / "caseload.db", dek)
        if recorded_events is not None and events < recorded_events and not force:
            raise MhfError(
                f"this backup is older than the caseload: it has {events} audit events, the "
                f"caseload had {recorded_events}, so everything recorded in the last "
                f"{recorded_events - events} events would be lost; add --force to restore it"
            )
        kept = _archive_current(data) if data.db.exists() and data.vault.exists() else None
        for suffix in ("-wal", "-shm"):
            Path(str(data.db) + suffix).unlink(missing_ok=True)
        vault.save(work / "vault.json")
        os.replace(work / "caseload.db", data.db)
        os.replace(work / "vault.json", data.vault)
        fsync_dir(data.root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Restored(events, recorded_events, current_id, kept)


def _current_vault_id(data: DataDir) -> str | None:
    if not data.vault.exists():
        return None
    try:
        return VaultFile.load(data.vault).vault_id
    except MhfError:
        return None  # a damaged vault.json is what restore is for


def _open_plain_tar(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:")
    except (tarfile.TarError, OSError, EOFError):
        raise MhfError(
            f"{archive.name} is not an mhf backup (not an uncompressed tar file)"
        ) from None


def _members(tar: tarfile.TarFile, name: str, stored: int) -> dict[str, tarfile.TarInfo]:
    """The two expected plain files, read header by header; anything else (a third
    member, a link, a device, a path, a sparse file, an entry larger than its cap or than
    the archive itself could hold) is refused before reading."""
    limits = {"vault.json": MAX_VAULT_BYTES, "caseload.db": MAX_DATABASE}
    found: dict[str, tarfile.TarInfo] = {}
    try:
        while (member := tar.next()) is not None:
            plain = member.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
            if member.name not in limits or member.name in found or not plain:
                raise MhfError(f"{name} is not an mhf backup (unexpected entry in it)")
            if member.size > min(limits[member.name], stored):
                raise MhfError(f"{name} is not an mhf backup ({member.name} is too large)")
            found[member.name] = member
    except (tarfile.TarError, OSError, EOFError):
        raise MhfError(f"{name} is damaged or not an mhf backup") from None
    if set(found) != set(limits):
        raise MhfError(f"{name} is not an mhf backup (an entry is missing)")
    return found


def _source(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    src = tar.extractfile(member)
    if src is None:
        raise MhfError("the backup is damaged")
    return src


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    try:
        return _source(tar, member).read(MAX_VAULT_BYTES + 1)
    except (tarfile.TarError, OSError, EOFError):
        raise MhfError("the backup is damaged or truncated") from None


def _unwrap(vault: VaultFile, passphrase: str) -> bytes:
    try:
        kek = derive_passphrase_key(passphrase, vault.kdf)
        return unwrap_key(kek, vault.passphrase_wrap, aad=key_aad(vault.vault_id, "passphrase"))
    except UnwrapError:
        raise MhfError(
            "wrong passphrase for this backup (it is the one set when the backup was made)"
        ) from None


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """Copy in chunks (memory stays bounded), never more than the header declared."""
    src = _source(tar, member)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            left = member.size
            while left > 0:
                chunk = src.read(min(_CHUNK, left))
                if not chunk:
                    raise MhfError("the backup is truncated")
                out.write(chunk)
                left -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except (tarfile.TarError, EOFError):
        raise MhfError("the backup is damaged or truncated") from None


def _check_database(path: Path, dek: bytes) -> int:
    """The staged database opens, passes both integrity checks; returns its audit count."""
    try:
        conn = connect_raw(path, dek)
    except sqlcipher3.DatabaseError:
        raise MhfError("the backup's database does not open: it is damaged") from None
    try:
        problems = integrity_problems(conn)
        # the one table this layer reads: how long the audit trail is
        row = conn.execute("SELECT count(*) FROM audit_event").fetchone()
    except sqlcipher3.DatabaseError:
        problems, row = ["the database is damaged"], None
    finally:
        conn.close()
    if problems:
        raise MhfError(f"backup failed its integrity check: {problems[0]}")
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return int(row[0]) if row else 0


def _archive_current(data: DataDir) -> Path:
    """Keep the files being replaced (still encrypted) as a backup archive."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = data.backups / f"pre-restore-{stamp}{BACKUP_SUFFIX}"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(data.db, arcname="caseload.db")
        tar.add(data.vault, arcname="vault.json")
    write_private(target, buf.getvalue())
    return target
