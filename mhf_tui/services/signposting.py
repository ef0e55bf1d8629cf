"""Signposting a patient to a service, and following it through.

Status flow: suggested -> referred -> accepted / declined / attended / did_not_engage ->
closed. A status may skip ahead (a self-referral can go straight from suggested to
attended) but never goes back; closed is final.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field
from sqlmodel import Session, col, select

from mhf_tui.db.tables import Service, Signposting
from mhf_tui.errors import ValidationError
from mhf_tui.services.audited import audited_add
from mhf_tui.services.ids import get_row, resolve_id
from mhf_tui.services.public import PublicModel
from mhf_tui.services.retention import editable_patient
from mhf_tui.services.validation import choice, optional_date, optional_text

STATUSES = ("suggested", "referred", "accepted", "declined", "attended", "did_not_engage", "closed")
OPEN_STATUSES = ("suggested", "referred", "accepted")
#: the statuses each one may move to
NEXT: dict[str, tuple[str, ...]] = {
    "suggested": ("referred", "accepted", "declined", "attended", "did_not_engage", "closed"),
    "referred": ("accepted", "declined", "attended", "did_not_engage", "closed"),
    "accepted": ("attended", "did_not_engage", "closed"),
    "declined": ("closed",),
    "attended": ("closed",),
    "did_not_engage": ("closed",),
    "closed": (),
}
STATUS_LABELS = {
    "suggested": "Suggested",
    "referred": "Referred",
    "accepted": "Accepted",
    "declined": "Declined",
    "attended": "Attended",
    "did_not_engage": "Did not engage",
    "closed": "Closed",
}


class SignpostingRead(PublicModel):
    id: uuid.UUID = Field(serialization_alias="signposting_id")
    patient_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str = Field(serialization_alias="service")
    status: str
    signposted_on: date
    follow_up_on: date | None
    outcome_note: str
    author: str

    @classmethod
    def from_row(cls, row: Signposting, service: Service) -> SignpostingRead:
        return cls.from_attrs(row, service_name=service.name)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return NEXT[self.status]


def signpost(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    service_id: uuid.UUID,
    status: str = "suggested",
    signposted_on: date | None = None,
    follow_up_on: date | str | None = None,
    outcome_note: str = "",
) -> SignpostingRead:
    editable_patient(session, patient_id)
    service = get_row(session, Service, service_id, "no such service in the directory")
    row = Signposting(
        patient_id=patient_id,
        service_id=service_id,
        status=choice(status, "status", STATUSES),
        signposted_on=signposted_on or date.today(),
        follow_up_on=optional_date(follow_up_on, "follow-up date"),
        outcome_note=optional_text(outcome_note, "outcome note"),
        author=actor,
    )
    audited_add(
        session,
        row,
        actor=actor,
        action="create",
        entity="signposting",
        patient_id=patient_id,
        detail=f"status={row.status}",
    )
    return SignpostingRead.from_row(row, service)


def advance_signposting(
    session: Session,
    *,
    actor: str,
    signposting_id: uuid.UUID,
    status: str,
    outcome_note: str | None = None,
    follow_up_on: date | str | None = None,
) -> SignpostingRead:
    row = get_row(session, Signposting, signposting_id, "no such signposting on this caseload")
    new = choice(status, "status", STATUSES)
    if new != row.status and new not in NEXT[row.status]:
        allowed = ", ".join(NEXT[row.status]) or "nothing (it is closed)"
        raise ValidationError(f"a {row.status} signposting can move to {allowed}")
    previous = row.status
    row.status = new
    if outcome_note is not None:
        row.outcome_note = optional_text(outcome_note, "outcome note")
    if follow_up_on is not None:
        row.follow_up_on = optional_date(follow_up_on, "follow-up date")
    if new == "closed":
        row.follow_up_on = None
    audited_add(
        session,
        row,
        actor=actor,
        action="update",
        entity="signposting",
        detail=f"status={previous}->{new}",
    )
    service = session.get(Service, row.service_id)
    assert service is not None
    return SignpostingRead.from_row(row, service)


def resolve_signposting_id(session: Session, *, ref: str) -> uuid.UUID:
    return resolve_id(session, table="signposting", ref=ref, what="signposting")


def list_signposting(
    session: Session, *, patient_id: uuid.UUID, open_only: bool = False
) -> list[SignpostingRead]:
    """A patient's signposting, newest first."""
    stmt = (
        select(Signposting, Service)
        .join(Service, col(Signposting.service_id) == col(Service.id))
        .where(Signposting.patient_id == patient_id)
        .order_by(col(Signposting.signposted_on).desc(), col(Signposting.created_at).desc())
    )
    if open_only:
        stmt = stmt.where(col(Signposting.status).in_(OPEN_STATUSES))
    return [SignpostingRead.from_row(s, svc) for s, svc in session.exec(stmt)]
