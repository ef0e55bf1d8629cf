"""The device's identity, created with the caseload: its id and the Ed25519 key that will
sign its sync files. Kept here, below sync, so setting up a caseload needs nothing from the
sync layer; `sync.device` reads the key back to sign with it.

The private key lives only in the encrypted database (a `Setting`), so a stolen laptop
cannot sign files without the passphrase.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import Session

from mhf_tui.db.store import get_setting, put_setting

if TYPE_CHECKING:
    from mhf_tui.db.store import Caseload

SIGNING_KEY_SETTING = "device_signing_key"
DEVICE_ID_SETTING = "device_id"


def ensure_device_key(session: Session) -> None:
    """Create the device id and signing key if missing (run at `mhf init`)."""
    if get_setting(session, DEVICE_ID_SETTING) is None:
        put_setting(session, DEVICE_ID_SETTING, str(uuid.uuid4()))
    if get_setting(session, SIGNING_KEY_SETTING) is None:
        raw = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        put_setting(session, SIGNING_KEY_SETTING, raw.hex())
    session.flush()


def create_device_key_hook(caseload: Caseload) -> None:
    """`ON_CREATE` hook: the key exists from the first moment the caseload does."""
    with caseload.session() as session:
        ensure_device_key(session)
