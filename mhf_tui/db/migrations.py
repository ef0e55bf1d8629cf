"""Numbered schema migrations, tracked in `PRAGMA user_version`.

They run on unlock, after an automatic encrypted backup (see `mhf_tui.db.store`), each in
its own transaction. A migration never drops or rewrites user data.

Version 1 is the schema as first released: the tables in `mhf_tui.db.tables` plus the
append-only triggers. Once a version has shipped its DDL must not change: later schema
changes are new numbered migrations with explicit `ALTER TABLE`/`CREATE` statements.
`tests/unit/test_schema.py` pins every table's columns (name, type, NOT NULL, key). Their
order follows the model classes and may differ between vaults made by different releases;
nothing reads a column by position.
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


def _add_columns(conn: Connection, table: str, columns: dict[str, str]) -> None:
    """ALTER TABLE ADD COLUMN for each column the table lacks (a vault created since these
    columns were declared already has them: version 1 creates the current tables)."""
    present = {row[1] for row in conn.execute(text(f"PRAGMA table_info({table})"))}
    for name, ddl in columns.items():
        if name not in present:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))


def _v3_care_planning(conn: Connection) -> None:
    """Care plans gain needs and a structured crisis plan (early warning signs, what helps,
    contacts, services); related people gain consent to sharing, dated and attributed.
    Early warning signs written before this version (`relapse_signatures`) are copied over."""
    _add_columns(
        conn,
        "care_plan",
        {
            "needs": "JSON NOT NULL DEFAULT '[]'",
            "early_warning_signs": "VARCHAR NOT NULL DEFAULT ''",
            "what_helps": "VARCHAR NOT NULL DEFAULT ''",
            "crisis_contacts": "JSON NOT NULL DEFAULT '[]'",
            "crisis_services": "JSON NOT NULL DEFAULT '[]'",
        },
    )
    conn.execute(
        text(
            "UPDATE care_plan SET early_warning_signs = relapse_signatures "
            "WHERE early_warning_signs = '' AND relapse_signatures != ''"
        )
    )
    _add_columns(
        conn,
        "related_person",
        {
            "consent_to_share": "BOOLEAN NOT NULL DEFAULT 0",
            "consent_on": "DATE",
            "consent_recorded_by": "VARCHAR NOT NULL DEFAULT ''",
        },
    )


MIGRATIONS: list[Migration] = [_v1_tables, _v2_note_search, _v3_care_planning]
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
