"""Clinical notes: append-only, versioned, searchable.

Nothing here updates or deletes a note row (a trigger would refuse it anyway): an amendment
is a new row in the same lineage pointing at the version it replaces, and "entered in error"
is a new flagged version. The current version of a lineage is its highest version number.

Durability: the caller's unit of work (`Caseload.session()`) commits on exit with
`synchronous=FULL`, so once the `with` block around `add_note` returns the note is on disk.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import text as sql_text
from sqlmodel import Session, col, func, select

from mhf_tui.db.tables import Contact, Draft, Note, Patient
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audit import record_event, text_digest
from mhf_tui.services.audited import audited_add
from mhf_tui.services.ids import resolve_id
from mhf_tui.services.public import PublicModel
from mhf_tui.services.retention import editable_patient
from mhf_tui.services.validation import choice, multiline_text

NOTE_KINDS = ("contact", "phone_call", "care_plan", "safeguarding", "general")
MAX_NOTE_LENGTH = 100_000


class NoteRead(PublicModel):
    id: uuid.UUID = Field(serialization_alias="note_id")
    patient_id: uuid.UUID
    contact_id: uuid.UUID | None
    lineage_id: uuid.UUID
    version: int
    replaces_id: uuid.UUID | None
    kind: str
    text: str
    author: str
    written_at: datetime = Field(serialization_alias="time")
    entered_in_error: bool
    amend_reason: str
    #: when the first version of this note was written (the time the note is about)
    first_written_at: datetime

    @classmethod
    def from_row(cls, row: Note, first_written_at: datetime | None = None) -> NoteRead:
        return cls.from_attrs(row, first_written_at=first_written_at or row.written_at)

    @property
    def amended(self) -> bool:
        return self.version > 1


@dataclass(frozen=True)
class NoteHit:
    """A search result: the current version of a note and whose it is."""

    note: NoteRead
    nhs_number: str | None
    patient_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "note_id": str(self.note.id),
            "patient_id": str(self.note.patient_id),
            "nhs_number": self.nhs_number,
            "time": self.note.written_at.isoformat(),
            "kind": self.note.kind,
            "text": self.note.text,
        }


class NoteNotFound(MhfError):
    def __init__(self) -> None:
        super().__init__("no such note on this caseload")


def _clean_text(text: str) -> str:
    cleaned = multiline_text(text)  # ESC stored as "␛": visible, never dropped
    if not cleaned:
        raise ValidationError("the note is empty")
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise ValidationError(f"the note is longer than {MAX_NOTE_LENGTH} characters")
    return cleaned


def add_note(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    text: str,
    kind: str = "contact",
    contact_id: uuid.UUID | None = None,
    draft_id: uuid.UUID | None = None,
) -> NoteRead:
    """Write a new note. `draft_id`: the draft it was typed in, deleted in the same unit
    of work so a saved note never also lingers as a draft."""
    body = _clean_text(text)
    kind = choice(kind, "note kind", NOTE_KINDS)
    editable_patient(session, patient_id)
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.patient_id != patient_id:
            raise ValidationError("the contact is not one of this patient's")
    note_id = uuid.uuid4()
    row = Note(
        id=note_id,
        patient_id=patient_id,
        contact_id=contact_id,
        lineage_id=note_id,
        kind=kind,
        text=body,
        author=actor,
    )
    if draft_id is not None:
        draft = session.get(Draft, draft_id)
        if draft is not None:
            session.delete(draft)
    audited_add(
        session,
        row,
        actor=actor,
        action="create",
        entity="note",
        patient_id=patient_id,
        detail=text_digest(row.text),
    )
    return NoteRead.from_row(row)


def resolve_note_id(session: Session, *, ref: str) -> uuid.UUID:
    """A note id in full or as its first 6+ hex digits (as `mhf note list` shows)."""
    return resolve_id(session, table="note", ref=ref, what="note")


def _current_version_of(session: Session, note_id: uuid.UUID) -> tuple[Note, Note]:
    """The note asked for, and the first version of its lineage; refuses a superseded one."""
    row = session.get(Note, note_id)
    if row is None:
        raise NoteNotFound()
    latest = session.exec(
        select(func.max(Note.version)).where(Note.lineage_id == row.lineage_id)
    ).one()
    if latest != row.version:
        raise ValidationError("this note has a newer version; amend the current version instead")
    first = session.exec(
        select(Note).where(Note.lineage_id == row.lineage_id, Note.version == 1)
    ).one()
    return row, first


def _new_version(
    session: Session,
    previous: Note,
    first: Note,
    *,
    actor: str,
    action: str,
    text: str,
    reason: str,
    entered_in_error: bool,
) -> NoteRead:
    """Append the version replacing `previous` (its lineage began with `first`), audited
    with the digest of its text."""
    row = Note(
        patient_id=previous.patient_id,
        contact_id=previous.contact_id,
        lineage_id=previous.lineage_id,
        version=previous.version + 1,
        replaces_id=previous.id,
        kind=previous.kind,
        text=text,
        author=actor,
        entered_in_error=entered_in_error,
        amend_reason=reason,
    )
    audited_add(
        session,
        row,
        actor=actor,
        action=action,
        entity="note",
        detail=f"replaces={previous.id},{text_digest(row.text)}",
    )
    return NoteRead.from_row(row, first.written_at)


def amend_note(
    session: Session, *, actor: str, note_id: uuid.UUID, text: str, reason: str = ""
) -> NoteRead:
    """A correction: a new version with the new text; the old one stays in the history."""
    previous, first = _current_version_of(session, note_id)
    if previous.entered_in_error:
        raise ValidationError("this note was marked entered in error; write a new note instead")
    body = _clean_text(text)
    if body == previous.text:
        raise ValidationError("the amended text is the same as the current version")
    return _new_version(
        session,
        previous,
        first,
        actor=actor,
        action="amend",
        text=body,
        reason=reason.strip(),
        entered_in_error=False,
    )


def mark_entered_in_error(
    session: Session, *, actor: str, note_id: uuid.UUID, reason: str
) -> NoteRead:
    """A flagged version (same text) so the error stays visible and nothing is lost."""
    previous, first = _current_version_of(session, note_id)
    if previous.entered_in_error:
        raise ValidationError("this note is already marked entered in error")
    why = (reason or "").strip()
    if not why:
        raise ValidationError("give a reason for marking the note entered in error")
    return _new_version(
        session,
        previous,
        first,
        actor=actor,
        action="entered_in_error",
        text=previous.text,
        reason=why,
        entered_in_error=True,
    )


def note_history(session: Session, *, note_id: uuid.UUID) -> list[NoteRead]:
    """Every version of the note's lineage, oldest first (any version's id will do)."""
    row = session.get(Note, note_id)
    if row is None:
        raise NoteNotFound()
    versions = session.exec(
        select(Note).where(Note.lineage_id == row.lineage_id).order_by(col(Note.version))
    ).all()
    first = versions[0].written_at
    return [NoteRead.from_row(n, first) for n in versions]


def _current(rows: list[Note]) -> list[NoteRead]:
    by_lineage: dict[uuid.UUID, list[Note]] = defaultdict(list)
    for row in rows:
        by_lineage[row.lineage_id].append(row)
    current: list[NoteRead] = []
    for versions in by_lineage.values():
        versions.sort(key=lambda n: n.version)
        current.append(NoteRead.from_row(versions[-1], versions[0].written_at))
    current.sort(key=lambda n: n.first_written_at, reverse=True)
    return current


def current_notes(
    session: Session,
    *,
    patient_id: uuid.UUID,
    include_entered_in_error: bool = True,
    contact_id: uuid.UUID | None = None,
) -> list[NoteRead]:
    """The current version of each of a patient's notes, newest first."""
    stmt = select(Note).where(Note.patient_id == patient_id)
    if contact_id is not None:
        stmt = stmt.where(Note.contact_id == contact_id)
    notes = _current(list(session.exec(stmt)))
    if not include_entered_in_error:
        notes = [n for n in notes if not n.entered_in_error]
    return notes


def fts_query(query: str) -> str:
    """User words -> an FTS5 query: every word must appear (as a prefix), quoted so no
    FTS syntax typed by the user can break or widen the search."""
    words = re.findall(r"\w+", query or "")
    return " ".join(f'"{w}"*' for w in words)


def search_notes(
    session: Session,
    *,
    actor: str,
    query: str,
    patient_id: uuid.UUID | None = None,
    limit: int = 200,
    include_entered_in_error: bool = False,
) -> list[NoteHit]:
    """Full-text search (FTS5 inside the encrypted file). Only current versions are
    returned. Searching shows notes across patients, so it is audited (the count of hits,
    never the query)."""
    match = fts_query(query)
    if not match:
        return []
    rows = (
        session.connection()
        .execute(
            sql_text(
                "SELECT note.id FROM note_fts JOIN note ON note.rowid = note_fts.rowid "
                "WHERE note_fts MATCH :q ORDER BY note_fts.rank"
            ),
            {"q": match},
        )
        .all()
    )
    hit_ids = [uuid.UUID(hex=str(r[0])) for r in rows]
    if not hit_ids:
        record_event(session, actor=actor, action="search", entity="note", detail="hits=0")
        return []
    lineages = set(session.exec(select(Note.lineage_id).where(col(Note.id).in_(hit_ids))).all())
    stmt = select(Note).where(col(Note.lineage_id).in_(lineages))
    if patient_id is not None:
        stmt = stmt.where(Note.patient_id == patient_id)
    current = _current(list(session.exec(stmt)))
    matching = set(hit_ids)
    # a lineage hits only if its current version contains the words
    current = [n for n in current if n.id in matching]
    if not include_entered_in_error:
        current = [n for n in current if not n.entered_in_error]
    current = current[:limit]
    patients = {
        p.id: p
        for p in session.exec(
            select(Patient).where(col(Patient.id).in_({n.patient_id for n in current}))
        )
    }
    hits = [
        NoteHit(
            note=n,
            nhs_number=patients[n.patient_id].nhs_number,
            patient_name=f"{patients[n.patient_id].family_name.upper()}, "
            f"{patients[n.patient_id].given_name}",
        )
        for n in current
    ]
    record_event(session, actor=actor, action="search", entity="note", detail=f"hits={len(hits)}")
    return hits
