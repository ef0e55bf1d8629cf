"""The service return file: the practice sync container (an age-encrypted tar of
manifest.json, bundle.json and manifest.sig, the manifest Ed25519-signed by the device),
with its own manifest format `mhf-return` so neither side mistakes one for the other.

bundle.json holds pseudonymised records only (see `mhf_tui.sync.returns`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyrage import x25519

from mhf_tui.sync.device import Device, fingerprint
from mhf_tui.sync.package import (
    DEVICE_ID,
    SyncError,
    build_tar,
    canonical_json,
    decrypt,
    encrypt,
    read_tar,
    sha256_hex,
    verify_signature,
)

RETURN_FORMAT = "mhf-return"
RETURN_VERSION = 1
RETURN_SUFFIX = ".mhfreturn"
_HEX = re.compile(r"[0-9a-f]+")
_LABEL = re.compile(r"[0-9A-Za-z_-]{1,40}")


@dataclass(frozen=True)
class Period:
    """The days a return covers, both inclusive; `label` names it (`2026-Q3`)."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "from": self.start.isoformat(), "to": self.end.isoformat()}


def build_return(
    records: dict[str, Any],
    *,
    device: Device,
    recipient: x25519.Recipient,
    period: Period,
    sequence: int,
    key_id: str,
    created_at: str,
    counts: dict[str, int],
) -> bytes:
    """The encrypted return: nothing in clear leaves this function."""
    bundle = canonical_json(records)
    manifest = {
        "format": RETURN_FORMAT,
        "format_version": RETURN_VERSION,
        "device_id": device.device_id,
        "device_public_key": device.public_key_hex,
        "sequence": sequence,
        "period": period.as_json(),
        "created_at": created_at,
        "counts": counts,
        "key_id": key_id,
        "bundle_sha256": sha256_hex(bundle),
    }
    manifest_bytes = canonical_json(manifest)
    members = {
        "manifest.json": manifest_bytes,
        "bundle.json": bundle,
        "manifest.sig": device.sign(manifest_bytes),
    }
    return encrypt(build_tar(members, mtime=0), recipient)


@dataclass(frozen=True)
class OpenedReturn:
    """A decrypted return whose signature, bundle hash and manifest shape were checked."""

    manifest: dict[str, Any]
    manifest_sha256: str
    fingerprint: str
    period: Period
    records: dict[str, Any]


def _hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and bool(_HEX.fullmatch(value))


def _period(value: Any) -> Period:
    try:
        period = Period(
            date.fromisoformat(value["from"]), date.fromisoformat(value["to"]), value["label"]
        )
    except (TypeError, KeyError, ValueError):
        raise SyncError("manifest field 'period' is malformed") from None
    if not isinstance(period.label, str) or not _LABEL.fullmatch(period.label):
        raise SyncError("manifest field 'period' is malformed")
    if period.start > period.end:
        raise SyncError("manifest field 'period' is malformed")
    return period


def _check_manifest(m: Any) -> None:
    if not isinstance(m, dict) or m.get("format") != RETURN_FORMAT:
        raise SyncError("not an mhf service return (manifest format)")
    if m.get("format_version") != RETURN_VERSION:
        raise SyncError(f"unsupported return format version {m.get('format_version')!r}")
    checks = {
        "device_id": isinstance(m.get("device_id"), str) and DEVICE_ID.fullmatch(m["device_id"]),
        "device_public_key": _hex(m.get("device_public_key"), 64),
        "sequence": type(m.get("sequence")) is int and 1 <= m["sequence"] < 2**62,
        "created_at": isinstance(m.get("created_at"), str) and len(m["created_at"]) < 40,
        "counts": isinstance(m.get("counts"), dict),
        "key_id": _hex(m.get("key_id"), 32),
        "bundle_sha256": _hex(m.get("bundle_sha256"), 64),
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise SyncError(f"manifest field {bad[0]!r} is missing or malformed")


def open_return(ciphertext: bytes, identity: x25519.Identity) -> OpenedReturn:
    """Decrypt and check a return: format, signature, bundle hash. Whether the device is
    enrolled, and the key id, are the hub's business."""
    members = read_tar(decrypt(ciphertext, identity))
    manifest_bytes = members["manifest.json"]
    try:
        manifest = json.loads(manifest_bytes)
    except (ValueError, RecursionError):
        raise SyncError("manifest.json is not valid JSON") from None
    _check_manifest(manifest)
    period = _period(manifest.get("period"))
    verify_signature(manifest["device_public_key"], members["manifest.sig"], manifest_bytes)
    if sha256_hex(members["bundle.json"]) != manifest["bundle_sha256"]:
        raise SyncError("bundle.json does not match the hash in the signed manifest")
    try:
        records = json.loads(members["bundle.json"])
    except (ValueError, RecursionError):
        raise SyncError("bundle.json is not valid JSON") from None
    if not isinstance(records, dict) or not isinstance(records.get("patients"), list):
        raise SyncError("bundle.json does not hold a list of patients")
    return OpenedReturn(
        manifest,
        sha256_hex(manifest_bytes),
        fingerprint(manifest["device_public_key"]),
        period,
        records,
    )
