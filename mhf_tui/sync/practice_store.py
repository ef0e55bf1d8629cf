"""The practice's store of what it has received: its own encrypted database (same vault
code as the caseload: Argon2id-wrapped key, SQLCipher), with its own tables."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from mhf_tui.db.session import unit_of_work
from mhf_tui.db.tables.sync import STORE_METADATA
from mhf_tui.errors import MhfError
from mhf_tui.paths import DataDir
from mhf_tui.vault.engine import make_engine
from mhf_tui.vault.vault import Sleeper, create_vault, unlock_data_key

STORE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class StoreDir(DataDir):
    """A practice store directory: `practice.db` and its `vault.json`."""

    @property
    def db(self) -> Path:
        return self.root / "practice.db"

    def exists(self) -> bool:
        return self.vault.exists() and self.db.exists()


class PracticeStore:
    def __init__(self, directory: StoreDir, engine: Engine) -> None:
        self.directory = directory
        self.engine = engine

    @classmethod
    def create(cls, root: Path, passphrase: str) -> tuple[PracticeStore, str]:
        """A new empty store; returns it with its recovery key (to show once)."""
        directory = StoreDir(root)
        key, recovery = create_vault(directory, passphrase)
        return cls._open(directory, key), recovery

    @classmethod
    def open(cls, root: Path, passphrase: str, *, sleep: Sleeper = time.sleep) -> PracticeStore:
        directory = StoreDir(root)
        if not directory.exists():
            raise MhfError(f"no practice store in {root}")
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

    def close(self) -> None:
        self.engine.dispose()
