"""Per-practice sync status (last export, last ack, rows waiting) and the practice's age
recipient, as the facilitator sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Note,
    Patient,
    Practice,
    Signposting,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, ReviewAnswer
from mhf_tui.db.tables.sync import SyncExport
from mhf_tui.services.audit import record_event
from mhf_tui.sync.package import SyncError, parse_recipient
from mhf_tui.sync.selection import in_scope, withheld_count


@dataclass(frozen=True)
class PracticeSyncStatus:
    ods_code: str
    name: str
    has_recipient: bool
    last_export_number: int
    last_export_at: datetime | None
    last_acked_number: int
    last_ack_seq: int
    last_ack_at: datetime | None
    waiting: int  # rows that the next export would carry (before Provenance)
    withheld_objection: int


def sync_status(session: Session) -> list[PracticeSyncStatus]:
    out = []
    for practice in session.exec(select(Practice).order_by(col(Practice.ods_code))):
        waiting = sum(
            int(
                session.exec(
                    select(func.count())
                    .select_from(model)
                    .join(Patient, col(model.patient_id) == col(Patient.id))
                    .where(in_scope(model, practice, practice.last_ack_seq))
                ).one()
            )
            for model in (Contact, Note, CarePlan, Signposting, ReviewAnswer, OutcomeMeasure)
        ) + int(
            session.exec(
                select(func.count())
                .select_from(Patient)
                .where(in_scope(Patient, practice, practice.last_ack_seq))
            ).one()
        )
        acked = session.exec(
            select(func.max(SyncExport.number)).where(
                SyncExport.practice_id == practice.id, col(SyncExport.acked_at).is_not(None)
            )
        ).one()
        withheld = withheld_count(session, practice)
        out.append(
            PracticeSyncStatus(
                ods_code=practice.ods_code,
                name=practice.name,
                has_recipient=bool(practice.recipient),
                last_export_number=practice.last_export_number,
                last_export_at=practice.last_export_at,
                last_acked_number=int(acked or 0),
                last_ack_seq=practice.last_ack_seq,
                last_ack_at=practice.last_ack_at,
                waiting=waiting,
                withheld_objection=int(withheld),
            )
        )
    return out


def set_recipient(session: Session, *, ods: str, recipient: str, actor: str) -> Practice:
    """Record the practice's age public key (from `mhf inbox init` or `mhf inbox recipient`)."""
    parse_recipient(recipient)
    practice = session.exec(select(Practice).where(Practice.ods_code == ods.upper())).first()
    if practice is None:
        raise SyncError(f"no practice with ODS code {ods}")
    practice.recipient = recipient.strip()
    save_practice(session, practice, actor=actor, action="update", detail="recipient")
    return practice


def save_practice(
    session: Session, practice: Practice, *, actor: str, action: str, detail: str
) -> None:
    """Stage a change to a practice's sync state (recipient, last export, last ack) with
    its audit event; the caller's unit of work writes both."""
    session.add(practice)
    record_event(
        session,
        actor=actor,
        action=action,
        entity="practice",
        entity_id=practice.id,
        detail=detail,
    )
