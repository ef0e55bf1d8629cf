"""One way to write a row and its audit event together, in the caller's unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

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


def apply_changes(row: Row, values: Mapping[str, Any]) -> list[str]:
    """Set on `row` the values that differ from what it holds; their names, sorted."""
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    for name in changed:
        setattr(row, name, values[name])
    return changed


def audited_update(
    session: Session,
    row: R,
    changed: Sequence[str],
    *,
    actor: str,
    entity: str,
    patient_id: uuid.UUID | None = None,
) -> R:
    """Write an edited `row` with one `update` event naming the fields `changed` (never
    their values); nothing is written when nothing changed."""
    if changed:
        audited_add(
            session,
            row,
            actor=actor,
            action="update",
            entity=entity,
            patient_id=patient_id,
            detail="fields=" + ",".join(changed),
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
