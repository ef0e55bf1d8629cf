"""Reviews: start, answer (validated), save partially, required items on completion,
versioned amendments, due dates (leap years included) and audit events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mhf_tui.db.tables import AuditEvent
from mhf_tui.db.tables.reviews import ReviewAnswer
from mhf_tui.errors import ValidationError
from mhf_tui.services.reviews import (
    abandon_review,
    add_months,
    answer_history,
    answer_items,
    complete_review,
    current_answers,
    find_review,
    review_detail,
    start_review,
    within_months,
)
from mhf_tui.services.templates import TemplateSet

from .conftest import ACTOR, FULL_CHECK


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 2, 28), 12, date(2024, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 2, 28), -12, date(2024, 2, 28)),
        (date(2024, 5, 31), 24, date(2026, 5, 31)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_qof_window_leap_day() -> None:
    # Recorded 29 Feb 2024: still within 12 months on 28 Feb 2025, not on 1 Mar 2025.
    assert within_months(date(2024, 2, 29), as_of=date(2025, 2, 28), months=12)
    assert not within_months(date(2024, 2, 29), as_of=date(2025, 3, 1), months=12)
    # Reference date 29 Feb 2024: a value from 28 Feb 2023 still counts, 27 Feb does not.
    assert within_months(date(2023, 2, 28), as_of=date(2024, 2, 29), months=12)
    assert not within_months(date(2023, 2, 27), as_of=date(2024, 2, 29), months=12)
    # A value recorded after the reference date does not count for it.
    assert not within_months(date(2024, 3, 1), as_of=date(2024, 2, 29), months=12)


def test_full_review_round_trip(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    phc = templates.get("smi_physical_health_check")
    review = start_review(
        session, patient_id=pid, template=phc, actor=ACTOR, performed_on=date(2024, 2, 29)
    )
    assert review.status == "in_progress"
    # Partial save, then the rest later.
    answer_items(
        session, review_id=review.id, answers={"bmi": "27.4", "bp_systolic": "128"},
        templates=templates, actor=ACTOR,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="required item\\(s\\) not answered: BP diastolic"):
        complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    answer_items(session, review_id=review.id, answers=FULL_CHECK, templates=templates, actor=ACTOR)
    done = complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    assert done.status == "completed"
    assert done.next_due_on == date(2025, 2, 28)
    answers = current_answers(session, review_id=review.id)
    assert answers["smoking_status"].code == "8517006"
    assert answers["bmi"].number == 27.4 and answers["bmi"].unit == "kg/m2"
    assert answers["bmi"].check == "bmi"
    assert answers["bmi"].observed_on == date(2024, 2, 29)
    # Re-sending an unchanged value adds no version.
    assert len(answer_history(session, review_id=review.id, item_id="bmi")) == 1


def test_one_bad_answer_stores_nothing(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("smi_physical_health_check"), actor=ACTOR
    )
    with pytest.raises(ValidationError) as info:
        answer_items(
            session, review_id=review.id,
            answers={"bmi": "27", "bp_systolic": "400", "smoking_status": "sometimes"},
            templates=templates, actor=ACTOR,
        )  # fmt: skip
    assert "BP systolic: 400 is outside 50-300 mmHg" in str(info.value)
    assert "not an option" in str(info.value)
    assert current_answers(session, review_id=review.id) == {}
    with pytest.raises(ValidationError, match="no item 'waist'"):
        answer_items(
            session, review_id=review.id, answers={"waist": "90"}, templates=templates, actor=ACTOR
        )


def test_amend_completed_review_makes_new_version(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("smi_physical_health_check"), actor=ACTOR
    )
    answer_items(session, review_id=review.id, answers=FULL_CHECK, templates=templates, actor=ACTOR)
    complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    with pytest.raises(ValidationError, match="give a reason"):
        answer_items(
            session, review_id=review.id, answers={"bmi": "28.1"}, templates=templates, actor=ACTOR
        )
    answer_items(
        session, review_id=review.id, answers={"bmi": "28.1"}, templates=templates,
        actor=ACTOR, amend_reason="transcription error",
    )  # fmt: skip
    history = answer_history(session, review_id=review.id, item_id="bmi")
    assert [(a.version, a.value) for a in history] == [(1, "27.4"), (2, "28.1")]
    assert history[1].replaces_id == history[0].id
    assert history[1].lineage_id == history[0].lineage_id
    assert history[1].amend_reason == "transcription error"
    assert current_answers(session, review_id=review.id)["bmi"].value == "28.1"
    with pytest.raises(ValidationError, match="required and cannot be withdrawn"):
        answer_items(
            session, review_id=review.id, answers={"bmi": ""}, templates=templates,
            actor=ACTOR, amend_reason="oops",
        )  # fmt: skip
    # Optional items can be withdrawn (entered in error): a flagged version, nothing deleted.
    answer_items(
        session, review_id=review.id, answers={"cholesterol": ""}, templates=templates,
        actor=ACTOR, amend_reason="wrong patient's result",
    )  # fmt: skip
    assert "cholesterol" not in current_answers(session, review_id=review.id)
    chol = answer_history(session, review_id=review.id, item_id="cholesterol")
    assert [a.entered_in_error for a in chol] == [False, True]
    with pytest.raises(ValidationError, match="already completed"):
        complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)


def test_required_items_per_template(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("care_plan_review"), actor=ACTOR
    )
    answer_items(
        session, review_id=review.id, answers={"agreed_with_patient": "y", "next_steps": "GP"},
        templates=templates, actor=ACTOR,
    )  # fmt: skip
    with pytest.raises(ValidationError) as info:
        complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    assert "Crisis plan current, Copy given to patient" in str(info.value)
    detail = review_detail(session, review_id=review.id, templates=templates, actor=ACTOR)
    assert [i.id for i in detail.missing_required] == ["crisis_plan_current", "copy_given"]


def test_start_reuses_open_review_and_refuses_future(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    phc = templates.get("smi_physical_health_check")
    first = start_review(session, patient_id=pid, template=phc, actor=ACTOR)
    assert start_review(session, patient_id=pid, template=phc, actor=ACTOR).id == first.id
    abandon_review(session, review_id=first.id, actor=ACTOR)
    assert start_review(session, patient_id=pid, template=phc, actor=ACTOR).id != first.id
    with pytest.raises(ValidationError, match="future"):
        start_review(
            session, patient_id=pid, template=templates.get("care_plan_review"),
            actor=ACTOR, performed_on=date(2999, 1, 1),
        )  # fmt: skip


def test_find_review_by_prefix(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("care_plan_review"), actor=ACTOR
    )
    assert find_review(session, ref=str(review.id)).id == review.id
    assert find_review(session, ref=review.id.hex[:8]).id == review.id
    with pytest.raises(ValidationError):
        find_review(session, ref="abc")


def test_audit_events_for_review_lifecycle(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("smi_physical_health_check"), actor=ACTOR
    )
    answer_items(session, review_id=review.id, answers=FULL_CHECK, templates=templates, actor=ACTOR)
    complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    review_detail(session, review_id=review.id, templates=templates, actor=ACTOR)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "review")).all()
    assert [e.action for e in events] == ["create", "update", "update", "view"]
    assert all(e.patient_id == str(pid) for e in events)
    # Details name items, never values.
    assert "27.4" not in "".join(e.detail for e in events)


def test_answers_cannot_be_changed_in_place(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    """Versions are distinct rows: a second version 1 in a lineage is refused."""
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("care_plan_review"), actor=ACTOR
    )
    (row,) = answer_items(
        session, review_id=review.id, answers={"copy_given": "y"}, templates=templates, actor=ACTOR
    )
    session.commit()
    assert isinstance(row, ReviewAnswer)
    duplicate = ReviewAnswer(
        review_id=review.id, patient_id=pid, item_id="copy_given", lineage_id=row.lineage_id,
        version=1, value="no", observed_on=row.observed_on,
    )  # fmt: skip
    session.add(duplicate)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    row.value = "no"
    session.add(row)
    with pytest.raises(IntegrityError, match="append-only"):
        session.commit()
    session.rollback()
