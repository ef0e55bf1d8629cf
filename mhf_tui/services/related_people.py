"""Carers, family and key professionals around a patient, and whether the patient
consents to them being contacted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Patient, RelatedPerson
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.retention import ensure_editable
from mhf_tui.services.validation import (
    choice,
    normalise_phone,
    optional_text,
    parse_bool,
    required_text,
)

ROLES = ("carer", "family", "professional", "other")


@dataclass(frozen=True)
class RelatedPersonCreate:
    name: str
    relationship: str = ""  # parent, partner, CMHT care coordinator, social worker...
    role: str = "family"
    organisation: str = ""
    phone: str = ""
    email: str = ""
    consent_to_contact: bool = False
    notes: str = ""


@dataclass(frozen=True)
class RelatedPersonRead:
    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    relationship: str
    role: str
    organisation: str
    phone: str
    email: str
    consent_to_contact: bool
    notes: str

    @classmethod
    def from_row(cls, row: RelatedPerson) -> RelatedPersonRead:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def _validate(data: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {f.name for f in fields(RelatedPersonCreate)}
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name not in allowed:
            raise ValidationError(f"unknown field {name}")
        if name == "name":
            out[name] = required_text(value, "name", max_length=200)
        elif name == "role":
            out[name] = choice(value, "role", ROLES)
        elif name == "phone":
            out[name] = normalise_phone(value)
        elif name == "email":
            email = optional_text(value, "email", max_length=200, one_line=True)
            if email and ("@" not in email or " " in email):
                raise ValidationError("email address is not valid")
            out[name] = email
        elif name == "consent_to_contact":
            out[name] = parse_bool(value, "consent to contact")
        else:
            out[name] = optional_text(value, name, max_length=2000)
    return out


def add_related_person(
    session: Session, *, actor: str, patient_id: uuid.UUID, data: RelatedPersonCreate
) -> RelatedPersonRead:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise MhfError("no such patient on this caseload")
    ensure_editable(patient)
    row = RelatedPerson(patient_id=patient_id, **_validate(asdict(data)))
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="create",
        entity="related_person",
        entity_id=row.id,
        patient_id=patient_id,
    )
    return RelatedPersonRead.from_row(row)


def edit_related_person(
    session: Session, *, actor: str, person_id: uuid.UUID, changes: Mapping[str, Any]
) -> RelatedPersonRead:
    row = session.get(RelatedPerson, person_id)
    if row is None:
        raise MhfError("no such person on this caseload")
    clean = _validate(changes)
    changed = sorted(k for k, val in clean.items() if getattr(row, k) != val)
    for key in changed:
        setattr(row, key, clean[key])
    session.add(row)
    session.flush()
    if changed:
        record_event(
            session,
            actor=actor,
            action="update",
            entity="related_person",
            entity_id=row.id,
            patient_id=row.patient_id,
            detail="fields=" + ",".join(changed),
        )
    return RelatedPersonRead.from_row(row)


def list_related_people(session: Session, *, patient_id: uuid.UUID) -> list[RelatedPersonRead]:
    stmt = (
        select(RelatedPerson)
        .where(RelatedPerson.patient_id == patient_id)
        .order_by(col(RelatedPerson.role), col(RelatedPerson.name))
    )
    return [RelatedPersonRead.from_row(r) for r in session.exec(stmt)]
