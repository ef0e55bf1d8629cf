"""The caseload tables (DESIGN.md, Domain model).

Times are timezone-aware UTC datetimes; dates are calendar dates. Free text typed by the user is
stored as typed and must be shown literally by any UI.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from mhf_tui.db.tables.base import Row, utcnow


class ChangeCounter(SQLModel, table=True):
    """One row: the last `change_seq` handed out."""

    __tablename__ = "change_counter"
    id: int = Field(default=1, primary_key=True)
    value: int = 0


class Setting(SQLModel, table=True):
    """Device-level values kept inside the encrypted database (device id, facilitator name,
    the device's signing key). Secrets here are protected by the database encryption."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str


class PracticeBase(SQLModel):
    """A practice as the user gives it, declared once: the services' Create model checks
    these fields, the table and the read model keep and show them."""

    ods_code: str = Field(unique=True, index=True)
    name: str
    #: age X25519 recipient (public key) the sync file is encrypted to
    recipient: str | None = None


class PracticeRecord(PracticeBase):
    """What the sync keeps beside it: how far the practice has got."""

    #: highest change_seq the practice has acknowledged importing
    last_ack_seq: int = 0
    #: number of the last sync file written for this practice
    last_export_number: int = 0
    last_export_at: datetime | None = None
    last_ack_at: datetime | None = None


class Practice(PracticeRecord, Row, table=True):
    __tablename__ = "practice"


class PatientBase(SQLModel):
    """A patient's fields as the user gives them, declared once: the services' Create model
    checks them (each by a rule type, or by its type: text, yes/no), and the table and the
    read model store and show them with `PatientRecord`'s."""

    nhs_number: str | None = Field(default=None, unique=True, index=True)
    family_name: str = Field(index=True)
    given_name: str
    date_of_birth: date
    sex: str = "unknown"  # female, male, other, unknown (FHIR administrative gender)
    gender_identity: str = ""
    pronouns: str = ""
    phone: str = ""
    phone_alt: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact: str = ""  # phone, text, letter, email, in person
    usual_gp: str = ""
    care_cluster: int | None = None
    smi_register: bool = False
    #: raised cardiovascular risk (changes the QOF cholesterol window)
    raised_cv_risk: bool = False
    status: str = "active"  # active, on_hold, discharged
    alert_risk: bool = False
    alert_safeguarding: bool = False
    alert_lone_worker: bool = False
    alert_do_not_text: bool = False
    alert_note: str = ""
    interpreter_needs: str = ""
    accessibility_needs: str = ""
    # Sharing with the practice: direct care is shared by default; an objection excludes
    # the patient from sync exports.
    share_with_practice: bool = True
    share_decision_on: date | None = None
    share_objection_reason: str = ""


class PatientRecord(PatientBase):
    """What the services keep beside what the user gives: the practice (given by its
    code), who recorded the decisions, discharge and death."""

    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True)
    share_recorded_by: str = ""
    # Consent to contact carers/family.
    carer_contact_consent: bool | None = None
    carer_consent_on: date | None = None
    carer_consent_recorded_by: str = ""
    # Discharge and retention.
    discharged_on: date | None = None
    date_of_death: date | None = None


class Patient(PatientRecord, Row, table=True):
    __tablename__ = "patient"


class ContactBase(SQLModel):
    """An encounter as the user records it, declared once: the services' Create model
    checks these fields, the table keeps them."""

    mode: str  # face_to_face, phone, video, home_visit, dna, cancelled
    occurred_at: datetime = Field(default_factory=utcnow, index=True)
    duration_minutes: int | None = None
    location: str = ""
    reason: str = ""
    outcome: str = ""
    follow_up_on: date | None = Field(default=None, index=True)


class Contact(ContactBase, Row, table=True):
    """An encounter: face to face, phone, video, home visit, DNA or cancelled."""

    __tablename__ = "contact"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    practice_id: uuid.UUID | None = Field(default=None, foreign_key="practice.id")
    follow_up_done: bool = False
    author: str = ""


class Note(Row, table=True):
    """Append-only. A correction is a new row with `replaces_id` pointing at the version it
    replaces, same `lineage_id`, `version` + 1. "Entered in error" is a new flagged
    version. A database trigger refuses UPDATE on this table."""

    __tablename__ = "note"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    contact_id: uuid.UUID | None = Field(default=None, foreign_key="contact.id")
    lineage_id: uuid.UUID = Field(index=True)
    version: int = 1
    replaces_id: uuid.UUID | None = Field(default=None, foreign_key="note.id")
    kind: str = "contact"  # contact, care_plan, phone_call, safeguarding, general
    text: str
    author: str = ""
    written_at: datetime = Field(default_factory=utcnow, index=True)
    entered_in_error: bool = False
    amend_reason: str = ""


class ServiceBase(SQLModel):
    """A directory entry as it is given (the directory CSV's columns, in order), declared
    once: the table, the services' Create and read models are built on it."""

    name: str = Field(index=True)
    category: str  # iapt, cmht, crisis, housing, debt, employment, peer_support, carers...
    how_to_refer: str = ""  # self, gp, professional (comma separated)
    phone: str = ""
    text_number: str = ""
    web: str = ""
    area: str = ""
    opening_hours: str = ""
    notes: str = ""
    checked_on: date | None = None


class Service(ServiceBase, Row, table=True):
    """An entry in the service directory (national set shipped, local ones imported)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("name", "area"),)
    national: bool = False
    active: bool = True


class Signposting(Row, table=True):
    """Status flow: suggested -> referred -> accepted / declined / attended /
    did_not_engage -> closed."""

    __tablename__ = "signposting"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True)
    status: str = "suggested"
    signposted_on: date
    follow_up_on: date | None = Field(default=None, index=True)
    outcome_note: str = ""
    author: str = ""


class AuditEvent(SQLModel, table=True):
    """Append-only hash chain: `hash` = SHA-256 over this event's fields and `prev_hash`.
    Details hold ids and field names, never patient data."""

    __tablename__ = "audit_event"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str  # create, update, view, export, import, amend, purge, unlock, ...
    entity: str
    entity_id: str = ""
    patient_id: str = Field(default="", index=True)
    detail: str = ""
    prev_hash: str
    hash: str


class Draft(SQLModel, table=True):
    """Unsaved editor contents (quick note etc.), saved as the user types so they survive
    lock, crash and quit. Deleted when the note is saved."""

    __tablename__ = "draft"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = "note"
    patient_id: uuid.UUID | None = Field(default=None, foreign_key="patient.id")
    text: str = ""
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)
