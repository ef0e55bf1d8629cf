"""Recall (who is overdue, due soon or never reviewed) and the QOF-style completeness report.

Which patients a template applies to comes from its `applies_to`: the SMI register, anyone
with a care plan, or every patient on the caseload. Discharged and deceased patients are
never recalled. A review counts once completed; the next is due `recurrence_months` after it.

The completeness report counts, per practice, how many SMI-register patients have each of
the six physical health checks recorded within its QOF window (answers from any template
whose items carry the check id count, e.g. blood pressure taken at a medication review), and
how many have all six.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select  # more than four columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from mhf_tui.db.tables import CarePlan, Patient, Practice
from mhf_tui.db.tables.reviews import Review, ReviewAnswer
from mhf_tui.errors import ValidationError
from mhf_tui.services.practices import get_practice_row_by_ods
from mhf_tui.services.reviews import (
    ABANDONED,
    COMPLETED,
    IN_PROGRESS,
    add_months,
    next_due_on,
    within_months,
)
from mhf_tui.services.templates import ReviewTemplate, TemplateSet

PHYSICAL_HEALTH_CHECK = "smi_physical_health_check"
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


def _practice(session: Session, ods: str) -> Practice:
    return get_practice_row_by_ods(session, ods)


@dataclass(frozen=True)
class _Recallable:
    """The few patient columns recall needs (whole ORM rows cost seconds at 10,000)."""

    id: uuid.UUID
    family_name: str
    given_name: str
    nhs_number: str | None
    smi_register: bool
    raised_cv_risk: bool
    practice_ods: str


def _scope(stmt: Any, *, practice_id: uuid.UUID | None, patient_id: uuid.UUID | None) -> Any:
    """Restrict a statement that joins Patient to the patients recall covers."""
    stmt = stmt.where(
        col(Patient.status).in_(RECALLED_STATUSES), col(Patient.date_of_death).is_(None)
    )
    if practice_id is not None:
        stmt = stmt.where(Patient.practice_id == practice_id)
    if patient_id is not None:
        stmt = stmt.where(Patient.id == patient_id)
    return stmt


def _recallable_patients(
    session: Session, *, practice_id: uuid.UUID | None, patient_id: uuid.UUID | None
) -> list[_Recallable]:
    stmt = sa_select(
        col(Patient.id),
        col(Patient.family_name),
        col(Patient.given_name),
        col(Patient.nhs_number),
        col(Patient.smi_register),
        col(Patient.raised_cv_risk),
        col(Practice.ods_code),
    ).join(Practice, col(Practice.id) == col(Patient.practice_id))
    stmt = _scope(stmt, practice_id=practice_id, patient_id=patient_id)
    return [_Recallable(*row) for row in session.execute(stmt).all()]


def applies_to(template: ReviewTemplate, *, smi_register: bool, has_care_plan: bool) -> bool:
    for rule in template.applies_to:
        if rule == "active":
            return True
        if rule == "smi_register" and smi_register:
            return True
        if rule == "care_plan" and has_care_plan:
            return True
    return False


def display_name(patient: Patient | _Recallable) -> str:
    return f"{patient.family_name.upper()}, {patient.given_name}"


def recall_list(
    session: Session,
    *,
    templates: TemplateSet,
    as_of: date | None = None,
    within_days: int = 30,
    practice_ods: str | None = None,
    patient_id: uuid.UUID | None = None,
) -> list[RecallEntry]:
    """Reviews overdue, due within `within_days`, or never done; most urgent first."""
    if within_days < 0:
        raise ValidationError("--days must be 0 or more")
    today = as_of or date.today()
    horizon = today + timedelta(days=within_days)
    practice_id = _practice(session, practice_ods).id if practice_ods is not None else None
    scope = {"practice_id": practice_id, "patient_id": patient_id}
    patients = _recallable_patients(session, **scope)
    if not patients:
        return []
    with_plan = set(
        session.exec(
            _scope(
                select(CarePlan.patient_id)
                .distinct()
                .join(Patient, col(Patient.id) == col(CarePlan.patient_id)),
                **scope,
            )
        ).all()
    )
    last_done: dict[tuple[uuid.UUID, str], date] = {}
    open_reviews: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    reviews = session.execute(
        _scope(
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
        if status == COMPLETED:
            if key not in last_done or performed_on > last_done[key]:
                last_done[key] = performed_on
        else:
            open_reviews[key] = review_id
    entries: list[RecallEntry] = []
    for patient in patients:
        for template in templates:
            if not applies_to(
                template, smi_register=patient.smi_register, has_care_plan=patient.id in with_plan
            ):
                continue
            key = (patient.id, template.id)
            last = last_done.get(key)
            due = next_due_on(last, template) if last else None
            if due is None:
                status = NEVER
            elif due < today:
                status = OVERDUE
            elif due <= horizon:
                status = DUE
            else:
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


@dataclass(frozen=True)
class CheckStatus:
    id: str
    label: str
    indicator: str
    window_months: int
    last_observed_on: date | None
    done: bool

    @property
    def counts_until(self) -> date | None:
        """The last day the latest value still counts (for "due by" hints)."""
        if self.last_observed_on is None:
            return None
        return add_months(self.last_observed_on, self.window_months)


@dataclass(frozen=True)
class CheckCount:
    id: str
    label: str
    indicator: str
    count: int


@dataclass(frozen=True)
class QofReport:
    practice_ods: str
    practice_name: str
    as_of: date
    smi_register: int
    all_checks_complete: int
    checks: list[CheckCount] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "practice": self.practice_ods,
            "practice_name": self.practice_name,
            "as_of": self.as_of.isoformat(),
            "smi_register": self.smi_register,
            "all_checks_complete": self.all_checks_complete,
            "checks": {c.id: c.count for c in self.checks},
            "indicators": {c.id: c.indicator for c in self.checks},
        }


def counted_check_answers() -> list[Any]:
    """Conditions (for a query joining Review) on answers that count towards a check: the
    newest version in its lineage, not withdrawn, from a review not abandoned."""
    newer = aliased(ReviewAnswer)
    superseded = (
        select(newer.id)
        .where(col(newer.lineage_id) == col(ReviewAnswer.lineage_id))
        .where(col(newer.version) > col(ReviewAnswer.version))
        .exists()
    )
    return [
        col(ReviewAnswer.check) != "",
        col(ReviewAnswer.entered_in_error).is_(False),
        col(Review.status) != ABANDONED,
        ~superseded,
    ]


def _latest_check_dates(
    session: Session,
    *,
    as_of: date,
    practice_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
) -> dict[tuple[uuid.UUID, str], date]:
    """Per (patient, check): the latest day a current answer (the newest version in its
    lineage, not withdrawn) from a review not abandoned was observed, on or before `as_of`.
    Aggregated in SQL: at 10,000 patients there are ~100,000 answers."""
    stmt = (
        select(ReviewAnswer.patient_id, ReviewAnswer.check, func.max(ReviewAnswer.observed_on))
        .join(Review, col(Review.id) == col(ReviewAnswer.review_id))
        .join(Patient, col(Patient.id) == col(ReviewAnswer.patient_id))
        .where(*counted_check_answers(), col(ReviewAnswer.observed_on) <= as_of)
        .group_by(col(ReviewAnswer.patient_id), col(ReviewAnswer.check))
    )
    if patient_id is not None:
        stmt = stmt.where(ReviewAnswer.patient_id == patient_id)
    stmt = _scope(stmt, practice_id=practice_id, patient_id=patient_id)
    return {(pid, check): last for pid, check, last in session.exec(stmt).all()}


def _check_windows(template: ReviewTemplate, *, raised_cv_risk: bool) -> dict[str, int]:
    windows: dict[str, int] = {}
    for item in template.items:
        months = item.window_months(raised_cv_risk=raised_cv_risk)
        if item.check and months is not None:
            windows[item.check] = max(windows.get(item.check, 0), months)
    return windows


def patient_checks(
    session: Session,
    *,
    patient: Patient,
    templates: TemplateSet,
    as_of: date | None = None,
    template_id: str = PHYSICAL_HEALTH_CHECK,
) -> list[CheckStatus]:
    """Each QOF check for one patient: when last recorded and whether it counts now."""
    today = as_of or date.today()
    template = templates.get(template_id)
    latest = _latest_check_dates(session, as_of=today, patient_id=patient.id)
    windows = _check_windows(template, raised_cv_risk=patient.raised_cv_risk)
    result = []
    for check in template.checks:
        months = windows.get(check.id, 12)
        last = latest.get((patient.id, check.id))
        result.append(
            CheckStatus(
                id=check.id,
                label=check.label,
                indicator=check.indicator,
                window_months=months,
                last_observed_on=last,
                done=last is not None and within_months(last, as_of=today, months=months),
            )
        )
    return result


def qof_report(
    session: Session,
    *,
    templates: TemplateSet,
    practice_ods: str,
    as_of: date | None = None,
    template_id: str = PHYSICAL_HEALTH_CHECK,
) -> QofReport:
    """SMI register (denominator), patients with all checks in window (numerator), and
    the count per check, for one practice."""
    today = as_of or date.today()
    template = templates.get(template_id)
    practice = _practice(session, practice_ods)
    register = [
        p
        for p in _recallable_patients(session, practice_id=practice.id, patient_id=None)
        if p.smi_register
    ]
    latest = _latest_check_dates(session, as_of=today, practice_id=practice.id)
    per_check: dict[str, int] = defaultdict(int)
    complete = 0
    for patient in register:
        windows = _check_windows(template, raised_cv_risk=patient.raised_cv_risk)
        all_done = True
        for check in template.checks:
            last = latest.get((patient.id, check.id))
            months = windows.get(check.id, 12)
            if last is not None and within_months(last, as_of=today, months=months):
                per_check[check.id] += 1
            else:
                all_done = False
        complete += all_done
    return QofReport(
        practice_ods=practice.ods_code,
        practice_name=practice.name,
        as_of=today,
        smi_register=len(register),
        all_checks_complete=complete,
        checks=[
            CheckCount(id=c.id, label=c.label, indicator=c.indicator, count=per_check[c.id])
            for c in template.checks
        ],
    )
