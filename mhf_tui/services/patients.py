"""Patients: add, edit, look up, list; validation, duplicates and the sharing decision.

Duplicates: the NHS number is unique per caseload (an exact duplicate is refused), and a
patient with the same date of birth and a similar name is refused as a *possible*
duplicate unless the caller confirms with `allow_possible_duplicate=True`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services import validation as v
from mhf_tui.services.audit import record_event
from mhf_tui.services.practices import PracticeRead, get_practice_row_by_ods


@dataclass(frozen=True)
class PatientCreate:
    """What a new patient needs; strings as typed (validated and normalised on add)."""

    family_name: str
    given_name: str
    date_of_birth: date | str
    practice_ods: str
    #: None only for patients not yet registered with an NHS number
    nhs_number: str | None = None
    sex: str = "unknown"
    gender_identity: str = ""
    pronouns: str = ""
    phone: str = ""
    phone_alt: str = ""
    address: str = ""
    postcode: str = ""
    preferred_contact: str = ""
    usual_gp: str = ""
    care_cluster: int | str | None = None
    smi_register: bool = False
    raised_cv_risk: bool = False
    status: str = "active"
    alert_risk: bool = False
    alert_safeguarding: bool = False
    alert_lone_worker: bool = False
    alert_do_not_text: bool = False
    alert_note: str = ""
    interpreter_needs: str = ""
    accessibility_needs: str = ""
    share_with_practice: bool = True
    share_objection_reason: str = ""
    share_decision_on: date | str | None = None


#: Fields `edit_patient` accepts (PatientCreate's, by name).
EDITABLE_FIELDS = frozenset(f.name for f in fields(PatientCreate))


@dataclass(frozen=True)
class PatientRead:
    id: uuid.UUID
    nhs_number: str | None
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    gender_identity: str
    pronouns: str
    phone: str
    phone_alt: str
    address: str
    postcode: str
    preferred_contact: str
    practice_id: uuid.UUID
    practice_ods: str
    practice_name: str
    usual_gp: str
    care_cluster: int | None
    smi_register: bool
    raised_cv_risk: bool
    status: str
    alert_risk: bool
    alert_safeguarding: bool
    alert_lone_worker: bool
    alert_do_not_text: bool
    alert_note: str
    interpreter_needs: str
    accessibility_needs: str
    share_with_practice: bool
    share_decision_on: date | None
    share_objection_reason: str
    share_recorded_by: str
    carer_contact_consent: bool | None
    discharged_on: date | None
    date_of_death: date | None
    created_at: datetime
    updated_at: datetime
    change_seq: int

    @classmethod
    def from_row(cls, row: Patient, practice: Practice | PracticeRead) -> PatientRead:
        data = {f.name: getattr(row, f.name) for f in fields(cls) if hasattr(row, f.name)}
        return cls(**data, practice_ods=practice.ods_code, practice_name=practice.name)

    @classmethod
    def from_values(
        cls, values: Mapping[str, Any], practice: Practice | PracticeRead
    ) -> PatientRead:
        """From a bulk-insert row (column name -> value)."""
        data = {f.name: values[f.name] for f in fields(cls) if f.name in values}
        return cls(**data, practice_ods=practice.ods_code, practice_name=practice.name)

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}"

    @property
    def nhs_number_formatted(self) -> str:
        return v.format_nhs_number(self.nhs_number)

    def age(self, on: date | None = None) -> int:
        today = on or date.today()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def alerts(self) -> list[str]:
        """Short labels for the alert banner, most serious first."""
        labels = [
            ("risk", self.alert_risk),
            ("safeguarding", self.alert_safeguarding),
            ("lone worker", self.alert_lone_worker),
            ("do not text", self.alert_do_not_text),
        ]
        return [label for label, on in labels if on]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict (the CLI's `--json`); `nhs_number` is 10 digits or null."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, uuid.UUID | date | datetime):
                data[key] = str(value) if isinstance(value, uuid.UUID) else value.isoformat()
        return data


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


def _validate(data: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Validate and normalise the given PatientCreate fields (any subset)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationError(f"unknown patient field {name}")
        if name == "nhs_number":
            out[name] = v.optional_nhs_number(value)
        elif name in ("family_name", "given_name"):
            label = "family name" if name == "family_name" else "given name"
            out[name] = v.required_text(value, label, max_length=100)
        elif name == "date_of_birth":
            out[name] = v.date_of_birth(value, today=today)
        elif name == "practice_ods":
            out[name] = v.normalise_ods_code(value)
        elif name == "sex":
            out[name] = v.normalise_sex(value)
        elif name in ("phone", "phone_alt"):
            out[name] = v.normalise_phone(value, "phone" if name == "phone" else "second phone")
        elif name == "postcode":
            out[name] = v.normalise_postcode(value)
        elif name == "preferred_contact":
            out[name] = v.choice(value, "preferred contact", v.PREFERRED_CONTACT)
        elif name == "care_cluster":
            out[name] = v.parse_care_cluster(value)
        elif name == "status":
            out[name] = v.choice(value, "status", v.PATIENT_STATUSES)
        elif name == "share_decision_on":
            out[name] = v.optional_date(value, "sharing decision date")
        elif name in (
            "smi_register",
            "raised_cv_risk",
            "alert_risk",
            "alert_safeguarding",
            "alert_lone_worker",
            "alert_do_not_text",
            "share_with_practice",
        ):
            out[name] = v.parse_bool(value, name.replace("_", " "))
        else:
            out[name] = v.optional_text(value, name.replace("_", " "), max_length=2000)
    return out


def check_patient_fields(
    values: Mapping[str, Any], *, required: Iterable[str] = (), today: date | None = None
) -> dict[str, Any]:
    """Check each given field on its own (as typed in a form) and report every problem at
    once (`FieldErrors` by field name); fields named in `required` must not be empty. The
    same rules as add and edit, which check again when they write."""

    def check(name: str, value: Any) -> Any:
        if name in required and (value is None or not str(value).strip()):
            raise ValidationError(f"{name.replace('_ods', '').replace('_', ' ')} is required")
        return _validate({name: value}, today=today)[name]

    checks: dict[str, Callable[[], Any]] = {
        name: partial(check, name, value) for name, value in values.items()
    }
    return v.check_fields(checks)


def validate_patient(data: PatientCreate, *, today: date | None = None) -> dict[str, Any]:
    """All fields validated (raises on the first problem); used by add and by importers."""
    clean = _validate(asdict(data), today=today)
    if clean["share_with_practice"]:
        clean["share_objection_reason"] = ""
        clean["share_decision_on"] = None
    elif not clean["share_objection_reason"]:
        raise ValidationError("give the reason the patient objects to sharing with the practice")
    return clean


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
    clean = validate_patient(data)
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
    session.add(row)
    session.flush()
    record_event(
        session, actor=actor, action="create", entity="patient", entity_id=row.id, patient_id=row.id
    )
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
    clean = _validate(changes)
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
    changed = sorted(k for k, val in clean.items() if getattr(row, k) != val)
    for key in changed:
        setattr(row, key, clean[key])
    if moved:
        changed.append("practice")
    session.add(row)
    session.flush()
    if changed:
        record_event(
            session,
            actor=actor,
            action="update",
            entity="patient",
            entity_id=row.id,
            patient_id=row.id,
            detail="fields=" + ",".join(changed),
        )
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
