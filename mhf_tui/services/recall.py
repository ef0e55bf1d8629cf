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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

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


def _recallable_patients(
    session: Session, *, practice_ods: str | None, patient_id: uuid.UUID | None
) -> list[tuple[Patient, str]]:
    stmt = (
        select(Patient, Practice.ods_code)
        .join(Practice, col(Practice.id) == col(Patient.practice_id))
        .where(col(Patient.status).in_(RECALLED_STATUSES), col(Patient.date_of_death).is_(None))
    )
    if practice_ods is not None:
        stmt = stmt.where(Practice.id == _practice(session, practice_ods).id)
    if patient_id is not None:
        stmt = stmt.where(Patient.id == patient_id)
    return [(p, ods) for p, ods in session.exec(stmt).all()]


def applies_to(template: ReviewTemplate, patient: Patient, *, has_care_plan: bool) -> bool:
    for rule in template.applies_to:
        if rule == "active":
            return True
        if rule == "smi_register" and patient.smi_register:
            return True
        if rule == "care_plan" and has_care_plan:
            return True
    return False


def display_name(patient: Patient) -> str:
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
    patients = _recallable_patients(session, practice_ods=practice_ods, patient_id=patient_id)
    if not patients:
        return []
    ids = [p.id for p, _ in patients]
    with_plan = set(
        session.exec(select(CarePlan.patient_id).where(col(CarePlan.patient_id).in_(ids))).all()
    )
    last_done: dict[tuple[uuid.UUID, str], date] = {}
    open_reviews: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    reviews = session.exec(
        select(Review).where(
            col(Review.patient_id).in_(ids), col(Review.status).in_((COMPLETED, IN_PROGRESS))
        )
    ).all()
    for review in reviews:
        key = (review.patient_id, review.template_id)
        if review.status == COMPLETED:
            if key not in last_done or review.performed_on > last_done[key]:
                last_done[key] = review.performed_on
        else:
            open_reviews[key] = review.id
    entries: list[RecallEntry] = []
    for patient, ods in patients:
        for template in templates:
            if not applies_to(template, patient, has_care_plan=patient.id in with_plan):
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
                    practice_ods=ods,
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


def _latest_check_dates(
    session: Session, patient_ids: Iterable[uuid.UUID], *, as_of: date
) -> dict[tuple[uuid.UUID, str], date]:
    """Per (patient, check): the latest day a current (not withdrawn, not superseded)
    answer was observed, from reviews not abandoned, on or before `as_of`."""
    ids = list(patient_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(ReviewAnswer)
        .join(Review, col(Review.id) == col(ReviewAnswer.review_id))
        .where(
            col(ReviewAnswer.patient_id).in_(ids),
            col(ReviewAnswer.check) != "",
            col(Review.status) != ABANDONED,
        )
        .order_by(col(ReviewAnswer.version))
    ).all()
    heads: dict[uuid.UUID, ReviewAnswer] = {}
    for row in rows:
        heads[row.lineage_id] = row
    latest: dict[tuple[uuid.UUID, str], date] = {}
    for row in heads.values():
        if row.entered_in_error or row.observed_on > as_of:
            continue
        key = (row.patient_id, row.check)
        if key not in latest or row.observed_on > latest[key]:
            latest[key] = row.observed_on
    return latest


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
    latest = _latest_check_dates(session, [patient.id], as_of=today)
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
        for p, _ in _recallable_patients(session, practice_ods=practice.ods_code, patient_id=None)
        if p.smi_register
    ]
    latest = _latest_check_dates(session, (p.id for p in register), as_of=today)
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
