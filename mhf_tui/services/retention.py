"""Discharge, retention and secure destruction of patient records.

Retention follows the Records Management Code of Practice for Health and Social Care 2021
(England; NHSX, August 2021, updated August 2023), Appendix II "Retention schedule",
"Care records with standard retention periods", record type "Mental health records":
20 years after no further treatment is considered necessary (care ended), or 10 years after
the patient's death if that is sooner. The 2016 Code said 8 years after death; the 2021
Code changed it to 10. The schedule gives minimum periods ("must always be considered the
minimum period"), so the configurable periods here can be raised but never set below them.

The Code also says retention starts when the record stops being operational (discharge,
person last seen, death) and restarts if the record comes back into use, so the start
date is the latest of the discharge date and the last recorded contact or note, and
reopening a record clears its discharge.

Destruction is an explicit act (`purge_due` after `due_for_destruction` has been
reviewed): it deletes every row owned by the patient, leaves a tombstone audit event
with counts only, then `scrub_free_space` rewrites the file so the deleted text is not
left in free pages.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Engine, Table, delete, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from mhf_tui.db.tables import Contact, Note, Patient, Setting
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.audited import audited_add
from mhf_tui.services.ids import get_row

#: Appendix II minimums for mental health records (see the module docstring).
CODE_YEARS_AFTER_CARE = 20
CODE_YEARS_AFTER_DEATH = 10
MAX_YEARS = 100

SETTING_AFTER_CARE = "retention_years_after_care"
SETTING_AFTER_DEATH = "retention_years_after_death"

#: Tables never deleted by a purge: the audit trail must outlive the record (it holds ids
#: and field names only).
KEPT_TABLES = frozenset({"audit_event"})


class RecordReadOnly(ValidationError):
    """An edit was attempted on a discharged or deceased patient's record."""


def ensure_editable(patient: Patient, *, correction: bool = False) -> None:
    """Refuse additions to a record that is no longer operational. Services that add to
    or change a patient's record (details, contacts, notes, care plans, signposting,
    reviews, outcomes, related people) call this before writing.

    `correction=True` is for amending an existing entry or marking it entered in error:
    that stays possible on a closed record, because a patient's right to rectification
    does not end at discharge, and the correction is a new version beside the original."""
    if correction:
        return
    if patient.date_of_death is not None:
        raise RecordReadOnly("this patient has died: the record is read-only")
    if patient.status == "discharged":
        raise RecordReadOnly(
            "this patient is discharged: the record is read-only (reopen it to add to it)"
        )


@dataclass(frozen=True)
class RetentionPolicy:
    years_after_care: int = CODE_YEARS_AFTER_CARE
    years_after_death: int = CODE_YEARS_AFTER_DEATH

    def validate(self) -> None:
        if not CODE_YEARS_AFTER_CARE <= self.years_after_care <= MAX_YEARS:
            raise ValidationError(
                f"years after care ended must be {CODE_YEARS_AFTER_CARE}-{MAX_YEARS}: "
                "the Records Management Code gives a minimum, not a maximum"
            )
        if not CODE_YEARS_AFTER_DEATH <= self.years_after_death <= MAX_YEARS:
            raise ValidationError(
                f"years after death must be {CODE_YEARS_AFTER_DEATH}-{MAX_YEARS}: "
                "the Records Management Code gives a minimum, not a maximum"
            )


def load_policy(session: Session) -> RetentionPolicy:
    def read(key: str, default: int) -> int:
        row = session.get(Setting, key)
        return int(row.value) if row is not None else default

    return RetentionPolicy(
        years_after_care=read(SETTING_AFTER_CARE, CODE_YEARS_AFTER_CARE),
        years_after_death=read(SETTING_AFTER_DEATH, CODE_YEARS_AFTER_DEATH),
    )


def set_policy(session: Session, *, actor: str, policy: RetentionPolicy) -> RetentionPolicy:
    policy.validate()
    for key, value in (
        (SETTING_AFTER_CARE, policy.years_after_care),
        (SETTING_AFTER_DEATH, policy.years_after_death),
    ):
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=str(value)))
        else:
            row.value = str(value)
            session.add(row)
    record_event(
        session,
        actor=actor,
        action="update",
        entity="retention_policy",
        detail=json.dumps({"fields": [SETTING_AFTER_CARE, SETTING_AFTER_DEATH]}),
    )
    return policy


def add_years(day: date, years: int) -> date:
    """Same day and month `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class RetentionDates:
    """When a record stopped being operational and when it may be destroyed."""

    care_ended_on: date | None
    died_on: date | None
    destroy_after: date | None  #: None while the record is operational
    rule: str  #: which schedule rule set `destroy_after`


def retention_dates(
    *,
    care_ended_on: date | None,
    died_on: date | None,
    policy: RetentionPolicy | None = None,
) -> RetentionDates:
    """Apply the schedule: N years after care ended, or M years after death if sooner.
    A record with neither date is operational and never due."""
    policy = policy or RetentionPolicy()
    if died_on is not None:
        ended = min(care_ended_on, died_on) if care_ended_on else died_on
        after_care = add_years(ended, policy.years_after_care)
        after_death = add_years(died_on, policy.years_after_death)
        if after_death <= after_care:
            rule = f"{policy.years_after_death} years after death"
            return RetentionDates(ended, died_on, after_death, rule)
        rule = f"{policy.years_after_care} years after care ended (sooner than after death)"
        return RetentionDates(ended, died_on, after_care, rule)
    if care_ended_on is not None:
        rule = f"{policy.years_after_care} years after care ended"
        return RetentionDates(
            care_ended_on, None, add_years(care_ended_on, policy.years_after_care), rule
        )
    return RetentionDates(None, None, None, "record in use")


def last_activity_on(session: Session, *, patient_id: uuid.UUID) -> date | None:
    """The last day the record was used for care: the newest contact or note."""
    contact = session.execute(
        sa_select(func.max(Contact.occurred_at)).where(col(Contact.patient_id) == patient_id)
    ).scalar_one()
    note = session.execute(
        sa_select(func.max(Note.written_at)).where(col(Note.patient_id) == patient_id)
    ).scalar_one()
    days = [d.date() for d in (contact, note) if d is not None]
    return max(days) if days else None


def patient_retention(
    session: Session, patient: Patient, policy: RetentionPolicy | None = None
) -> RetentionDates:
    policy = policy or load_policy(session)
    if patient.status != "discharged" and patient.date_of_death is None:
        return retention_dates(care_ended_on=None, died_on=None, policy=policy)
    candidates = [
        d
        for d in (patient.discharged_on, last_activity_on(session, patient_id=patient.id))
        if d is not None
    ]
    if not candidates and patient.date_of_death is None:
        candidates = [patient.updated_at.date()]
    care_ended = max(candidates) if candidates else None
    return retention_dates(care_ended_on=care_ended, died_on=patient.date_of_death, policy=policy)


@dataclass(frozen=True)
class DueRecord:
    patient_id: uuid.UUID
    nhs_number: str | None
    name: str
    dates: RetentionDates


def due_for_destruction(session: Session, *, today: date) -> list[DueRecord]:
    """Records past their retention date, oldest due first: the list to appraise before
    `purge_due` (the Code requires a review before destruction)."""
    policy = load_policy(session)
    stmt = select(Patient).where(
        (col(Patient.status) == "discharged") | (col(Patient.date_of_death).is_not(None))
    )
    due: list[DueRecord] = []
    for patient in session.exec(stmt):
        dates = patient_retention(session, patient, policy)
        if dates.destroy_after is not None and dates.destroy_after <= today:
            name = f"{patient.family_name.upper()}, {patient.given_name}"
            due.append(DueRecord(patient.id, patient.nhs_number, name, dates))
    due.sort(key=lambda d: (d.dates.destroy_after or today, d.name))
    return due


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    return get_row(session, Patient, patient_id, "no such patient on this caseload")


def editable_patient(
    session: Session, patient_id: uuid.UUID, *, correction: bool = False
) -> Patient:
    """The patient's row, for a service about to add to or change the record
    (`ensure_editable`)."""
    patient = _patient(session, patient_id)
    ensure_editable(patient, correction=correction)
    return patient


def ensure_patient_editable(
    session: Session, *, patient_id: uuid.UUID, correction: bool = False
) -> None:
    """`ensure_editable` by id: lets a screen refuse before the user types an entry that
    could not be saved."""
    editable_patient(session, patient_id, correction=correction)


def discharge(
    session: Session,
    *,
    patient_id: uuid.UUID,
    actor: str,
    on: date,
    died_on: date | None = None,
) -> Patient:
    """Discharge from the caseload (optionally recording a death); the record becomes
    read-only and its retention period starts."""
    patient = _patient(session, patient_id)
    if died_on is not None and died_on < patient.date_of_birth:
        raise ValidationError("date of death is before the date of birth")
    if on < patient.date_of_birth:
        raise ValidationError("discharge date is before the date of birth")
    fields = ["status", "discharged_on"]
    patient.status = "discharged"
    patient.discharged_on = on
    if died_on is not None:
        patient.date_of_death = died_on
        fields.append("date_of_death")
    audited_add(
        session,
        patient,
        actor=actor,
        action="discharge",
        entity="patient",
        patient_id=patient.id,
        detail=json.dumps({"fields": fields}),
    )
    return patient


def reopen(session: Session, *, patient_id: uuid.UUID, actor: str) -> Patient:
    """Bring a discharged record back into use (the Code restarts retention when a record
    comes back into use). A recorded death cannot be reopened."""
    patient = _patient(session, patient_id)
    if patient.date_of_death is not None:
        raise ValidationError("this patient has died: the record cannot be reopened")
    if patient.status != "discharged":
        raise ValidationError("this record is not discharged")
    patient.status = "active"
    patient.discharged_on = None
    audited_add(
        session,
        patient,
        actor=actor,
        action="reopen",
        entity="patient",
        patient_id=patient.id,
        detail=json.dumps({"fields": ["status", "discharged_on"]}),
    )
    return patient


def ownership_clause(table: Table, patient_ids: list[uuid.UUID]) -> ColumnElement[bool] | None:
    """A WHERE clause selecting the rows of `table` that belong to these patients,
    following foreign keys (directly to `patient`, or through a table that does), or
    None if the table holds no patient's rows. Tables added later by other areas are
    covered without listing them here."""
    if table.name in KEPT_TABLES:
        return None
    if table.name == "patient":
        return table.c.id.in_(patient_ids)
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent.name == "patient":
            return fk.parent.in_(patient_ids)
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent is table:
            continue
        parent_clause = ownership_clause(parent, patient_ids)
        if parent_clause is not None:
            return fk.parent.in_(sa_select(fk.column).where(parent_clause))
    return None


def owned_tables() -> list[Table]:
    """Tables holding patient rows, dependants before the tables they point at."""
    probe = [uuid.UUID(int=0)]
    return [
        t
        for t in reversed(SQLModel.metadata.sorted_tables)
        if ownership_clause(t, probe) is not None
    ]


@dataclass(frozen=True)
class PurgeReport:
    tombstone_id: str
    patients: int
    rows: dict[str, int]


def purge_due(session: Session, *, actor: str, today: date) -> PurgeReport:
    """Delete every record due for destruction (recomputed here, never from a stale
    list) and every row that belongs to it, then write a tombstone audit event holding
    a random id and counts only. Call `scrub_free_space` after the commit."""
    due = due_for_destruction(session, today=today)
    tombstone = secrets.token_hex(8)
    ids = [d.patient_id for d in due]
    rows: dict[str, int] = {}
    if ids:
        # Freed pages are zeroed by this connection before they are reused or vacuumed.
        session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
        for table in owned_tables():
            clause = ownership_clause(table, ids)
            assert clause is not None
            result = session.connection().execute(delete(table).where(clause))
            if result.rowcount:
                rows[table.name] = int(result.rowcount)
        # FTS5 keeps deleted terms in old segments until they are merged.
        session.connection().execute(text("INSERT INTO note_fts (note_fts) VALUES ('optimize')"))
    record_event(
        session,
        actor=actor,
        action="purge",
        entity="retention",
        entity_id=tombstone,
        detail=json.dumps({"tombstone": tombstone, "patients": len(ids), "rows": rows}),
    )
    return PurgeReport(tombstone, len(ids), rows)


def scrub_free_space(engine: Engine) -> None:
    """Rewrite the database so deleted rows leave no trace in free pages or the WAL:
    secure_delete, VACUUM, then a truncating checkpoint. Run outside any transaction."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        if conn is None:
            raise MhfError("no database connection to scrub")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("VACUUM")
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise MhfError("the database is busy: close other mhf windows and run purge again")
    finally:
        raw.close()
