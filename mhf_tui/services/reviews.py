"""Reviews: start a checklist from a template, answer items, save partially, complete.

Answers are append-only (like notes): every change is a new `ReviewAnswer` version in the
item's lineage, so a completed review keeps what was recorded at completion and each
amendment after it, with who and why. A completed review's answers change only with a
reason. The next review is due `recurrence_months` after the day the last one took place.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import Field
from sqlalchemy import String, cast
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from mhf_tui.db.tables import utcnow
from mhf_tui.db.tables.reviews import Review, ReviewAnswer
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.audited import audited_add
from mhf_tui.services.public import PublicModel
from mhf_tui.services.retention import ensure_patient_editable
from mhf_tui.services.templates import (
    ReviewTemplate,
    TemplateItem,
    TemplateSet,
    clean_answer,
    computed_answers,
)

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
ABANDONED = "abandoned"


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier), clamped to the month's last day:
    29 Feb 2024 + 12 months is 28 Feb 2025, 31 Jan + 1 month is 28/29 Feb."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def within_months(observed_on: date, *, as_of: date, months: int) -> bool:
    """QOF-style "recorded in the preceding N months" counted back from `as_of`."""
    return add_months(as_of, -months) <= observed_on <= as_of


def next_due_on(performed_on: date, template: ReviewTemplate) -> date:
    return add_months(performed_on, template.recurrence_months)


def is_current_answer() -> Any:
    """A WHERE clause keeping only the newest version in each answer's lineage."""
    newer = aliased(ReviewAnswer)
    return ~(
        select(newer.id)
        .where(col(newer.lineage_id) == col(ReviewAnswer.lineage_id))
        .where(col(newer.version) > col(ReviewAnswer.version))
        .exists()
    )


# --- finding ---------------------------------------------------------------------------


def find_review(session: Session, *, ref: str | uuid.UUID) -> Review:
    """A review by id, or by an unambiguous prefix of at least 6 characters of its id."""
    if isinstance(ref, uuid.UUID):
        review = session.get(Review, ref)
        if review is None:
            raise ValidationError("no such review")
        return review
    text = ref.strip().lower()
    try:
        exact: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        exact = None
    if exact is not None:
        review = session.get(Review, exact)
    else:
        if len(text) < 6 or any(c not in "0123456789abcdef-" for c in text):
            raise ValidationError("give a review id (or at least its first 6 characters)")
        # Ids are stored as 32 hex digits without dashes.
        prefix = text.replace("-", "")
        matches = list(
            session.exec(select(Review).where(cast(col(Review.id), String).like(f"{prefix}%")))
        )
        if len(matches) > 1:
            raise ValidationError(f"review id {ref!r} is ambiguous; give more characters")
        review = matches[0] if matches else None
    if review is None:
        raise ValidationError(f"no review with id {ref!r}")
    return review


def _versions(session: Session, *, review_id: uuid.UUID) -> list[ReviewAnswer]:
    """Every answer version of the review, oldest first."""
    return list(
        session.exec(
            select(ReviewAnswer)
            .where(ReviewAnswer.review_id == review_id)
            .order_by(col(ReviewAnswer.version))
        ).all()
    )


def _lineage_heads(session: Session, *, review_id: uuid.UUID) -> dict[str, ReviewAnswer]:
    """The newest version of each item's answer, withdrawn ones included."""
    return {row.item_id: row for row in _versions(session, review_id=review_id)}


def current_answers(session: Session, *, review_id: uuid.UUID) -> dict[str, ReviewAnswer]:
    """The latest version of each item's answer, withdrawn answers left out."""
    heads = _lineage_heads(session, review_id=review_id)
    return {k: v for k, v in heads.items() if not v.entered_in_error}


def answer_history(session: Session, *, review_id: uuid.UUID, item_id: str) -> list[ReviewAnswer]:
    """Every version of one item's answer, oldest first."""
    return [row for row in _versions(session, review_id=review_id) if row.item_id == item_id]


def patient_reviews(session: Session, *, patient_id: uuid.UUID) -> list[Review]:
    """A patient's reviews, newest first."""
    return list(
        session.exec(
            select(Review)
            .where(Review.patient_id == patient_id)
            .order_by(col(Review.performed_on).desc(), col(Review.created_at).desc())
        ).all()
    )


def open_review(session: Session, *, patient_id: uuid.UUID, template_id: str) -> Review | None:
    """The in-progress review of this template, if one was started and not finished."""
    return session.exec(
        select(Review)
        .where(
            Review.patient_id == patient_id,
            Review.template_id == template_id,
            Review.status == IN_PROGRESS,
        )
        .order_by(col(Review.created_at).desc())
        .limit(1)
    ).first()


# --- writing ---------------------------------------------------------------------------


def start_review(
    session: Session,
    *,
    patient_id: uuid.UUID,
    template: ReviewTemplate,
    actor: str,
    performed_on: date | None = None,
) -> Review:
    """A new in-progress review. If one of this template is already open for the patient it
    is returned instead, so a half-done check is carried on rather than duplicated."""
    ensure_patient_editable(session, patient_id=patient_id)
    existing = open_review(session, patient_id=patient_id, template_id=template.id)
    if existing is not None:
        return existing
    today = date.today()
    when = performed_on or today
    if when > today:
        raise ValidationError("a review cannot take place in the future")
    review = Review(
        patient_id=patient_id,
        template_id=template.id,
        template_version=template.version,
        performed_on=when,
        author=actor,
    )
    return _save(session, review, actor=actor, action="create", detail=f"template={template.id}")


def _audit(session: Session, review: Review, *, actor: str, action: str, detail: str = "") -> None:
    """Every review event names the review and its patient (answers are audited under it)."""
    record_event(
        session,
        actor=actor,
        action=action,
        entity="review",
        entity_id=review.id,
        patient_id=review.patient_id,
        detail=detail,
    )


def _save(session: Session, review: Review, *, actor: str, action: str, detail: str) -> Review:
    """Write the review (flushed, so its id and `change_seq` are set) and its event."""
    return audited_add(session, review, actor=actor, action=action, entity="review", detail=detail)


def _editable_review(session: Session, *, review_id: uuid.UUID, reason: str) -> Review:
    """The review to answer: not abandoned; a completed one only with a reason."""
    review = find_review(session, ref=review_id)
    if review.status == ABANDONED:
        raise ValidationError("this review was abandoned; start a new one")
    completed = review.status == COMPLETED
    if completed and not reason:
        raise ValidationError("this review is completed: give a reason to amend it")
    # amending a completed review is a correction, still possible on a closed record
    ensure_patient_editable(session, patient_id=review.patient_id, correction=completed)
    return review


def _plan(
    template: ReviewTemplate, answers: Mapping[str, str], *, completed: bool
) -> list[tuple[TemplateItem, str | None]]:
    """Each answer checked against its item (None withdraws); every problem in one error."""
    problems: list[str] = []
    planned: list[tuple[TemplateItem, str | None]] = []
    for item_id, raw in answers.items():
        try:
            item = template.item(item_id)
            if not raw.strip():
                if completed and item.required:
                    raise ValidationError(f"{item.label} is required and cannot be withdrawn")
                planned.append((item, None))
                continue
            clean_answer(item, raw)
            planned.append((item, raw))
        except ValidationError as exc:
            problems.append(str(exc))
    if problems:
        raise ValidationError("; ".join(problems))
    return planned


def _new_version(
    review: Review,
    item: TemplateItem,
    raw: str | None,
    *,
    head: ReviewAnswer | None,
    when: date,
    actor: str,
    reason: str,
) -> ReviewAnswer:
    clean = clean_answer(item, raw) if raw is not None else None
    return ReviewAnswer(
        review_id=review.id,
        patient_id=review.patient_id,
        item_id=item.id,
        lineage_id=head.lineage_id if head else uuid.uuid4(),
        version=head.version + 1 if head else 1,
        replaces_id=head.id if head else None,
        value=clean.value if clean else "",
        number=clean.number if clean else None,
        unit=clean.unit if clean else "",
        code=clean.code if clean else "",
        check=item.check,
        observed_on=when,
        author=actor,
        amend_reason=reason,
        entered_in_error=clean is None,
    )


def answer_items(
    session: Session,
    *,
    review_id: uuid.UUID,
    answers: Mapping[str, str],
    templates: TemplateSet,
    actor: str,
    observed_on: date | None = None,
    amend_reason: str = "",
) -> list[ReviewAnswer]:
    """Record answers (item id -> typed value), all or none: one bad value stores nothing.

    An empty value withdraws an earlier answer. An unchanged value adds no version. On a
    completed review a reason is required and required items cannot be withdrawn.
    """
    reason = amend_reason.strip()
    review = _editable_review(session, review_id=review_id, reason=reason)
    template = templates.get(review.template_id)
    completed = review.status == COMPLETED
    when = observed_on or review.performed_on
    if when > date.today():
        raise ValidationError("an answer cannot be observed in the future")
    existing = current_answers(session, review_id=review.id)
    heads = _lineage_heads(session, review_id=review.id)
    planned = _plan(template, answers, completed=completed)
    given = {item.id: raw for item, raw in planned}
    stored = {item_id: answer.value for item_id, answer in existing.items()}
    planned += _plan(template, computed_answers(template, given, stored), completed=completed)
    written: list[ReviewAnswer] = []
    for item, raw in planned:
        current = existing.get(item.id)
        if raw is None and current is None:
            continue  # nothing to withdraw
        if (
            raw is not None
            and current is not None
            and current.value == clean_answer(item, raw).value
            and (observed_on is None or current.observed_on == when)
        ):
            continue  # unchanged
        row = _new_version(
            review, item, raw, head=heads.get(item.id), when=when, actor=actor,
            reason=reason if completed else "",
        )  # fmt: skip
        session.add(row)
        written.append(row)
    if written:
        session.flush()
        items = ",".join(r.item_id for r in written)
        _audit(
            session,
            review,
            actor=actor,
            action="amend" if completed else "update",
            detail=f"items={items}",
        )
    return written


def missing_required(
    session: Session, *, review: Review, template: ReviewTemplate
) -> list[TemplateItem]:
    answered = current_answers(session, review_id=review.id)
    return [item for item in template.required_items if item.id not in answered]


def complete_review(
    session: Session, *, review_id: uuid.UUID, templates: TemplateSet, actor: str
) -> Review:
    """Mark a review done; refuses while a required item is unanswered."""
    review = find_review(session, ref=review_id)
    if review.status != IN_PROGRESS:
        raise ValidationError(f"this review is already {review.status.replace('_', ' ')}")
    ensure_patient_editable(session, patient_id=review.patient_id)
    template = templates.get(review.template_id)
    missing = missing_required(session, review=review, template=template)
    if missing:
        names = ", ".join(item.label for item in missing)
        raise ValidationError(f"cannot complete: required item(s) not answered: {names}")
    review.status = COMPLETED
    review.completed_at = utcnow()
    review.next_due_on = _due_after(session, review, template)
    return _save(session, review, actor=actor, action="update", detail="status=completed")


def _due_after(session: Session, review: Review, template: ReviewTemplate) -> date:
    """The next review's day: the monitoring schedule (from the start date) if the template
    has one, else `recurrence_months` after this one."""
    from mhf_tui.services.monitoring_schedule import scheduled_due, start_dates

    start = start_dates(session, template=template, patient_ids=[review.patient_id]).get(
        review.patient_id
    )
    due = scheduled_due(template, start=start, last=review.performed_on)
    return due or next_due_on(review.performed_on, template)


def abandon_review(session: Session, *, review_id: uuid.UUID, actor: str) -> Review:
    """Set aside an in-progress review (started in error); its answers are kept."""
    review = find_review(session, ref=review_id)
    if review.status != IN_PROGRESS:
        raise ValidationError("only a review in progress can be abandoned")
    review.status = ABANDONED
    return _save(session, review, actor=actor, action="update", detail="status=abandoned")


# --- reading ---------------------------------------------------------------------------


class ReviewStarted(PublicModel):
    """A review as `reviews start --json` names it; the other read models add to it."""

    id: uuid.UUID = Field(serialization_alias="review_id")
    template_id: str = Field(serialization_alias="template")
    status: str


class ReviewRead(ReviewStarted):
    """A review in a patient's list (`reviews list --json`)."""

    #: the template's title; empty if the template is no longer loaded
    title: str
    performed_on: date
    next_due_on: date | None

    @classmethod
    def from_row(cls, row: Review, templates: TemplateSet) -> ReviewRead:
        loaded = row.template_id in templates
        return cls.from_attrs(row, title=templates.get(row.template_id).title if loaded else "")


class AnswerRead(PublicModel):
    """One item of a shown review and its current answer (the item's unit and code when
    it is unanswered)."""

    item: str
    label: str
    value: str | None
    unit: str
    snomed: str
    observed_on: date | None
    versions: int
    required: bool


class ReviewDetailRead(ReviewStarted):
    """A review with every item (`reviews show --json`)."""

    template_version: str
    performed_on: date
    next_due_on: date | None
    author: str
    answers: list[AnswerRead]
    #: ids of the required items not answered yet
    missing_required: list[str]


@dataclass(frozen=True)
class AnswerView:
    item: TemplateItem
    answer: ReviewAnswer | None
    versions: int

    @property
    def display(self) -> str:
        if self.answer is None:
            return ""
        value = self.answer.value
        if self.item.type == "choice":
            choice = self.item.choice(value)
            return choice.label if choice else value
        if self.item.type == "number" and self.item.unit:
            return f"{value} {self.item.unit}"
        return value

    def read(self) -> AnswerRead:
        answer, item = self.answer, self.item
        return AnswerRead(
            item=item.id,
            label=item.label,
            value=answer.value if answer else None,
            unit=answer.unit if answer else item.unit,
            snomed=answer.code if answer else item.snomed,
            observed_on=answer.observed_on if answer else None,
            versions=self.versions,
            required=item.required,
        )


@dataclass(frozen=True)
class ReviewDetail:
    review: Review
    template: ReviewTemplate
    answers: list[AnswerView]
    missing_required: list[TemplateItem]

    def read(self) -> ReviewDetailRead:
        return ReviewDetailRead.from_attrs(
            self.review,
            answers=[a.read() for a in self.answers],
            missing_required=[item.id for item in self.missing_required],
        )


def review_detail(
    session: Session, *, review_id: uuid.UUID, templates: TemplateSet, actor: str
) -> ReviewDetail:
    """A review with every item and its current answer (records a view event)."""
    review = find_review(session, ref=review_id)
    template = templates.get(review.template_id)
    latest: dict[str, ReviewAnswer] = {}
    counts: dict[str, int] = {}
    for row in _versions(session, review_id=review.id):
        latest[row.item_id] = row
        counts[row.item_id] = counts.get(row.item_id, 0) + 1
    views = []
    for item in template.items:
        head = latest.get(item.id)
        views.append(
            AnswerView(
                item=item,
                answer=head if head is not None and not head.entered_in_error else None,
                versions=counts.get(item.id, 0),
            )
        )
    missing = [v.item for v in views if v.item.required and v.answer is None]
    _audit(session, review, actor=actor, action="view")
    return ReviewDetail(review=review, template=template, answers=views, missing_required=missing)
