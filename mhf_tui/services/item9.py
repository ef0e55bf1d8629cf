"""PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered above 0.

The latest such answer in the last 12 months is shown in the record's header and on the
Summary tab, with its date and score, so it is seen whichever tab is open; it stays on the
dashboard until a follow-up is recorded: an attended contact (not a DNA or a cancellation)
after the day it was answered, or a later PHQ-9.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Contact, Patient
from mhf_tui.db.tables.reviews import OutcomeMeasure
from mhf_tui.services.outcomes import PHQ9
from mhf_tui.services.recall import RECALLED_STATUSES, display_name
from mhf_tui.services.reviews import add_months

NOT_ATTENDED = ("dna", "cancelled")


@dataclass(frozen=True)
class Item9Flag:
    patient_id: uuid.UUID
    patient_name: str
    taken_on: date
    score: int
    followed_up_on: date | None

    @property
    def text(self) -> str:
        return f"PHQ-9 item 9 scored {self.score} on {self.taken_on:%d %b %Y}"


def _followed_up(session: Session, *, patient_id: uuid.UUID, after: date) -> date | None:
    """The first attended contact or PHQ-9 after `after`, if any."""
    start = datetime.combine(after, time.max, tzinfo=UTC)
    contact = session.exec(
        select(col(Contact.occurred_at))
        .where(
            Contact.patient_id == patient_id,
            col(Contact.occurred_at) > start,
            col(Contact.mode).not_in(NOT_ATTENDED),
        )
        .order_by(col(Contact.occurred_at))
        .limit(1)
    ).first()
    phq = session.exec(
        select(col(OutcomeMeasure.taken_on))
        .where(
            OutcomeMeasure.patient_id == patient_id,
            OutcomeMeasure.measure == PHQ9,
            col(OutcomeMeasure.taken_on) > after,
        )
        .order_by(col(OutcomeMeasure.taken_on))
        .limit(1)
    ).first()
    days = [d for d in (contact.date() if contact else None, phq) if d is not None]
    return min(days) if days else None


def _flags(
    session: Session, *, today: date, patient_id: uuid.UUID | None = None
) -> list[Item9Flag]:
    since = add_months(today, -12)
    stmt = (
        select(OutcomeMeasure, Patient)
        .join(Patient, col(Patient.id) == col(OutcomeMeasure.patient_id))
        .where(
            OutcomeMeasure.measure == PHQ9,
            col(OutcomeMeasure.risk_prompt).is_(True),
            col(OutcomeMeasure.taken_on) >= since,
            col(OutcomeMeasure.taken_on) <= today,
        )
        .order_by(col(OutcomeMeasure.taken_on).desc(), col(OutcomeMeasure.created_at).desc())
    )
    if patient_id is not None:
        stmt = stmt.where(OutcomeMeasure.patient_id == patient_id)
    seen: set[uuid.UUID] = set()
    flags = []
    for row, patient in session.exec(stmt).all():
        if patient.id in seen:
            continue
        seen.add(patient.id)
        score = row.items[8] if len(row.items) == 9 else 0
        flags.append(
            Item9Flag(
                patient_id=patient.id,
                patient_name=display_name(patient),
                taken_on=row.taken_on,
                score=score,
                followed_up_on=_followed_up(session, patient_id=patient.id, after=row.taken_on),
            )
        )
    return flags


def item9_flag(session: Session, *, patient_id: uuid.UUID, today: date) -> Item9Flag | None:
    """The patient's latest PHQ-9 with item 9 above 0 in the last 12 months, if any."""
    flags = _flags(session, today=today, patient_id=patient_id)
    return flags[0] if flags else None


def item9_awaiting_follow_up(session: Session, *, today: date) -> list[Item9Flag]:
    """Patients still on the caseload whose latest item 9 above 0 (last 12 months) has no
    follow-up recorded yet; oldest first."""
    active = set(
        session.exec(
            select(Patient.id).where(
                col(Patient.status).in_(RECALLED_STATUSES), col(Patient.date_of_death).is_(None)
            )
        ).all()
    )
    waiting = [
        f
        for f in _flags(session, today=today)
        if f.followed_up_on is None and f.patient_id in active
    ]
    return sorted(waiting, key=lambda f: f.taken_on)
