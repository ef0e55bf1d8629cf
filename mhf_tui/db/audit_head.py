"""The audit head: the chain's length and last hash, kept outside the database.

The hash chain shows an edited event, but not a chain cut short (the last events deleted)
or re-hashed after a deletion, nor an older copy of the database put back. So at every
unlock and every change the head is written to `audit-head.json`, signed with this device's
Ed25519 key (kept in the encrypted database), and `mhf check` refuses a chain that is
shorter than, or does not extend, the recorded head. The same head travels to the practice
in each sync manifest, out of reach of anyone holding this laptop's passphrase.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlmodel import Session, col, select

from mhf_tui.db.tables import AuditEvent, Setting
from mhf_tui.errors import MhfError
from mhf_tui.paths import write_private

GENESIS = "0" * 64
HEAD_FORMAT = 1
#: the Setting holding the device's Ed25519 private key (hex); the sync package's
#: `SIGNING_KEY_SETTING` names the same row (a test keeps them equal)
DEVICE_KEY_SETTING = "device_signing_key"


@dataclass(frozen=True)
class AuditHead:
    """How many events the chain holds and the hash of the last one."""

    count: int
    hash: str


def chain_tip(session: Session) -> AuditHead:
    """The chain's head now (0 and GENESIS for an empty chain)."""
    row = (
        session.connection()
        .execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
        )
        .first()
    )
    return AuditHead(int(row[0] or 0), str(row[1])) if row else AuditHead(0, GENESIS)


def hash_at(session: Session, seq: int) -> str | None:
    """The hash of event `seq` (GENESIS for 0), or None if there is no such event."""
    if seq == 0:
        return GENESIS
    row = session.get(AuditEvent, seq)
    return row.hash if row else None


def device_key(session: Session) -> Ed25519PrivateKey | None:
    row = session.get(Setting, DEVICE_KEY_SETTING)
    if row is None:
        return None
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(row.value))


def _public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _signed_part(fields: dict[str, Any]) -> bytes:
    keep = {k: fields[k] for k in ("format", "vault_id", "count", "hash", "written_at")}
    return json.dumps(keep, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class RecordedHead:
    """audit-head.json as read back."""

    head: AuditHead
    vault_id: str
    written_at: str
    public_key: str
    signature: str
    signed_part: bytes

    def signature_ok(self, key: Ed25519PrivateKey | None) -> bool:
        """Whether the signature verifies under this device's key."""
        if key is None or not self.signature or self.public_key != _public_hex(key.public_key()):
            return False
        try:
            key.public_key().verify(bytes.fromhex(self.signature), self.signed_part)
        except (InvalidSignature, ValueError):
            return False
        return True


def write_head(path: Path, head: AuditHead, vault_id: str, key: Ed25519PrivateKey | None) -> None:
    fields: dict[str, Any] = {
        "format": HEAD_FORMAT,
        "vault_id": vault_id,
        "count": head.count,
        "hash": head.hash,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if key is not None:
        fields["public_key"] = _public_hex(key.public_key())
        fields["signature"] = key.sign(_signed_part(fields)).hex()
    write_private(path, json.dumps(fields, indent=2).encode() + b"\n")


class HeadUnreadable(Exception):
    """audit-head.json exists but is not a head mhf wrote."""


def read_head(path: Path) -> RecordedHead | None:
    """The recorded head; None if there is none; HeadUnreadable if it is malformed."""
    try:
        raw = json.loads(path.read_bytes()[:10_000])
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise HeadUnreadable(type(exc).__name__) from None
    try:
        count, digest = raw["count"], raw["hash"]
        if raw["format"] != HEAD_FORMAT or type(count) is not int or count < 0:
            raise ValueError("format")
        if not isinstance(digest, str) or len(digest) != 64:
            raise ValueError("hash")
        return RecordedHead(
            head=AuditHead(count, digest),
            vault_id=str(raw["vault_id"]),
            written_at=str(raw["written_at"]),
            public_key=str(raw.get("public_key") or ""),
            signature=str(raw.get("signature") or ""),
            signed_part=_signed_part(raw),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise HeadUnreadable(type(exc).__name__) from None


def extends(session: Session, recorded: AuditHead) -> bool:
    """Whether the chain in the database contains the recorded head as one of its events
    (so it is the same chain, possibly longer)."""
    return hash_at(session, recorded.count) == recorded.hash


Pending = tuple[AuditHead, Ed25519PrivateKey | None]


class HeadKeeper:
    """Keeps audit-head.json following the chain of one open caseload.

    The head is read inside each unit of work (no extra transaction) and handed to a
    writer thread once the unit commits: renaming the file into place costs a flush of a
    few milliseconds, which would double the cost of saving a note. The thread writes only
    the newest head it was given (waiting 50 ms for more), in chain order; `close` waits
    for it. A head lost to a
    crash in between is behind the chain, never ahead of it, so it still checks out.
    A recorded head the chain does not extend is never overwritten (it is the evidence
    `mhf check` reports) until `replace` (a restore the user confirmed).
    """

    #: how long the writer waits for more changes before writing
    COALESCE_S = 0.05

    def __init__(self, path: Path, vault_id: str) -> None:
        self.path = path
        self.vault_id = vault_id
        self.following = True
        self._written: AuditHead | None = None
        self._key: Ed25519PrivateKey | None = None
        self._queued: Pending | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, session: Session) -> Pending | None:
        """At unlock: whether the recorded head may be followed; the head to write now."""
        try:
            recorded = read_head(self.path)
        except HeadUnreadable:
            recorded = None
        self.following = recorded is None or extends(session, recorded.head)
        return self.observe(session)

    def observe(self, session: Session) -> Pending | None:
        """Inside a unit of work: the head to write once it commits (None: nothing to do)."""
        if not self.following:
            return None
        tip = chain_tip(session)
        if tip == self._written:
            return None
        if self._key is None:
            self._key = device_key(session)
        return tip, self._key

    def replace(self, session: Session) -> Pending:
        """Follow this chain from now on, whatever was recorded (after a restore)."""
        with self._cond:
            self.following, self._written, self._key, self._queued = True, None, None, None
        pending = self.observe(session)
        assert pending is not None  # nothing is written yet, so there is always a head
        return pending

    def write(self, pending: Pending | None) -> None:
        """Queue a committed head for the writer thread (older heads are dropped)."""
        if pending is None:
            return
        with self._cond:
            newest = self._queued[0] if self._queued else self._written
            if newest is not None and pending[0].count <= newest.count:
                return
            self._queued = pending
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="mhf-audit-head", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer."""
        with self._cond:
            self._closed = True
            self._closing.set()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._queued is None and not self._closed:
                    self._cond.wait()
            self._closing.wait(self.COALESCE_S)  # a burst of changes makes one write
            with self._cond:
                if self._queued is None:
                    if self._closed:
                        return
                    continue  # a restore dropped what was queued
                (head, key), self._queued = self._queued, None
            try:
                write_head(self.path, head, self.vault_id, key)
            except (OSError, MhfError):
                continue  # a full disk: the head follows at the next change
            with self._cond:
                if self._written is None or head.count > self._written.count:
                    self._written = head
