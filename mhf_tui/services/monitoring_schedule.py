"""When a scheduled review is next due: NICE CG178 antipsychotic monitoring at baseline,
12 weeks and 1 year from the start date, then annually (the template's `schedule_weeks`,
`schedule_start_item` and `recurrence_months`).

A review done up to four weeks before a point covers it (bloods are often taken a little
early); once the last point is covered the next is `recurrence_months` after the latest
review, as for any other template.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, timedelta

from sqlmodel import Session, col, select

from mhf_tui.db.tables.reviews import Review, ReviewAnswer
from mhf_tui.services.reviews import ABANDONED, is_current_answer, next_due_on
from mhf_tui.services.templates import ReviewTemplate

EARLY = timedelta(weeks=4)


def schedule_points(template: ReviewTemplate, start: date) -> list[date]:
    return [start + timedelta(weeks=w) for w in template.schedule_weeks]


def scheduled_due(
    template: ReviewTemplate, *, start: date | None, last: date | None
) -> date | None:
    """The next due day given the start date and the latest completed review (None: never
    done and no start date to count from)."""
    if not template.schedule_weeks or start is None:
        return next_due_on(last, template) if last is not None else None
    for point in schedule_points(template, start):
        if last is None or last < point - EARLY:
            return point
    assert last is not None
    return next_due_on(last, template)


def start_dates(
    session: Session, *, template: ReviewTemplate, patient_ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, date]:
    """Per patient, the latest start date answered in a review of `template` (newest
    version of each answer, withdrawn ones and abandoned reviews left out)."""
    if not template.schedule_start_item:
        return {}
    stmt = (
        select(col(ReviewAnswer.patient_id), col(ReviewAnswer.value), col(ReviewAnswer.observed_on))
        .join(Review, col(Review.id) == col(ReviewAnswer.review_id))
        .where(
            Review.template_id == template.id,
            col(Review.status) != ABANDONED,
            ReviewAnswer.item_id == template.schedule_start_item,
            col(ReviewAnswer.entered_in_error).is_(False),
            is_current_answer(),
        )
        .order_by(col(ReviewAnswer.observed_on))
    )
    if patient_ids is not None:
        stmt = stmt.where(col(ReviewAnswer.patient_id).in_(list(patient_ids)))
    return {pid: date.fromisoformat(value) for pid, value, _ in session.exec(stmt).all()}
