"""An unlocked caseload: the encrypted engine, migrated, plus who is using it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from mhf_tui.db.audit_head import HeadKeeper
from mhf_tui.db.migrations import migrate, pending, schema_version
from mhf_tui.db.session import unit_of_work
from mhf_tui.db.tables import Setting
from mhf_tui.paths import DataDir
from mhf_tui.vault.engine import connect_raw, make_engine
from mhf_tui.vault.vault import Sleeper, backup, integrity_problems, load_vault, unlock_data_key


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else None


def put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key) or Setting(key=key, value=value)
    row.value = value
    session.add(row)


class Caseload:
    """Holds the data key only as long as it is open; `close()` forgets it."""

    def __init__(self, data: DataDir, key: bytes, engine: Engine) -> None:
        self.data = data
        self._key: bytes | None = key
        self.engine = engine
        self._actor: str | None = None
        self.vault_id = load_vault(data).vault_id
        self._head = HeadKeeper(data.audit_head, self.vault_id)

    @classmethod
    def open(cls, data: DataDir, passphrase: str, *, sleep: Sleeper = time.sleep) -> Caseload:
        return cls.open_with_key(data, unlock_data_key(data, passphrase, sleep=sleep))

    @classmethod
    def open_with_key(cls, data: DataDir, key: bytes) -> Caseload:
        engine = make_engine(data.db, key)
        try:
            if pending(engine) > 0 and schema_version(engine) > 0:
                backup(data, key)  # an encrypted copy before any schema change
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        caseload = cls(data, key, engine)
        with unit_of_work(engine) as session:
            head = caseload._head.start(session)  # the head is written at every unlock
        caseload._head.write(head)
        caseload._actor = caseload.get_setting("facilitator_name") or "facilitator"
        return caseload

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise RuntimeError("caseload is closed")
        return self._key

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work; once it commits, audit-head.json follows the chain."""
        with unit_of_work(self.engine) as session:
            yield session
            head = self._head.observe(session)
        self._head.write(head)

    def replace_audit_head(self) -> None:
        """Record this chain's head whatever was recorded before (after a restore the
        user confirmed), and follow it from now on."""
        with unit_of_work(self.engine) as session:
            head = self._head.replace(session)
        self._head.write(head)

    @property
    def actor(self) -> str:
        """The facilitator named at set-up; recorded on notes and audit events. Read once
        at open, so using it inside a unit of work never opens a second transaction."""
        return self._actor or "facilitator"

    def get_setting(self, key: str) -> str | None:
        with self.session() as s:
            return get_setting(s, key)

    def set_setting(self, key: str, value: str) -> None:
        with self.session() as s:
            put_setting(s, key, value)
        if key == "facilitator_name":
            self._actor = value

    def integrity_problems(self) -> list[str]:
        conn = connect_raw(self.data.db, self.key)
        try:
            return integrity_problems(conn)
        finally:
            conn.close()

    def backup(self, out: Path | None = None) -> Path:
        return backup(self.data, self.key, out)

    def close(self) -> None:
        self._head.close()
        self.engine.dispose()
        self._key = None
