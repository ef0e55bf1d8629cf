"""Recall: who is overdue, due soon or never reviewed.

Which patients a template applies to comes from its `applies_to`: the SMI register, anyone
with a care plan, or every patient on the caseload. Discharged and deceased patients are
never recalled. A review counts once completed; the next is due `recurrence_months` after it,
or on the template's monitoring schedule from the start date (antipsychotic monitoring).
Recall looks ahead by days for the facilitator; given a contract year it lists everything
still due before that year ends. The QOF-style report is in `mhf_tui.services.qof_report`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select as sa_select  # more than four columns
from sqlmodel import Session, col, select

from mhf_tui.db.tables import CarePlan, Patient, Practice
from mhf_tui.db.tables.reviews import Review
from mhf_tui.errors import ValidationError
from mhf_tui.services.contract_year import ContractYear
from mhf_tui.services.monitoring_schedule import scheduled_due, start_dates
from mhf_tui.services.practices import get_practice_row_by_ods
from mhf_tui.services.reviews import COMPLETED, IN_PROGRESS
from mhf_tui.services.templates import ReviewTemplate, TemplateSet

OVERDUE, DUE, NEVER = "overdue", "due", "never"
_STATUS_ORDER = {OVERDUE: 0, DUE: 1, NEVER: 2}
RECALLED_STATUSES = ("active", "on_hold")


@dataclass(frozen=True)
class RecallEntry:
    patient_id: uuid.UUID
    patient_name: str
    nhs_number: str | None
    practice_ods: str
    template_id: str
    template_title: str
    status: str  # overdue, due, never
    due_on: date | None
    last_completed_on: date | None
    in_progress_review_id: uuid.UUID | None

    def as_json(self) -> dict[str, object]:
        return {
            "patient_name": self.patient_name,
            "nhs_number": self.nhs_number,
            "practice": self.practice_ods,
            "template": self.template_id,
            "template_title": self.template_title,
            "due_date": self.due_on.isoformat() if self.due_on else None,
            "status": self.status,
            "last_completed": self.last_completed_on.isoformat()
            if self.last_completed_on
            else None,
            "in_progress": self.in_progress_review_id is not None,
            "patient_id": str(self.patient_id),
        }


def practice_row(session: Session, ods: str) -> Practice:
    return get_practice_row_by_ods(session, ods)


@dataclass(frozen=True)
class Recallable:
    """The few patient columns recall needs (whole ORM rows cost seconds at 10,000)."""

    id: uuid.UUID
    family_name: str
    given_name: str
    nhs_number: str | None
    smi_register: bool
    raised_cv_risk: bool
    practice_ods: str


def scope_recalled(
    stmt: Any, *, practice_id: uuid.UUID | None, patient_id: uuid.UUID | None
) -> Any:
    """Restrict a statement that joins Patient to the patients recall covers."""
    stmt = stmt.where(
        col(Patient.status).in_(RECALLED_STATUSES), col(Patient.date_of_death).is_(None)
    )
    if practice_id is not None:
        stmt = stmt.where(Patient.practice_id == practice_id)
    if patient_id is not None:
        stmt = stmt.where(Patient.id == patient_id)
    return stmt


def recallable_patients(
    session: Session, *, practice_id: uuid.UUID | None, patient_id: uuid.UUID | None
) -> list[Recallable]:
    stmt = sa_select(
        col(Patient.id),
        col(Patient.family_name),
        col(Patient.given_name),
        col(Patient.nhs_number),
        col(Patient.smi_register),
        col(Patient.raised_cv_risk),
        col(Practice.ods_code),
    ).join(Practice, col(Practice.id) == col(Patient.practice_id))
    stmt = scope_recalled(stmt, practice_id=practice_id, patient_id=patient_id)
    return [Recallable(*row) for row in session.execute(stmt).all()]


def applies_to(template: ReviewTemplate, *, smi_register: bool, has_care_plan: bool) -> bool:
    for rule in template.applies_to:
        if rule == "active":
            return True
        if rule == "smi_register" and smi_register:
            return True
        if rule == "care_plan" and has_care_plan:
            return True
    return False


def display_name(patient: Patient | Recallable) -> str:
    return f"{patient.family_name.upper()}, {patient.given_name}"


def _horizon(today: date, within_days: int | None, year: ContractYear | None) -> date:
    """The last due day recall lists: 30 days ahead by default; with a contract year, its
    31 March unless `within_days` ends sooner."""
    if within_days is not None and within_days < 0:
        raise ValidationError("--days must be 0 or more")
    horizon = today + timedelta(days=30 if within_days is None else within_days)
    if year is not None:
        horizon = year.end if within_days is None else min(horizon, year.end)
    return horizon


def _review_state(
    session: Session, scope: dict[str, Any]
) -> tuple[dict[tuple[uuid.UUID, str], date], dict[tuple[uuid.UUID, str], uuid.UUID]]:
    """Per (patient, template): the last completed review's day, and the open review."""
    last_done: dict[tuple[uuid.UUID, str], date] = {}
    open_reviews: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    reviews = session.execute(
        scope_recalled(
            sa_select(
                col(Review.id),
                col(Review.patient_id),
                col(Review.template_id),
                col(Review.status),
                col(Review.performed_on),
            )
            .join(Patient, col(Patient.id) == col(Review.patient_id))
            .where(col(Review.status).in_((COMPLETED, IN_PROGRESS))),
            **scope,
        )
    ).all()
    for review_id, review_patient, template_id, status, performed_on in reviews:
        key = (review_patient, template_id)
        if status != COMPLETED:
            open_reviews[key] = review_id
        elif key not in last_done or performed_on > last_done[key]:
            last_done[key] = performed_on
    return last_done, open_reviews


def _status(last: date | None, due: date | None, *, today: date, horizon: date) -> str | None:
    if last is None:
        return NEVER
    if due is not None and due < today:
        return OVERDUE
    if due is not None and due <= horizon:
        return DUE
    return None


def recall_list(
    session: Session,
    *,
    templates: TemplateSet,
    as_of: date | None = None,
    within_days: int | None = None,
    practice_ods: str | None = None,
    patient_id: uuid.UUID | None = None,
    year: ContractYear | None = None,
) -> list[RecallEntry]:
    """Reviews overdue, due within `within_days` (30 by default), or never done; most urgent
    first. With a contract `year`, the look-ahead runs to the year's last day (31 March)
    unless `within_days` ends it sooner."""
    today = as_of or date.today()
    horizon = _horizon(today, within_days, year)
    practice_id = practice_row(session, practice_ods).id if practice_ods is not None else None
    scope: dict[str, Any] = {"practice_id": practice_id, "patient_id": patient_id}
    patients = recallable_patients(session, **scope)
    if not patients:
        return []
    with_plan = set(
        session.exec(
            scope_recalled(
                select(CarePlan.patient_id)
                .distinct()
                .join(Patient, col(Patient.id) == col(CarePlan.patient_id)),
                **scope,
            )
        ).all()
    )
    last_done, open_reviews = _review_state(session, scope)
    only = [patient_id] if patient_id is not None else None
    starts = {
        t.id: start_dates(session, template=t, patient_ids=only)
        for t in templates
        if t.schedule_weeks
    }
    entries: list[RecallEntry] = []
    for patient in patients:
        for template in templates:
            if not applies_to(
                template, smi_register=patient.smi_register, has_care_plan=patient.id in with_plan
            ):
                continue
            key = (patient.id, template.id)
            last = last_done.get(key)
            due = scheduled_due(template, start=starts.get(template.id, {}).get(patient.id),
                                last=last)  # fmt: skip
            status = _status(last, due, today=today, horizon=horizon)
            if status is None:
                continue
            entries.append(
                RecallEntry(
                    patient_id=patient.id,
                    patient_name=display_name(patient),
                    nhs_number=patient.nhs_number,
                    practice_ods=patient.practice_ods,
                    template_id=template.id,
                    template_title=template.title,
                    status=status,
                    due_on=due,
                    last_completed_on=last,
                    in_progress_review_id=open_reviews.get(key),
                )
            )
    entries.sort(key=lambda e: (_STATUS_ORDER[e.status], e.due_on or date.min, e.patient_name))
    return entries
