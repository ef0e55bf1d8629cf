"""The service's pseudonymisation key: made by the hub, typed into each facilitator's device.

A patient's pseudonym is HMAC-SHA256 of the NHS number under the key, so the same person
links across facilitators and quarters while the number never leaves the device. The hub
keeps only the key's id (a one-way tag), never the key: whoever holds the key could test
every NHS number against the pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from mhf_tui.errors import MhfError

KEY_BYTES = 32  # 256 bits
_KEY = re.compile(r"[0-9a-f]{64}")


def new_service_key() -> str:
    """A fresh random key, written as 64 hex digits."""
    return secrets.token_hex(KEY_BYTES)


def parse_service_key(text: str) -> bytes:
    """The key as typed (spaces and case ignored); MhfError if it is not 64 hex digits."""
    cleaned = "".join(text.split()).lower()
    if not _KEY.fullmatch(cleaned):
        raise MhfError("a pseudonymisation key is 64 hex digits, as `mhf hub init` printed it")
    return bytes.fromhex(cleaned)


def key_id(key: bytes) -> str:
    """A tag that tells the hub which key made a return, without revealing the key."""
    return hmac.new(key, b"mhf-returns-key-id", hashlib.sha256).hexdigest()[:32]


def pseudonym(key: bytes, nhs_number: str) -> str:
    """HMAC-SHA256 of the NHS number's ten digits under the service key, in hex."""
    digits = "".join(ch for ch in nhs_number if ch.isdigit())
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def local_pseudonym(key: bytes, device_id: str, patient_id: str) -> str:
    """For a patient with no NHS number: stable on this device, links nowhere else."""
    message = f"local:{device_id}:{patient_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
