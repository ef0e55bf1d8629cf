"""Contacts (encounters): who was seen, how, for how long, and what happens next."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BeforeValidator, Field
from sqlmodel import Session, col, select

from mhf_tui.db.tables import Contact, utcnow
from mhf_tui.db.tables.core import ContactBase
from mhf_tui.errors import ValidationError
from mhf_tui.services.audited import audited_add
from mhf_tui.services.fields import CheckedModel, OdsCode, date_named, rule
from mhf_tui.services.notes import NoteRead, add_note
from mhf_tui.services.practices import get_practice_row_by_ods
from mhf_tui.services.public import PublicModel
from mhf_tui.services.retention import editable_patient
from mhf_tui.services.validation import check_fields, optional_text
from mhf_tui.services.when import parse_day, parse_when

CONTACT_MODES = ("face_to_face", "phone", "video", "home_visit", "dna", "cancelled")
MODE_ALIASES = {
    "f2f": "face_to_face",
    "face to face": "face_to_face",
    "face-to-face": "face_to_face",
    "telephone": "phone",
    "home visit": "home_visit",
    "home-visit": "home_visit",
    "visit": "home_visit",
    "did not attend": "dna",
    "did_not_attend": "dna",
}
MODE_LABELS = {
    "face_to_face": "Face to face",
    "phone": "Phone",
    "video": "Video",
    "home_visit": "Home visit",
    "dna": "Did not attend",
    "cancelled": "Cancelled",
}


def normalise_mode(value: str) -> str:
    text = (value or "").strip().lower()
    text = MODE_ALIASES.get(text, text.replace(" ", "_").replace("-", "_"))
    if text not in CONTACT_MODES:
        raise ValidationError("contact mode must be one of " + ", ".join(CONTACT_MODES))
    return text


class ContactRead(PublicModel):
    id: uuid.UUID = Field(serialization_alias="contact_id")
    patient_id: uuid.UUID
    occurred_at: datetime = Field(serialization_alias="time")
    mode: str
    duration_minutes: int | None = Field(serialization_alias="minutes")
    practice_id: uuid.UUID | None
    location: str
    reason: str
    outcome: str
    follow_up_on: date | None
    follow_up_done: bool
    author: str

    @classmethod
    def from_row(cls, row: Contact) -> ContactRead:
        return cls.from_attrs(row)

    @property
    def mode_label(self) -> str:
        return MODE_LABELS.get(self.mode, self.mode)


def _occurred(value: datetime | None) -> datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise ValidationError("contact time must carry a time zone")
    when = value.astimezone(UTC)
    if when > utcnow():
        raise ValidationError("contact time is in the future")
    return when


def _duration(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not 0 <= value <= 24 * 60:
        raise ValidationError("duration must be between 0 and 1440 minutes")
    return value


class ContactCreate(CheckedModel, ContactBase):
    """A contact to record, checked as it is built: the fields below by their rule types,
    the rest of `ContactBase`'s by their type (the reason and outcome as `Text`)."""

    entity: ClassVar[str] = "contact"

    mode: Annotated[str, BeforeValidator(rule(normalise_mode))]
    #: default now; must be aware (stored in UTC) and not in the future
    occurred_at: Annotated[datetime, BeforeValidator(rule(_occurred))] = Field(
        default_factory=utcnow
    )
    duration_minutes: Annotated[int | None, BeforeValidator(rule(_duration))] = None
    #: where it happened, if at one of the practices
    practice_ods: OdsCode | None = None
    location: Annotated[
        str, AfterValidator(rule(optional_text, labelled=True, max_length=200, one_line=True))
    ] = ""
    follow_up_on: Annotated[date | None, date_named("follow-up date")] = None


#: the fields of the app's contact form (and of the quick note's contact), as typed
FORM_FIELDS = ("mode", "when", "minutes", "location", "reason", "outcome", "follow_up")


def _minutes(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError("minutes must be a whole number")
    return _duration(int(text))


def contact_from_form(values: Mapping[str, str], *, now: datetime) -> ContactCreate:
    """A contact from the text of a form's fields (missing ones empty), every field checked
    so all the problems are reported together (`FieldErrors`). Time typed as
    `yesterday 14:30`, `30/11 9:00` or ISO; follow-up as a day (`30/11`, `tomorrow`)."""

    def get(name: str) -> str:
        return str(values.get(name) or "")

    today = now.astimezone().date()
    clean = check_fields(
        {
            "mode": lambda: normalise_mode(get("mode")),
            "when": lambda: parse_when(get("when"), "when", now=now),
            "minutes": lambda: _minutes(get("minutes")),
            "location": lambda: optional_text(
                get("location"), "location", max_length=200, one_line=True
            ),
            "reason": lambda: optional_text(get("reason"), "reason"),
            "outcome": lambda: optional_text(get("outcome"), "outcome"),
            "follow_up": lambda: parse_day(get("follow_up"), "follow-up", today=today),
        }
    )
    return ContactCreate(
        mode=clean["mode"],
        occurred_at=clean["when"],
        duration_minutes=clean["minutes"],
        location=clean["location"],
        reason=clean["reason"],
        outcome=clean["outcome"],
        follow_up_on=clean["follow_up"],
    )


def add_contact(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    data: ContactCreate,
    note_text: str | None = None,
) -> tuple[ContactRead, NoteRead | None]:
    """Record an encounter, optionally with its note (same unit of work)."""
    editable_patient(session, patient_id)
    practice_id = (
        get_practice_row_by_ods(session, data.practice_ods).id if data.practice_ods else None
    )
    row = Contact(
        **data.model_dump(exclude={"practice_ods"}),
        patient_id=patient_id,
        practice_id=practice_id,
        author=actor,
    )
    audited_add(session, row, actor=actor, action="create", entity="contact", patient_id=patient_id)
    note = None
    if note_text is not None and note_text.strip():
        note = add_note(
            session,
            actor=actor,
            patient_id=patient_id,
            text=note_text,
            kind="phone_call" if row.mode == "phone" else "contact",
            contact_id=row.id,
        )
    return ContactRead.from_row(row), note


def list_contacts(session: Session, *, patient_id: uuid.UUID) -> list[ContactRead]:
    """A patient's contacts, newest first."""
    stmt = (
        select(Contact)
        .where(Contact.patient_id == patient_id)
        .order_by(col(Contact.occurred_at).desc())
    )
    return [ContactRead.from_row(r) for r in session.exec(stmt)]
