"""The SQLCipher engine: SQLAlchemy over sqlcipher3 with a raw 256-bit key.

A raw key (`x'<hex>'`) skips SQLCipher's own PBKDF2, so opening costs nothing beyond the
Argon2id unwrap that already happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool


def key_pragma(key: bytes, verb: str = "key") -> str:
    return f"PRAGMA {verb} = \"x'{key.hex()}'\""


def connect_raw(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A keyed DB-API connection; the first read proves (or disproves) the key."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    # SQLCipher logs a wrong key or a damaged page to stderr itself, several lines that
    # bypass the CLI's one-line errors: mhf reports those conditions in its own words
    conn.execute("PRAGMA cipher_log_level = NONE").fetchall()
    conn.execute(key_pragma(key))
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def make_engine(path: Path, key: bytes) -> Engine:
    """An engine whose every pooled connection is keyed before first use."""
    key_copy = bytes(key)

    def creator() -> Any:
        conn = connect_raw(path, key_copy)
        conn.isolation_level = ""  # let SQLAlchemy manage transactions
        return conn

    engine = create_engine(
        "sqlite://",
        creator=creator,
        module=sqlcipher3,  # so driver errors surface as sqlalchemy.exc.* types
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # pysqlite's implicit BEGIN is unreliable; issue our own (SQLAlchemy docs recipe).
        # IMMEDIATE takes the write lock up front: a unit of work that reads then writes
        # (audited reads do) then waits on busy_timeout instead of failing with SQLITE_BUSY
        # when another worker thread committed in between.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
