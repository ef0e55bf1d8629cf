"""Drafts: what the user is typing, saved as they type (inside the encrypted database)
so it survives lock, crash and quit. Not audited: a draft is editor state, not a record;
the note it becomes is audited when saved (`add_note(..., draft_id=...)` deletes the
draft in the same unit of work)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Draft, Patient, utcnow
from mhf_tui.errors import MhfError


@dataclass(frozen=True)
class DraftRead:
    id: uuid.UUID
    kind: str
    patient_id: uuid.UUID | None
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Draft) -> DraftRead:
        return cls(
            id=row.id,
            kind=row.kind,
            patient_id=row.patient_id,
            text=row.text,
            fields=dict(row.fields or {}),
            updated_at=row.updated_at,
        )


def save_draft(
    session: Session,
    *,
    kind: str = "note",
    patient_id: uuid.UUID | None,
    text: str,
    fields: dict[str, Any] | None = None,
    draft_id: uuid.UUID | None = None,
) -> DraftRead:
    """Create or overwrite a draft; pass back `draft_id` on later saves of the same one."""
    if patient_id is not None and session.get(Patient, patient_id) is None:
        raise MhfError("no such patient on this caseload")
    row = session.get(Draft, draft_id) if draft_id else None
    if row is None:
        row = Draft(id=draft_id or uuid.uuid4(), kind=kind)
    row.patient_id = patient_id
    row.text = text
    row.fields = dict(fields or {})
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return DraftRead.from_row(row)


def get_draft(session: Session, *, draft_id: uuid.UUID) -> DraftRead | None:
    row = session.get(Draft, draft_id)
    return DraftRead.from_row(row) if row else None


def find_draft(
    session: Session, *, kind: str = "note", patient_id: uuid.UUID | None
) -> DraftRead | None:
    """The newest draft of this kind for this patient (None: the unassigned one)."""
    stmt = select(Draft).where(Draft.kind == kind)
    stmt = stmt.where(
        col(Draft.patient_id).is_(None) if patient_id is None else Draft.patient_id == patient_id
    )
    row = session.exec(stmt.order_by(col(Draft.updated_at).desc()).limit(1)).first()
    return DraftRead.from_row(row) if row else None


def list_drafts(session: Session) -> list[DraftRead]:
    """Every draft, newest first (for the dashboard)."""
    stmt = select(Draft).order_by(col(Draft.updated_at).desc())
    return [DraftRead.from_row(r) for r in session.exec(stmt)]


def delete_draft(session: Session, *, draft_id: uuid.UUID) -> bool:
    row = session.get(Draft, draft_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
