"""Acks: the practice's proof that it imported a given sync file.

The ack is JSON with an HMAC-SHA256 under the export's `ack_key`, a random secret that
travels only inside the encrypted sync file. So only someone who decrypted that file can
make a valid ack for it, and the facilitator, who kept the key, can check it. The ack holds
ids, hashes and counts, never patient data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Practice, utcnow
from mhf_tui.db.tables.sync import SyncExport, SyncPatient
from mhf_tui.paths import fsync_dir, missing_dirs, write_private
from mhf_tui.sync.device import load_device
from mhf_tui.sync.manifest import SyncManifest
from mhf_tui.sync.package import ACK_SUFFIX, DEVICE_ID, ODS_CODE, SyncError, canonical_json
from mhf_tui.sync.status import save_practice

ACK_FORMAT = "mhf-ack"
ACK_VERSION = 1


def _mac(ack_key_hex: str, body: dict[str, Any]) -> str:
    return hmac.new(bytes.fromhex(ack_key_hex), canonical_json(body), hashlib.sha256).hexdigest()


def make_ack(
    *, manifest: SyncManifest, manifest_sha256: str, counts: dict[str, int]
) -> dict[str, Any]:
    body = {
        "format": ACK_FORMAT,
        "format_version": ACK_VERSION,
        "device_id": manifest.device_id,
        "practice_ods": manifest.practice_ods,
        "sequence": manifest.sequence,
        "bundle_sha256": manifest.bundle_sha256,
        "manifest_sha256": manifest_sha256,
        "imported_at": utcnow().isoformat(timespec="seconds"),
        "counts": counts,
    }
    return {"ack": body, "mac": _mac(manifest.ack_key, body)}


#: how much of the device id goes in an ack's name: a UUID's first group, as `mhf sync
#: whoami` and `mhf inbox import` show it
DEVICE_PREFIX = 8


def ack_file_name(ods: str, sequence: int, device_id: str) -> str:
    """`<ODS>-<n>-<device8>.mhfack`: two facilitators' devices number their exports to the
    same practice independently, so the practice code and number alone would collide.
    The values come from a signed but possibly hostile manifest; they are checked again
    here because they name a file."""
    if (
        not ODS_CODE.fullmatch(ods)
        or not DEVICE_ID.fullmatch(device_id)
        or type(sequence) is not int
    ):
        raise SyncError("the ack cannot be named: malformed practice code or device id")
    return f"{ods}-{sequence}-{device_id[:DEVICE_PREFIX]}{ACK_SUFFIX}"


class PendingAck:
    """An ack written under a temporary name before the import commits, so a directory that
    cannot take it stops the import; `publish` gives it its real name after the commit, and
    `discard` removes it (and any directory made for it) if the import fails. An ack never
    exists for an import that did not happen, and an import never lacks its ack for want of
    disk, of a directory, or because another device's ack already has the name."""

    def __init__(self, directory: Path, ack: dict[str, Any]) -> None:
        body = ack["ack"]
        self.device_id = str(body["device_id"])
        self.path = directory / ack_file_name(
            body["practice_ods"], body["sequence"], self.device_id
        )
        self._tmp = directory / f".{self.path.name}.pending"
        self._created: list[Path] = []
        try:
            self._make_dirs(directory)
            self._refuse_other_device()
            write_private(self._tmp, json.dumps(ack, indent=2, sort_keys=True).encode() + b"\n")
        except OSError as exc:
            self.discard()
            raise SyncError(f"cannot write the ack into {directory} ({exc.strerror})") from None
        except BaseException:
            self.discard()
            raise

    def _make_dirs(self, directory: Path) -> None:
        """Create `directory` and any missing parents, each 0700, remembering them (deepest
        first) so that `discard` can remove them again."""
        for path in missing_dirs(directory):
            path.mkdir(mode=0o700)
            self._created.insert(0, path)

    def _refuse_other_device(self) -> None:
        """Another enrolled device whose id starts the same way (by chance, or claimed: the
        id is not what is enrolled) must not replace an ack the facilitator still needs."""
        existing: object = None
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            pass  # not a file this program wrote
        elif not self.path.exists():
            return
        else:
            try:
                existing = read_ack(self.path)["ack"]["device_id"]
            except SyncError:
                pass
        if existing != self.device_id:
            raise SyncError(
                f"{self.path} already exists and is not this device's ack; move it away "
                "(or import with --ack-out DIR) and import again"
            )

    def publish(self) -> Path:
        os.replace(self._tmp, self.path)
        fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        try:
            self._tmp.unlink(missing_ok=True)
        except NotADirectoryError:
            pass  # the directory never was one: nothing was staged
        for path in self._created:
            try:
                path.rmdir()
            except OSError:
                break  # not empty (someone else wrote there) or gone: leave it


@dataclass(frozen=True)
class AckResult:
    practice_ods: str
    number: int
    last_ack_seq: int
    already: bool


def read_ack(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_bytes())
    except OSError as exc:
        raise SyncError(f"cannot read {path} ({exc.strerror})") from None
    except (ValueError, RecursionError):
        raise SyncError(f"{path.name} is not an mhf ack file") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("ack"), dict):
        raise SyncError(f"{path.name} is not an mhf ack file")
    body = raw["ack"]
    if body.get("format") != ACK_FORMAT:
        raise SyncError(f"{path.name} is not an mhf ack file")
    if body.get("format_version") != ACK_VERSION:
        raise SyncError(f"unsupported ack format version {body.get('format_version')!r}")
    if not isinstance(raw.get("mac"), str):
        raise SyncError(f"{path.name} is not signed")
    kinds = {"device_id": str, "practice_ods": str, "sequence": int, "bundle_sha256": str}
    for name, kind in kinds.items():
        if type(body.get(name)) is not kind:
            raise SyncError(f"{path.name}: field {name!r} is missing or malformed")
    return raw


def apply_ack(session: Session, *, ack: dict[str, Any], actor: str) -> AckResult:
    """Check the ack is for an export this device made (device, practice, number, bundle
    hash, MAC under that export's key), then move the practice's acknowledged sequence on."""
    body = ack["ack"]
    device = load_device(session)
    if body.get("device_id") != device.device_id:
        raise SyncError("this ack is for a sync file from another device")
    ods = str(body.get("practice_ods", ""))
    practice = session.exec(select(Practice).where(Practice.ods_code == ods)).first()
    if practice is None:
        raise SyncError(f"this ack is for practice {ods[:12]!r}, which is not in this caseload")
    export = session.exec(
        select(SyncExport).where(
            SyncExport.practice_id == practice.id, SyncExport.number == body.get("sequence")
        )
    ).first()
    if export is None:
        raise SyncError(f"no sync file {ods}-{body.get('sequence')} was exported from here")
    if body.get("bundle_sha256") != export.bundle_sha256:
        raise SyncError(f"the ack does not match sync file {ods}-{export.number} (bundle hash)")
    if not hmac.compare_digest(str(ack["mac"]), _mac(export.ack_key, body)):
        raise SyncError("the ack's signature is not valid: it was altered or forged")
    if export.acked_at is not None:
        return AckResult(ods, export.number, practice.last_ack_seq, True)
    now = utcnow()
    export.acked_at = now
    session.add(export)
    if export.change_seq_to > practice.last_ack_seq:
        practice.last_ack_seq = export.change_seq_to
    practice.last_ack_at = now
    for row in session.exec(
        select(SyncPatient).where(
            SyncPatient.practice_id == practice.id,
            col(SyncPatient.first_export_number) <= export.number,
            col(SyncPatient.acked).is_(False),
        )
    ):
        row.acked = True
        session.add(row)
    detail = f"sync file {export.number} acknowledged; last_ack_seq={practice.last_ack_seq}"
    save_practice(session, practice, actor=actor, action="ack", detail=detail)
    return AckResult(ods, export.number, practice.last_ack_seq, False)
