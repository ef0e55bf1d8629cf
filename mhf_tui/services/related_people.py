"""Carers, next of kin, advocates and others around a patient, and whether the patient
consents to them being contacted and to information being shared with them (dated and
attributed whenever either consent is recorded or changed)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator
from sqlmodel import Session, col, select

from mhf_tui.db.tables import RelatedPerson
from mhf_tui.db.tables.care import RelatedPersonBase
from mhf_tui.errors import ValidationError
from mhf_tui.services.audited import (
    apply_changes,
    audited_add,
    audited_delete,
    audited_update,
)
from mhf_tui.services.fields import (
    Line,
    LongText,
    OptionalDate,
    Phone,
    RequiredLine,
    StrictModel,
    UpdateModel,
    rule_failed,
    update_model,
)
from mhf_tui.services.ids import get_row
from mhf_tui.services.retention import editable_patient

ROLES = ("carer", "next_of_kin", "advocate", "family", "professional", "other")
Role = Literal["carer", "next_of_kin", "advocate", "family", "professional", "other"]
ROLE_LABELS = {
    "carer": "Carer",
    "next_of_kin": "Next of kin",
    "advocate": "Advocate",
    "family": "Family",
    "professional": "Professional",
    "other": "Other",
}


def _role(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def _email(value: str) -> str:
    if value and ("@" not in value or " " in value):
        raise rule_failed("is not a valid email address")
    return value


RoleField = Annotated[Role, BeforeValidator(_role)]
Email = Annotated[Line, AfterValidator(_email)]


class RelatedPersonCreate(StrictModel, RelatedPersonBase):
    """`RelatedPersonBase`'s fields checked: these by their rule types, the others by
    their type (one-line text, yes/no)."""

    name: RequiredLine
    role: RoleField = "carer"
    phone: Phone = ""
    email: Email = ""
    notes: LongText = ""
    #: when the patient gave (or refused) the consents; today if not given
    consent_on: OptionalDate = None


#: Any subset of RelatedPersonCreate's fields, each checked by the same rule (for edits).
RelatedPersonUpdate = update_model("RelatedPersonUpdate", RelatedPersonCreate)


class RelatedPersonPublic(RelatedPersonBase):
    id: uuid.UUID
    patient_id: uuid.UUID
    consent_on: date | None
    consent_recorded_by: str
    created_at: datetime

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


_CONSENTS = {"consent_to_contact", "consent_to_share"}


def add_related_person(
    session: Session, *, actor: str, patient_id: uuid.UUID, data: RelatedPersonCreate
) -> RelatedPersonPublic:
    editable_patient(session, patient_id)
    row = RelatedPerson(
        **data.model_dump(exclude={"consent_on"}),
        patient_id=patient_id,
        consent_on=data.consent_on or date.today(),
        consent_recorded_by=actor,
    )
    audited_add(
        session, row, actor=actor, action="create", entity="related_person", patient_id=patient_id
    )
    return RelatedPersonPublic.model_validate(row.model_dump())


def _row(session: Session, person_id: uuid.UUID) -> RelatedPerson:
    return get_row(session, RelatedPerson, person_id, "no such person on this caseload")


def edit_related_person(
    session: Session, *, actor: str, person_id: uuid.UUID, update: UpdateModel
) -> RelatedPersonPublic:
    """Change the fields given (a `RelatedPersonUpdate`); a change to either consent is
    dated and attributed."""
    row = _row(session, person_id)
    editable_patient(session, row.patient_id)
    clean = update.model_dump(exclude_unset=True)
    consent_given = "consent_on" in clean
    consent_on = clean.pop("consent_on", None)
    changed = apply_changes(row, clean)
    if _CONSENTS & set(changed) or consent_given:
        row.consent_on = consent_on or date.today()
        row.consent_recorded_by = actor
        changed = sorted({*changed, "consent_on", "consent_recorded_by"})
    audited_update(
        session, row, changed, actor=actor, entity="related_person", patient_id=row.patient_id
    )
    return RelatedPersonPublic.model_validate(row.model_dump())


def remove_related_person(session: Session, *, actor: str, person_id: uuid.UUID) -> None:
    """No longer involved: the person's details go; the audit trail keeps that they did."""
    row = _row(session, person_id)
    editable_patient(session, row.patient_id)
    audited_delete(session, row, actor=actor, entity="related_person", patient_id=row.patient_id)


def list_related_people(session: Session, *, patient_id: uuid.UUID) -> list[RelatedPersonPublic]:
    stmt = (
        select(RelatedPerson)
        .where(RelatedPerson.patient_id == patient_id)
        .order_by(col(RelatedPerson.role), col(RelatedPerson.name))
    )
    return [RelatedPersonPublic.model_validate(r.model_dump()) for r in session.exec(stmt)]


def find_related_person(
    session: Session, *, patient_id: uuid.UUID, ref: str
) -> RelatedPersonPublic:
    """One of the patient's people by number in the list (1, 2, ...), id or id prefix (4+)."""
    people = list_related_people(session, patient_id=patient_id)
    text = (ref or "").strip().lower()
    if text.isdigit() and len(text) <= 2 and 1 <= int(text) <= len(people):
        return people[int(text) - 1]
    matches = [p for p in people if str(p.id) == text] or (
        [p for p in people if str(p.id).startswith(text)] if len(text) >= 4 else []
    )
    if len(matches) != 1:
        raise ValidationError("no such person for this patient (see: mhf person list)")
    return matches[0]
