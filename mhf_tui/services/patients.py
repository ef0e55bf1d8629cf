"""Patients: add, edit, look up, list; validation, duplicates and the sharing decision.

Duplicates: the NHS number is unique per caseload (an exact duplicate is refused), and a
patient with the same date of birth and a similar name is refused as a *possible*
duplicate unless the caller confirms with `allow_possible_duplicate=True`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, ClassVar, Protocol, Self, get_type_hints

from pydantic import create_model, model_validator
from sqlmodel import Session, col, select
from sqlmodel.main import SQLModelConfig

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.db.tables.core import PatientBase, PatientRecord
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services import validation as v
from mhf_tui.services.audit import record_event
from mhf_tui.services.audited import apply_changes, audited_add, audited_update
from mhf_tui.services.fields import (
    BirthDate,
    CareCluster,
    CheckedModel,
    Name,
    OdsCode,
    OptionalNhsNumber,
    Phone,
    Postcode,
    Sex,
    date_named,
    one_of,
    rule_failed,
)
from mhf_tui.services.practices import PracticeRead, get_practice_row_by_ods
from mhf_tui.services.validation import PATIENT_STATUSES, PREFERRED_CONTACT


class PatientCreate(CheckedModel, PatientBase):
    """A new patient, checked field by field as it is built: the fields below by their
    rule types (strings as typed are normalised: NHS number to ten digits, postcode to its
    two halves, ...), the rest of `PatientBase`'s by their type (text, yes/no)."""

    entity: ClassVar[str] = "patient"

    #: None only for patients not yet registered with an NHS number
    nhs_number: OptionalNhsNumber = None
    family_name: Name
    given_name: Name
    date_of_birth: BirthDate
    #: the practice, by its ODS code (the table keeps its id)
    practice_ods: OdsCode
    sex: Sex = "unknown"
    phone: Phone = ""
    phone_alt: Phone = ""
    postcode: Postcode = ""
    preferred_contact: Annotated[str, one_of(PREFERRED_CONTACT, "preferred contact")] = ""
    care_cluster: CareCluster = None
    status: Annotated[str, one_of(PATIENT_STATUSES, "status")] = "active"
    share_decision_on: Annotated[date | None, date_named("sharing decision date")] = None

    @model_validator(mode="after")
    def _objection_has_a_reason(self) -> Self:
        """Sharing is the default; an objection needs the patient's reason."""
        if self.share_with_practice:
            object.__setattr__(self, "share_objection_reason", "")
            object.__setattr__(self, "share_decision_on", None)
        elif not self.share_objection_reason:
            raise rule_failed("give the reason the patient objects to sharing with the practice")
        return self


#: Any subset of PatientCreate's fields, each checked by the same rule (for edits).
PatientUpdate = create_model(
    "PatientUpdate",
    __base__=CheckedModel,
    **{  # type: ignore[call-overload]
        name: (hint, None)
        for name, hint in get_type_hints(PatientCreate, include_extras=True).items()
        if name in PatientCreate.model_fields
    },
)
PatientUpdate.entity = "patient"
#: Fields `edit_patient` accepts (PatientCreate's, by name).
EDITABLE_FIELDS = frozenset(PatientCreate.model_fields)


class _Shown(Protocol):
    """What `PatientLabels` reads: read-only, so the finder's frozen rows qualify too."""

    @property
    def family_name(self) -> str: ...
    @property
    def given_name(self) -> str: ...
    @property
    def nhs_number(self) -> str | None: ...
    @property
    def alert_risk(self) -> bool: ...
    @property
    def alert_safeguarding(self) -> bool: ...
    @property
    def alert_lone_worker(self) -> bool: ...
    @property
    def alert_do_not_text(self) -> bool: ...


class PatientLabels:
    """How a patient is named and flagged on screen, for the read model and the finder's
    light rows alike."""

    __slots__ = ()

    @property
    def display_name(self: _Shown) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def nhs_number_formatted(self: _Shown) -> str:
        return v.format_nhs_number(self.nhs_number)

    @property
    def alerts(self: _Shown) -> list[str]:
        """Short labels for the alert banner, most serious first."""
        labels = [
            ("risk", self.alert_risk),
            ("safeguarding", self.alert_safeguarding),
            ("lone worker", self.alert_lone_worker),
            ("do not text", self.alert_do_not_text),
        ]
        return [label for label, on in labels if on]


class PatientRead(PatientLabels, PatientRecord):
    """A patient as the services hand it out: the table's fields (`PatientRecord`), its id
    and times, and the practice's code and name. Built from stored rows without
    re-checking them (`model_construct`): a 10,000-patient caseload loads fast."""

    model_config = SQLModelConfig(frozen=True)

    id: uuid.UUID
    practice_ods: str
    practice_name: str
    created_at: datetime
    updated_at: datetime
    change_seq: int

    @classmethod
    def from_row(cls, row: Patient, practice: Practice | PracticeRead) -> PatientRead:
        values = {name: getattr(row, name) for name in cls.model_fields if hasattr(row, name)}
        return cls.from_values(values, practice)

    @classmethod
    def from_values(
        cls, values: Mapping[str, Any], practice: Practice | PracticeRead
    ) -> PatientRead:
        """From a row's values (column name -> value, as a bulk insert has them)."""
        data = {name: values[name] for name in cls.model_fields if name in values}
        return cls.model_construct(
            **data, practice_ods=practice.ods_code, practice_name=practice.name
        )

    def age(self, on: date | None = None) -> int:
        today = on or date.today()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class PatientNotFound(MhfError):
    def __init__(self, what: str = "patient") -> None:
        super().__init__(f"no such {what} on this caseload")


class DuplicatePatient(ValidationError):
    """The NHS number is already on the caseload."""

    def __init__(self, existing_id: uuid.UUID) -> None:
        self.existing_id = existing_id
        super().__init__("a patient with this NHS number is already on the caseload")


class PossibleDuplicate(ValidationError):
    """Same date of birth and a similar name: confirm before adding."""

    def __init__(self, candidate_ids: list[uuid.UUID]) -> None:
        self.candidate_ids = candidate_ids
        super().__init__(
            f"possible duplicate: {len(candidate_ids)} patient(s) with the same date of birth "
            "and a similar name; check, then add anyway with --allow-duplicate"
        )


def check_patient_fields(
    values: Mapping[str, Any], *, required: Iterable[str] = (), today: date | None = None
) -> dict[str, Any]:
    """Check each given field on its own (as typed in a form) and report every problem at
    once (`FieldErrors` by field name); fields named in `required` must not be empty. The
    same rules (PatientUpdate's) as add and edit, which check again when they write."""

    def check(name: str, value: Any) -> Any:
        if name in required and (value is None or not str(value).strip()):
            raise ValidationError(f"{name.replace('_ods', '').replace('_', ' ')} is required")
        return getattr(PatientUpdate.check({name: value}, today=today), name)

    checks: dict[str, Callable[[], Any]] = {
        name: partial(check, name, value) for name, value in values.items()
    }
    return v.check_fields(checks)


def find_possible_duplicates(
    session: Session,
    *,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    exclude_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    stmt = select(Patient.id, Patient.family_name, Patient.given_name).where(
        Patient.date_of_birth == date_of_birth
    )
    return [
        pid
        for pid, fam, giv in session.exec(stmt)
        if pid != exclude_id and v.names_similar(family_name, given_name, fam, giv)
    ]


def _check_nhs_unique(
    session: Session, nhs: str | None, exclude_id: uuid.UUID | None = None
) -> None:
    if nhs is None:
        return
    existing = session.exec(select(Patient.id).where(Patient.nhs_number == nhs)).first()
    if existing is not None and existing != exclude_id:
        raise DuplicatePatient(existing)


def _sharing_fields(clean: dict[str, Any], actor: str) -> None:
    """An objection carries a date and who recorded it."""
    if "share_with_practice" not in clean:
        return
    if clean["share_with_practice"]:
        clean["share_objection_reason"] = ""
        clean["share_decision_on"] = clean.get("share_decision_on")
        clean["share_recorded_by"] = actor if clean.get("share_decision_on") else ""
    else:
        clean["share_decision_on"] = clean.get("share_decision_on") or date.today()
        clean["share_recorded_by"] = actor


def add_patient(
    session: Session,
    *,
    actor: str,
    data: PatientCreate,
    allow_possible_duplicate: bool = False,
) -> PatientRead:
    clean = data.model_dump()
    practice = get_practice_row_by_ods(session, clean.pop("practice_ods"))
    _check_nhs_unique(session, clean["nhs_number"])
    if not allow_possible_duplicate:
        candidates = find_possible_duplicates(
            session,
            family_name=clean["family_name"],
            given_name=clean["given_name"],
            date_of_birth=clean["date_of_birth"],
        )
        if candidates:
            raise PossibleDuplicate(candidates)
    _sharing_fields(clean, actor)
    row = Patient(**clean, practice_id=practice.id)
    audited_add(session, row, actor=actor, action="create", entity="patient", patient_id=row.id)
    return PatientRead.from_row(row, practice)


def edit_patient(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    changes: Mapping[str, Any],
    allow_possible_duplicate: bool = False,
) -> PatientRead:
    """Change some fields (names as in PatientCreate). The audit event lists the field
    names changed, never the values."""
    row = _row(session, patient_id)
    clean = PatientUpdate(**changes).model_dump(exclude_unset=True)
    practice = session.get(Practice, row.practice_id)
    moved = False
    if "practice_ods" in clean:
        practice = get_practice_row_by_ods(session, clean.pop("practice_ods"))
        moved = practice.id != row.practice_id
        row.practice_id = practice.id
    if "nhs_number" in clean:
        _check_nhs_unique(session, clean["nhs_number"], exclude_id=row.id)
    if not allow_possible_duplicate and {"family_name", "given_name", "date_of_birth"} & set(clean):
        candidates = find_possible_duplicates(
            session,
            family_name=clean.get("family_name", row.family_name),
            given_name=clean.get("given_name", row.given_name),
            date_of_birth=clean.get("date_of_birth", row.date_of_birth),
            exclude_id=row.id,
        )
        if candidates:
            raise PossibleDuplicate(candidates)
    if clean.get("share_with_practice") is False:
        reason = clean.get("share_objection_reason") or row.share_objection_reason
        if not reason:
            raise ValidationError(
                "give the reason the patient objects to sharing with the practice"
            )
        clean["share_objection_reason"] = reason
    _sharing_fields(clean, actor)
    if clean.get("status") == "discharged" and row.status != "discharged":
        row.discharged_on = date.today()
    elif clean.get("status") in ("active", "on_hold"):
        row.discharged_on = None
    changed = apply_changes(row, clean)
    if moved:
        changed.append("practice")
    audited_update(session, row, changed, actor=actor, entity="patient", patient_id=row.id)
    assert practice is not None
    return PatientRead.from_row(row, practice)


def _row(session: Session, patient_id: uuid.UUID) -> Patient:
    row = session.get(Patient, patient_id)
    if row is None:
        raise PatientNotFound()
    return row


def get_patient(session: Session, *, patient_id: uuid.UUID) -> PatientRead:
    """Without an audit event: for lists, headers and internal look-ups."""
    row = _row(session, patient_id)
    practice = session.get(Practice, row.practice_id)
    assert practice is not None
    return PatientRead.from_row(row, practice)


def get_patient_record(
    session: Session, *, actor: str, patient_id: uuid.UUID, audit: bool = True
) -> PatientRead:
    """Opening a patient's record: records a `view` event in the audit trail."""
    patient = get_patient(session, patient_id=patient_id)
    if audit:
        record_event(
            session,
            actor=actor,
            action="view",
            entity="patient",
            entity_id=patient_id,
            patient_id=patient_id,
        )
    return patient


def find_patient_by_nhs(session: Session, *, nhs_number: str) -> PatientRead:
    """By NHS number (spaces allowed); raises PatientNotFound."""
    nhs = v.normalise_nhs_number(nhs_number)
    row = session.exec(select(Patient).where(Patient.nhs_number == nhs)).first()
    if row is None:
        raise PatientNotFound("patient with this NHS number")
    practice = session.get(Practice, row.practice_id)
    assert practice is not None
    return PatientRead.from_row(row, practice)


def list_patients(
    session: Session,
    *,
    practice_ods: str | None = None,
    statuses: Iterable[str] | None = None,
) -> list[PatientRead]:
    """Every patient (optionally one practice / some statuses), by family then given name."""
    stmt = select(Patient, Practice).join(Practice, col(Patient.practice_id) == col(Practice.id))
    if practice_ods:
        stmt = stmt.where(Practice.ods_code == v.normalise_ods_code(practice_ods))
    if statuses is not None:
        stmt = stmt.where(col(Patient.status).in_(list(statuses)))
    stmt = stmt.order_by(col(Patient.family_name), col(Patient.given_name))
    return [PatientRead.from_row(p, pr) for p, pr in session.exec(stmt)]
