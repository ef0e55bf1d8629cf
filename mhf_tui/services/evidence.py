"""What `mhf check` looks at beyond the page checks: does the stored data still match
the audit trail, and does the trail match the head recorded outside the database?

Each finding is one line that names what is wrong (ids and counts, never patient text).
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select

from mhf_tui.db.audit_head import (
    AuditHead,
    RecordedHead,
    chain_tip,
    device_key,
    extends,
)
from mhf_tui.db.tables import AuditEvent, Note
from mhf_tui.services.audit import text_digest

#: what `text_digest` writes into a note event's detail
_NOTE_DIGEST = re.compile(r"text_sha256=[0-9a-f]{64}")
NOTE_ACTIONS = ("create", "amend", "entered_in_error")


def note_problems(session: Session) -> list[str]:
    """Notes whose text no longer matches the hash their audit event recorded (a note
    rewritten in the database behind mhf's back). Purged notes have no row: skipped."""
    events = session.exec(
        select(AuditEvent.seq, AuditEvent.entity_id, AuditEvent.detail)
        .where(AuditEvent.entity == "note", col(AuditEvent.action).in_(NOTE_ACTIONS))
        .order_by(col(AuditEvent.seq))
    )
    texts = {
        str(note_id): text_value for note_id, text_value in session.exec(select(Note.id, Note.text))
    }
    problems = []
    for seq, entity_id, detail in events:
        found = _NOTE_DIGEST.search(detail or "")
        if found is None:
            continue  # written before notes carried a hash
        try:
            key = str(uuid.UUID(entity_id))
        except ValueError:
            problems.append(f"audit event {seq} names a note id that is not an id")
            continue
        if key not in texts:
            continue  # purged
        if text_digest(texts[key]) != found.group(0):
            problems.append(
                f"note {key[:8]} does not match its audit event {seq}: "
                "its text was changed outside mhf"
            )
    return problems


def search_index_problems(session: Session) -> list[str]:
    """FTS5's own check of the note index against the notes table."""
    try:
        session.connection().execute(
            text("INSERT INTO note_fts (note_fts, rank) VALUES ('integrity-check', 1)")
        )
    except DatabaseError:
        return ["note search index does not match the notes (FTS5 integrity-check failed)"]
    return []


def head_problems(
    session: Session, recorded: RecordedHead | None, vault_id: str
) -> tuple[AuditHead, list[str]]:
    """The chain's head now, and how it disagrees with the head recorded at the last
    change: fewer events (the last ones removed, or an older database put back), or a
    different event at the recorded position (events removed or changed and re-hashed)."""
    tip = chain_tip(session)
    if recorded is None:
        return tip, ["audit-head.json is missing: the audit trail cannot be checked for removals"]
    problems = []
    if recorded.vault_id != vault_id:
        problems.append("audit-head.json belongs to another vault")
    if not recorded.signature_ok(device_key(session)):
        problems.append("audit-head.json is not signed by this device's key")
    want = recorded.head
    if tip.count < want.count:
        problems.append(
            f"audit chain has {tip.count} events but {want.count} were recorded at "
            f"{recorded.written_at}: the last {want.count - tip.count} were removed or an "
            "older database was put back"
        )
    elif not extends(session, want):
        problems.append(
            f"audit chain does not extend the head recorded at {recorded.written_at} "
            f"(event {want.count} differs): events were removed or changed and re-hashed"
        )
    return tip, problems
