"""This device's identity: its id and the Ed25519 key that signs sync manifests.

The private key lives only in the encrypted database (a `Setting`), so a stolen laptop
cannot sign files without the passphrase. The practice trusts the public key on first import.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
)
from sqlmodel import Session

from mhf_tui.services.device_key import (
    DEVICE_ID_SETTING,
    SIGNING_KEY_SETTING,
    ensure_device_key,
    get_setting,
)


@dataclass(frozen=True)
class Device:
    device_id: str
    facilitator: str
    signing_key: Ed25519PrivateKey

    @property
    def public_key_hex(self) -> str:
        return public_key_hex(self.signing_key.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key_hex)

    def sign(self, data: bytes) -> bytes:
        return self.signing_key.sign(data)


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


#: bits of SHA-256 kept in a fingerprint: enough that no one can make a key to match one
FINGERPRINT_BITS = 160


def fingerprint(public_hex: str) -> str:
    """The form a practice or hub reads aloud to enrol a device: 160 bits of SHA-256 of the
    raw Ed25519 public key in base32 (no 0/1/8/9 to confuse), 8 groups of 4, e.g.
    `ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567`."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).digest()[: FINGERPRINT_BITS // 8]
    text = base64.b32encode(digest).decode("ascii")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_fingerprint(typed: str) -> str:
    """A fingerprint as typed (any case, spaces or dashes) in its canonical grouped form;
    ValueError if it is not 32 base32 characters."""
    text = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(text) != FINGERPRINT_BITS // 5 or not re.fullmatch(r"[A-Z2-7]+", text):
        raise ValueError("a fingerprint is 32 letters and digits 2-7, as `mhf sync whoami` shows")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def load_device(session: Session) -> Device:
    """This device's identity; a caseload made before signing keys existed gets one now."""
    ensure_device_key(session)
    device_id = get_setting(session, DEVICE_ID_SETTING) or ""
    raw = bytes.fromhex(get_setting(session, SIGNING_KEY_SETTING) or "")
    facilitator = get_setting(session, "facilitator_name") or "facilitator"
    return Device(device_id, facilitator, Ed25519PrivateKey.from_private_bytes(raw))
