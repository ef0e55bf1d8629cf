"""Key derivation and wrapping.

The data key (DEK) opens the database. It is stored only wrapped (AES-256-GCM) under a key
derived from the passphrase with Argon2id, and under a recovery key. The recovery key is
random, so HKDF is enough for it; the passphrase is not, so it gets a memory-hard KDF.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
RECOVERY_BYTES = 20  # 160 bits, 32 base32 characters
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored in vault.json so they can be raised later."""

    salt: str  # base64
    memory_kib: int = 65536  # 64 MiB
    iterations: int = 3
    lanes: int = 1

    @classmethod
    def fresh(cls, memory_kib: int = 65536, iterations: int = 3) -> KdfParams:
        return cls(salt=b64(os.urandom(16)), memory_kib=memory_kib, iterations=iterations)

    def to_json(self) -> dict[str, object]:
        return {"algorithm": "argon2id", **asdict(self)}


@dataclass(frozen=True)
class Wrapped:
    """A key sealed with AES-256-GCM; `aad` binds it to its purpose."""

    nonce: str
    ciphertext: str

    def to_json(self) -> dict[str, str]:
        return {"nonce": self.nonce, "ciphertext": self.ciphertext}


class UnwrapError(Exception):
    """The wrapping key was wrong or the wrap was altered."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def derive_passphrase_key(passphrase: str, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=unb64(params.salt),
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(passphrase.encode("utf-8"))


def wrap_key(kek: bytes, key: bytes, *, aad: bytes) -> Wrapped:
    nonce = os.urandom(12)
    return Wrapped(nonce=b64(nonce), ciphertext=b64(AESGCM(kek).encrypt(nonce, key, aad)))


def unwrap_key(kek: bytes, wrapped: Wrapped, *, aad: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(unb64(wrapped.nonce), unb64(wrapped.ciphertext), aad)
    except (InvalidTag, ValueError) as exc:
        raise UnwrapError from exc


def new_recovery_key() -> str:
    """A random recovery key formatted for writing down: 8 groups of 4 base32 characters."""
    raw = secrets.token_bytes(RECOVERY_BYTES)
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """Accept the key as written down: any case, with or without spaces and dashes."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    if len(cleaned) != 32 or any(ch not in _B32 for ch in cleaned):
        raise ValueError("a recovery key is 32 letters and digits in groups of four")
    return base64.b32decode(cleaned)


def derive_recovery_key(raw: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"mhf recovery v1")
    return hkdf.derive(raw)


def passphrase_strength(passphrase: str) -> tuple[int, str]:
    """A rough strength score (0-4) and hint; advisory, shown while typing."""
    length = len(passphrase)
    classes = sum(
        any(test(ch) for ch in passphrase)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    if length < 10:
        return 0, "too short: use at least 10 characters (a few unrelated words work well)"
    if words >= 4 or length >= 20:
        return 4, "strong"
    if length >= 14 and classes >= 2:
        return 3, "good"
    if classes >= 3:
        return 2, "fair: longer is better than more symbols"
    return 1, "weak: add another word or two"
