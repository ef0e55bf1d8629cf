"""A patient's decisions about their information: an objection to sharing with the
practice, and consent to contact carers or family.

Sharing with the practice for direct care is the default (the sync export leaves out
patients who object). Each decision is stored with the date it was made and who
recorded it, and audited by field name only. These stay recordable after discharge: a
patient can object at any time, and an objection must still stop a sync export.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlmodel import Session

from mhf_tui.db.tables import Patient
from mhf_tui.errors import ValidationError
from mhf_tui.services.audited import audited_add
from mhf_tui.services.ids import get_row
from mhf_tui.services.public import PublicModel

MAX_REASON = 2000


class ConsentState(PublicModel):
    share_with_practice: bool
    share_decision_on: date | None
    share_objection_reason: str
    share_recorded_by: str
    carer_contact_consent: bool | None
    carer_consent_on: date | None
    carer_consent_recorded_by: str

    @classmethod
    def of(cls, patient: Patient) -> ConsentState:
        return cls.from_attrs(patient)

    def describe_sharing(self) -> str:
        if self.share_with_practice:
            if self.share_decision_on is None:
                return "shared with the practice for direct care (the default)"
            return (
                f"shared with the practice (objection withdrawn "
                f"{self.share_decision_on.isoformat()}, recorded by {self.share_recorded_by})"
            )
        when = self.share_decision_on.isoformat() if self.share_decision_on else "date unknown"
        who = self.share_recorded_by
        return f"OBJECTS to sharing with the practice ({when}, recorded by {who})"

    def describe_carer_contact(self) -> str:
        if self.carer_contact_consent is None:
            return "not asked / not recorded"
        when = self.carer_consent_on.isoformat() if self.carer_consent_on else "date unknown"
        answer = "consents" if self.carer_contact_consent else "does NOT consent"
        who = self.carer_consent_recorded_by
        return f"{answer} to contact with carers ({when}, recorded by {who})"


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    return get_row(session, Patient, patient_id, "no such patient")


def _check_date(patient: Patient, on: date, today: date | None) -> None:
    if today is not None and on > today:
        raise ValidationError("a consent decision cannot be dated in the future")
    if on < patient.date_of_birth:
        raise ValidationError("a consent decision cannot be dated before the date of birth")


def set_sharing(
    session: Session,
    *,
    patient_id: uuid.UUID,
    actor: str,
    share: bool,
    on: date,
    reason: str = "",
    today: date | None = None,
) -> ConsentState:
    """Record an objection to sharing with the practice (`share=False`) or its
    withdrawal (`share=True`)."""
    patient = _patient(session, patient_id)
    _check_date(patient, on, today)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(f"reason is longer than {MAX_REASON} characters")
    if share and reason:
        raise ValidationError("a reason is recorded with an objection, not when sharing")
    return _decide(
        session,
        patient,
        actor,
        share_with_practice=share,
        share_decision_on=on,
        share_objection_reason="" if share else reason,
        share_recorded_by=actor,
    )


def set_carer_contact(
    session: Session,
    *,
    patient_id: uuid.UUID,
    actor: str,
    consent: bool | None,
    on: date | None,
    today: date | None = None,
) -> ConsentState:
    """Record consent (or refusal) to contact carers/family; `consent=None` clears the
    decision back to "not recorded"."""
    patient = _patient(session, patient_id)
    if consent is not None:
        if on is None:
            raise ValidationError("a consent decision needs the date it was given")
        _check_date(patient, on, today)
    return _decide(
        session,
        patient,
        actor,
        carer_contact_consent=consent,
        carer_consent_on=on if consent is not None else None,
        carer_consent_recorded_by=actor,
    )


def _decide(session: Session, patient: Patient, actor: str, **fields: Any) -> ConsentState:
    """Set a decision's fields and record which ones changed hands (never their values)."""
    for name, value in fields.items():
        setattr(patient, name, value)
    audited_add(
        session,
        patient,
        actor=actor,
        action="consent",
        entity="patient",
        patient_id=patient.id,
        detail=json.dumps({"fields": list(fields)}),
    )
    return ConsentState.of(patient)


def consent_state(session: Session, *, patient_id: uuid.UUID) -> ConsentState:
    return ConsentState.of(_patient(session, patient_id))
