"""Setting up a hub: the schema, its age identity and the service's pseudonymisation key,
and the devices it accepts returns from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mhf_tui.hub.db import HubError
from mhf_tui.hub.schema import migrate, schema_version
from mhf_tui.sync.device import normalise_fingerprint
from mhf_tui.sync.package import new_identity
from mhf_tui.sync.pseudonym import key_id, new_service_key

KEY_ID_SETTING = "key_id"
RECIPIENT_SETTING = "recipient"


@dataclass(frozen=True)
class HubSetup:
    recipient: str
    service_key: str  # shown once, never stored at the hub
    applied: list[int]


def _setting(cur: Any, key: str) -> str | None:
    cur.execute("SELECT value FROM hub.setting WHERE key = %s", (key,))
    row = cur.fetchone()
    return None if row is None else str(row[0])


def hub_key_id(conn: Any) -> str:
    """The id of the service key this hub was made with (a hub must exist)."""
    if schema_version(conn) == 0:
        raise HubError("this database has no hub yet: run `mhf hub init` first")
    with conn.cursor() as cur:
        value = _setting(cur, KEY_ID_SETTING)
    if value is None:
        raise HubError("this database has no hub yet: run `mhf hub init` first")
    return value


def _write_identity(path: Path, text: str) -> None:
    """The age identity, created 0600 and never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise HubError(f"{path} already exists; refusing to overwrite an identity") from None
    except OSError as exc:
        raise HubError(f"cannot write {path} ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def init_hub(conn: Any, identity_path: Path) -> HubSetup:
    """Create the schema, a new age identity (file, 0600) and a new service key. A database
    that already has a hub is refused: a second key would split every pseudonym."""
    applied = migrate(conn)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("LOCK TABLE hub.setting")
        if _setting(cur, KEY_ID_SETTING) is not None:
            raise HubError("this database already has a hub (its key was shown at `hub init`)")
        identity = new_identity()
        recipient = str(identity.to_public())
        service_key = new_service_key()
        _write_identity(
            identity_path, f"# mhf hub identity\n# public key: {recipient}\n{identity}\n"
        )
        cur.executemany(
            "INSERT INTO hub.setting (key, value) VALUES (%s, %s)",
            [
                (KEY_ID_SETTING, key_id(bytes.fromhex(service_key))),
                (RECIPIENT_SETTING, recipient),
            ],
        )
    return HubSetup(recipient, service_key, applied)


def enrol_device(conn: Any, *, fingerprint_text: str, name: str) -> tuple[str, bool]:
    """Accept returns from one facilitator device; (fingerprint, newly enrolled)."""
    try:
        fp = normalise_fingerprint(fingerprint_text)
    except ValueError as exc:
        raise HubError(str(exc)) from None
    name = name.strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise HubError("give the device a name (the facilitator's), up to 200 characters")
    hub_key_id(conn)
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO hub.device (fingerprint, name) VALUES (%s, %s) "
            "ON CONFLICT (fingerprint) DO UPDATE SET name = EXCLUDED.name "
            "RETURNING (xmax = 0)",
            (fp, name),
        )
        row = cur.fetchone()
    return fp, bool(row[0])
