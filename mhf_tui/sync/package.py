"""The signed, age-encrypted container (DESIGN.md, The sync file).

A sync file (tar of manifest.json, manifest.sig and bundle.json, in that order) streams
both ways: the writer encrypts the tar as it is produced, straight into a temporary file
beside the target (ciphertext only), and the reader decrypts into the tar parser of
`mhf_tui.sync.tarstream`. The service return (`returns_package`), small by design, uses the
in-memory helpers at the end (`build_tar`, `read_tar`, `encrypt`, `decrypt`). No plaintext
reaches the disk either way.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyrage import x25519

from mhf_tui.errors import MhfError
from mhf_tui.paths import private_file, write_private

FORMAT_NAME = "mhf-sync"
FORMAT_VERSION = 1
SYNC_SUFFIX = ".mhfsync"
ACK_SUFFIX = ".mhfack"
#: an ODS code and a device id name the ack file, so both are checked wherever one is built
#: the in-memory container's members, and the largest file read whole
MEMBERS = ("manifest.json", "bundle.json", "manifest.sig")
MAX_SMALL_FILE_BYTES = 2 * 1024**3
ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")  # always used with fullmatch
DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


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


def verify_signature(public_hex: str, signature: bytes, data: bytes) -> None:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(signature, data)
    except (ValueError, TypeError, InvalidSignature):
        raise SyncError("signature check failed: the manifest was altered or re-signed") from None


def encrypt_to(path: Path, plaintext: io.RawIOBase, recipient: x25519.Recipient) -> None:
    """Encrypt a stream into `path` atomically (`paths.private_file`: only ciphertext in
    a mkstemp temp file beside it, fsync, rename)."""
    with private_file(path) as out:
        pyrage.encrypt_io(plaintext, out, [recipient])


def decrypt_into(source: BinaryIO, sink: Any, identity: x25519.Identity) -> None:
    """Decrypt `source` chunk by chunk into `sink.write`. age authenticates each 64 KiB
    chunk before it is released and the last one marks the end, so a damaged or truncated
    file fails here; whatever the sink did with earlier chunks must be undone by the
    caller (the importer rolls its transaction back). Whatever the sink raised (kept in
    `sink.failure`) comes through as is."""
    try:
        pyrage.decrypt_io(source, sink, [identity])
    except Exception as exc:
        failure = getattr(sink, "failure", None)
        if failure is not None:
            raise failure from None
        if isinstance(exc, pyrage.DecryptError):
            raise SyncError(
                "cannot decrypt: the file is damaged, truncated or not addressed to this practice"
            ) from None
        raise SyncError(f"cannot decrypt: not an age file ({type(exc).__name__})") from None


# --- in memory: small containers (the service return) ------------------------------


def load_identity(path: Path) -> x25519.Identity:
    """Read an age identity file (`age-keygen` output, or the hub's)."""
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
    """Temp file by mkstemp in the same dir (a planted symlink is never followed), fsync,
    rename, fsync the dir: `paths.write_private`."""
    write_private(path, ciphertext)


def read_sync_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_SMALL_FILE_BYTES:
            raise SyncError(f"{path.name} is too large to be a sync file")
        return path.read_bytes()
    except OSError as exc:
        raise SyncError(f"cannot read {path} ({exc.strerror})") from None
