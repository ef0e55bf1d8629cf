"""Numbered schema migrations, tracked in `PRAGMA user_version`.

They run on unlock, after an automatic encrypted backup (see `mhf_tui.db.store`), each in
its own transaction. A migration never drops or rewrites user data.

Version 1 is the schema as first released: the tables in `mhf_tui.db.tables` plus the
append-only triggers. Once a version has shipped its DDL must not change: later schema
changes are new numbered migrations with explicit `ALTER TABLE`/`CREATE` statements.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, text
from sqlmodel import SQLModel

import mhf_tui.db.tables  # noqa: F401  (registers every table)

Migration = Callable[[Connection], None]


def _v1_tables(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)
    conn.execute(text("INSERT OR IGNORE INTO change_counter (id, value) VALUES (1, 0)"))
    for table, verb in (("note", "UPDATE"), ("audit_event", "UPDATE"), ("audit_event", "DELETE")):
        conn.execute(
            text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} "
                f"BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        )


def _v2_note_search(conn: Connection) -> None:
    """Full-text index over note text (FTS5, inside the encrypted file), kept current by
    a trigger and filled from the notes already written."""
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS note_fts USING fts5("
            "text, content='note', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
        )
    )
    conn.execute(
        text(
            "CREATE TRIGGER IF NOT EXISTS note_fts_insert AFTER INSERT ON note BEGIN "
            "INSERT INTO note_fts (rowid, text) VALUES (new.rowid, new.text); END"
        )
    )
    conn.execute(
        text(
            "CREATE TRIGGER IF NOT EXISTS note_fts_delete AFTER DELETE ON note BEGIN "
            "INSERT INTO note_fts (note_fts, rowid, text) VALUES ('delete', old.rowid, old.text);"
            " END"
        )
    )
    conn.execute(text("INSERT INTO note_fts (note_fts) VALUES ('rebuild')"))


MIGRATIONS: list[Migration] = [_v1_tables, _v2_note_search]
LATEST = len(MIGRATIONS)


def schema_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("PRAGMA user_version")).scalar_one())


def pending(engine: Engine) -> int:
    return LATEST - schema_version(engine)


def migrate(engine: Engine, *, target: int = LATEST) -> list[int]:
    """Apply migrations up to `target`; returns the versions applied."""
    applied: list[int] = []
    current = schema_version(engine)
    if current > LATEST:
        from mhf_tui.errors import MhfError

        raise MhfError(
            f"this caseload uses schema version {current}, newer than this mhf ({LATEST}); "
            "upgrade mhf"
        )
    for version in range(current + 1, target + 1):
        with engine.begin() as conn:
            MIGRATIONS[version - 1](conn)
            conn.execute(text(f"PRAGMA user_version = {version}"))
        applied.append(version)
    return applied
