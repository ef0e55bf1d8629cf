"""The practice inbox's store: its own encrypted database (same vault code as the
caseload: Argon2id-wrapped key, SQLCipher) holding the practice's age identity, the one
ODS code it is bound to, the enrolled devices and what they sent.

The age identity never leaves the store, so the practice has no key file to look after;
its public half (the recipient) is also kept in clear beside the store in `recipient.txt`,
so it can be shown without the passphrase.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyrage import x25519
from sqlalchemy import Engine, text
from sqlmodel import Session

from mhf_tui.db.session import unit_of_work
from mhf_tui.db.tables.sync import STORE_METADATA, StoreEvent, StoreSetting
from mhf_tui.errors import MhfError
from mhf_tui.paths import Below, DataDir, write_private
from mhf_tui.sync.package import ODS_CODE, new_identity
from mhf_tui.vault.engine import make_engine
from mhf_tui.vault.vault import Sleeper, create_vault, unlock_data_key

STORE_SCHEMA_VERSION = 1
IDENTITY = "age_identity"
ODS = "ods_code"
NAME = "practice_name"


@dataclass(frozen=True)
class StoreDir(DataDir):
    """A practice store directory: `practice.db`, its `vault.json`, `recipient.txt`."""

    db = Below("practice.db")
    recipient = Below("recipient.txt")

    def exists(self) -> bool:
        return self.vault.exists() and self.db.exists()


def read_recipient(root: Path) -> str:
    """The store's public age recipient, from the clear copy (no passphrase needed)."""
    try:
        return StoreDir(root).recipient.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise MhfError(f"no practice inbox in {root} (`mhf inbox init`)") from None


def record_store_event(session: Session, action: str, detail: str = "") -> None:
    """One line of the store's audit log (ids, fingerprints and counts only)."""
    session.add(StoreEvent(action=action, detail=detail))


class PracticeStore:
    def __init__(self, directory: StoreDir, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine

    @classmethod
    def create(
        cls, root: Path, passphrase: str, *, ods: str, name: str = ""
    ) -> tuple[PracticeStore, str]:
        """A new store bound to `ods`, with a new age identity; returns it with its recovery
        key (to show once)."""
        ods = ods.strip().upper()
        if not ODS_CODE.fullmatch(ods):
            raise MhfError("an ODS code is 3-10 capital letters and digits, e.g. C82001")
        directory = StoreDir(root)
        if directory.exists() or directory.vault.exists():
            raise MhfError(f"{root} already holds a practice inbox")
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        key, recovery = create_vault(directory, passphrase)
        store = cls._open(directory, key)
        identity = new_identity()
        with store.session() as session:
            for setting, value in ((IDENTITY, str(identity)), (ODS, ods), (NAME, name)):
                session.add(StoreSetting(key=setting, value=value))
            record_store_event(session, "init", f"bound to {ods}")
        write_private(directory.recipient, f"{identity.to_public()}\n".encode())
        return store, recovery

    @classmethod
    def open(cls, root: Path, passphrase: str, *, sleep: Sleeper = time.sleep) -> PracticeStore:
        directory = StoreDir(root)
        if not directory.exists():
            raise MhfError(f"no practice inbox in {root} (`mhf inbox init`)")
        return cls._open(directory, unlock_data_key(directory, passphrase, sleep=sleep))

    @classmethod
    def _open(cls, directory: StoreDir, key: bytes) -> PracticeStore:
        engine = make_engine(directory.db, key)
        try:
            with engine.begin() as conn:
                version = int(conn.execute(text("PRAGMA user_version")).scalar_one())
                if version > STORE_SCHEMA_VERSION:
                    raise MhfError("this practice store was made by a newer mhf; upgrade mhf")
                if version < STORE_SCHEMA_VERSION:
                    STORE_METADATA.create_all(conn)
                    conn.execute(text(f"PRAGMA user_version = {STORE_SCHEMA_VERSION}"))
        except BaseException:
            engine.dispose()
            raise
        return cls(directory, engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with unit_of_work(self.engine) as session:
            yield session

    def setting(self, session: Session, key: str) -> str:
        row = session.get(StoreSetting, key)
        if row is None:
            raise MhfError("this practice store is incomplete (made by an older mhf?)")
        return row.value

    def identity(self, session: Session) -> x25519.Identity:
        return x25519.Identity.from_str(self.setting(session, IDENTITY))

    def ods(self, session: Session) -> str:
        return self.setting(session, ODS)

    def close(self) -> None:
        self.engine.dispose()
