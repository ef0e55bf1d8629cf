"""The sync file container: an age-encrypted tar of manifest.json, bundle.json and
manifest.sig (DESIGN.md, The sync file).

Everything is built and read in memory: the only bytes that reach the disk are age
ciphertext, written atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyrage import x25519

from mhf_tui.errors import MhfError
from mhf_tui.paths import fsync_dir

FORMAT_NAME = "mhf-sync"
FORMAT_VERSION = 1
SYNC_SUFFIX = ".mhfsync"
ACK_SUFFIX = ".mhfack"
MEMBERS = ("manifest.json", "bundle.json", "manifest.sig")
#: a sync file bigger than this is refused before decryption (guards memory)
MAX_FILE_BYTES = 2 * 1024**3


class SyncError(MhfError):
    """A sync file or ack that cannot be used; nothing was imported or recorded."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """The byte form that is hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_recipient(text: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text.strip())
    except Exception:
        raise SyncError("not an age X25519 recipient (it starts with age1...)") from None


def new_identity() -> x25519.Identity:
    return x25519.Identity.generate()


def load_identity(path: Path) -> x25519.Identity:
    """Read an age identity file (`mhf practice keygen` or `age-keygen` output)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SyncError(f"cannot read identity file {path} ({exc.strerror})") from None
    for line in lines:
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line.strip())
            except Exception:
                break
    raise SyncError(f"{path.name} is not an age identity file")


def build_tar(members: dict[str, bytes], mtime: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in MEMBERS:
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def read_tar(data: bytes) -> dict[str, bytes]:
    """The three members, or a SyncError if anything else is there or any is missing."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for info in tar:
                if info.name not in MEMBERS or not info.isfile() or info.name in found:
                    raise SyncError(f"unexpected entry in sync file: {info.name[:60]!r}")
                handle = tar.extractfile(info)
                if handle is None:
                    raise SyncError("sync file is damaged (unreadable entry)")
                found[info.name] = handle.read()
    except (tarfile.TarError, EOFError) as exc:
        raise SyncError(f"sync file is damaged ({type(exc).__name__})") from None
    missing = [name for name in MEMBERS if name not in found]
    if missing:
        raise SyncError(f"sync file is incomplete: {', '.join(missing)} missing")
    return found


def encrypt(plaintext: bytes, recipient: x25519.Recipient) -> bytes:
    return bytes(pyrage.encrypt(plaintext, [recipient]))


def decrypt(ciphertext: bytes, identity: x25519.Identity) -> bytes:
    try:
        return bytes(pyrage.decrypt(ciphertext, [identity]))
    except pyrage.DecryptError:
        raise SyncError(
            "cannot decrypt: the file is damaged, truncated or not addressed to this identity"
        ) from None
    except Exception as exc:
        raise SyncError(f"cannot decrypt: not an age file ({type(exc).__name__})") from None


def write_atomic(path: Path, ciphertext: bytes) -> None:
    """Temp file in the same dir (ciphertext already), fsync, rename, fsync the dir."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(ciphertext)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


@dataclass(frozen=True)
class OpenedPackage:
    """A decrypted sync file whose signature, hash and format were checked."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    bundle_bytes: bytes
    signature: bytes

    @property
    def manifest_sha256(self) -> str:
        return sha256_hex(self.manifest_bytes)


def verify_signature(public_hex: str, signature: bytes, data: bytes) -> None:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(signature, data)
    except (ValueError, TypeError, InvalidSignature):
        raise SyncError("signature check failed: the manifest was altered or re-signed") from None


_REQUIRED = {
    "device_id": str,
    "device_public_key": str,
    "practice_ods": str,
    "sequence": int,
    "change_seq_from": int,
    "change_seq_to": int,
    "created_at": str,
    "counts": dict,
    "bundle_sha256": str,
    "ack_key": str,
}


_MAX_SEQ = 2**63 - 1  # SQLite INTEGER
#: Beyond the type: these values are stored and shown in messages, and the signing key is
#: trusted on first use, so a stranger can sign anything (the rest: `_check_manifest_values`).
_SHAPES: dict[str, Callable[[Any], bool]] = {
    "sequence": lambda v: 1 <= v <= _MAX_SEQ,
    "change_seq_from": lambda v: 0 <= v <= _MAX_SEQ,
    "change_seq_to": lambda v: 0 <= v <= _MAX_SEQ,
}


_MAX_INT = 2**62  # fits SQLite's 64-bit integers with room
_HEX64 = re.compile(r"[0-9a-f]{64}")
#: an ODS code and a device id name the ack file, so both are checked wherever one is built
ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def _small_int(value: Any, low: int = 0) -> bool:
    return type(value) is int and low <= value <= _MAX_INT


def _check_manifest_values(m: dict[str, Any]) -> None:
    """Values end up in file names, messages and the store: they must have the expected
    form even when the manifest is validly signed."""
    checks = {
        "practice_ods": bool(ODS_CODE.fullmatch(m["practice_ods"])),
        "device_id": bool(DEVICE_ID.fullmatch(m["device_id"])),
        "device_public_key": bool(_HEX64.fullmatch(m["device_public_key"])),
        "bundle_sha256": bool(_HEX64.fullmatch(m["bundle_sha256"])),
        "ack_key": bool(_HEX64.fullmatch(m["ack_key"])),
        "sequence": _small_int(m["sequence"], 1),
        "change_seq_from": _small_int(m["change_seq_from"]),
        "change_seq_to": _small_int(m["change_seq_to"]),
        "counts": all(isinstance(k, str) and _small_int(v) for k, v in m["counts"].items()),
        "withheld_objection": _small_int(m.get("withheld_objection", 0)),
        "facilitator": isinstance(m.get("facilitator", ""), str),
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        raise SyncError(f"manifest field {bad[0]!r} is malformed")


def open_package(ciphertext: bytes, identity: x25519.Identity) -> OpenedPackage:
    """Decrypt and check a sync file: format version, manifest signature, bundle hash.
    Whether the signing key is trusted is the importer's business."""
    plain = decrypt(ciphertext, identity)
    members = read_tar(plain)
    manifest_bytes = members["manifest.json"]
    try:
        manifest = json.loads(manifest_bytes)
    except (ValueError, RecursionError):
        raise SyncError("manifest.json is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise SyncError("not an mhf sync file (manifest format)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise SyncError(
            f"unsupported sync format version {version!r} (this mhf reads {FORMAT_VERSION})"
        )
    for field, kind in _REQUIRED.items():
        value = manifest.get(field)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SyncError(f"manifest field {field!r} is missing or malformed")
        if field in _SHAPES and not _SHAPES[field](value):
            raise SyncError(f"manifest field {field!r} is malformed")
    _check_manifest_values(manifest)
    verify_signature(manifest["device_public_key"], members["manifest.sig"], manifest_bytes)
    if sha256_hex(members["bundle.json"]) != manifest["bundle_sha256"]:
        raise SyncError("bundle.json does not match the hash in the signed manifest")
    return OpenedPackage(manifest, manifest_bytes, members["bundle.json"], members["manifest.sig"])


def read_sync_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SyncError(f"{path.name} is too large to be a sync file")
        return path.read_bytes()
    except OSError as exc:
        raise SyncError(f"cannot read {path} ({exc.strerror})") from None
