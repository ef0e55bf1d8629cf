"""One way to write a row and its audit event together, in the caller's unit of work."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlmodel import Session

from mhf_tui.db.tables import Row
from mhf_tui.services.audit import record_event

R = TypeVar("R", bound=Row)


def audited_add(
    session: Session,
    row: R,
    *,
    actor: str,
    action: str,
    entity: str,
    patient_id: uuid.UUID | None = None,
    detail: str = "",
) -> R:
    """Insert or update `row` (flushed, so defaults and `change_seq` are set) and append
    the event naming it and its patient: `patient_id`, else the row's own (a row of a
    patient's record); returns the row."""
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=row.id,
        patient_id=patient_id or getattr(row, "patient_id", None),
        detail=detail,
    )
    return row


def audited_delete(
    session: Session, row: Row, *, actor: str, entity: str, patient_id: uuid.UUID | None
) -> None:
    """Delete `row` and record that it was deleted (the event keeps its id, no content)."""
    row_id = row.id
    session.delete(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="delete",
        entity=entity,
        entity_id=row_id,
        patient_id=patient_id,
    )
