"""The sync file container: an age-encrypted tar of manifest.json, manifest.sig and
bundle.json, in that order (DESIGN.md, The sync file).

Both directions stream: the writer encrypts the tar as it is produced, straight into a
temporary file beside the target (ciphertext only), and the reader decrypts into the tar
parser of `mhf_tui.sync.tarstream`. No plaintext reaches the disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

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
#: an ODS code and a device id name the ack file, so both are checked wherever one is built
ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
DEVICE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


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
    """Encrypt a stream into `path` atomically: a temp file in the same directory (only
    ciphertext), fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            pyrage.encrypt_io(plaintext, out, [recipient])
            out.flush()
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


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
