"""A discharged or deceased patient's record takes no new reviews, answers or outcomes, but a
completed review can still be amended (a correction, HAZ-16)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, select

from mhf_tui.db.tables.reviews import OutcomeMeasure, Review
from mhf_tui.services.outcomes import add_goal_score, add_outcome
from mhf_tui.services.retention import RecordReadOnly, discharge
from mhf_tui.services.reviews import (
    answer_items,
    complete_review,
    current_answers,
    start_review,
)
from mhf_tui.services.templates import TemplateSet

from .conftest import ACTOR, FULL_CHECK

PHQ9 = [1, 2, 1, 0, 1, 2, 1, 0, 0]


def test_a_discharged_patient_cannot_start_a_review(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    discharge(session, patient_id=pid, actor=ACTOR, on=date.today())
    with pytest.raises(RecordReadOnly, match="discharged: the record is read-only"):
        start_review(
            session,
            patient_id=pid,
            template=templates.get("smi_physical_health_check"),
            actor=ACTOR,
        )
    assert session.exec(select(Review).where(Review.patient_id == pid)).all() == []


def test_a_discharged_patient_cannot_have_a_phq9_or_goal_score_added(
    session: Session, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    discharge(session, patient_id=pid, actor=ACTOR, on=date.today())
    with pytest.raises(RecordReadOnly, match="discharged: the record is read-only"):
        add_outcome(session, patient_id=pid, measure="phq9", items=PHQ9, actor=ACTOR)
    with pytest.raises(RecordReadOnly, match="discharged"):
        add_goal_score(session, patient_id=pid, goal_id="g1", score_value=5, actor=ACTOR)
    rows = session.exec(select(OutcomeMeasure).where(OutcomeMeasure.patient_id == pid)).all()
    assert rows == []


def test_a_deceased_patient_cannot_have_an_outcome_added(
    session: Session, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    discharge(session, patient_id=pid, actor=ACTOR, on=date.today(), died_on=date.today())
    with pytest.raises(RecordReadOnly, match="this patient has died"):
        add_outcome(session, patient_id=pid, measure="gad7", items=[1] * 7, actor=ACTOR)


def test_an_open_review_cannot_be_answered_or_completed_after_discharge(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("smi_physical_health_check"), actor=ACTOR
    )
    answer_items(session, review_id=review.id, answers=FULL_CHECK, templates=templates, actor=ACTOR)
    discharge(session, patient_id=pid, actor=ACTOR, on=date.today())
    with pytest.raises(RecordReadOnly, match="discharged"):
        answer_items(
            session, review_id=review.id, answers={"bmi": "30"}, templates=templates, actor=ACTOR
        )
    with pytest.raises(RecordReadOnly, match="discharged"):
        complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    assert current_answers(session, review_id=review.id)["bmi"].value == "27.4"
    assert session.get(Review, review.id).status == "in_progress"  # type: ignore[union-attr]


def test_a_completed_review_can_still_be_amended_after_discharge(
    session: Session, templates: TemplateSet, make_patient: Callable[..., uuid.UUID]
) -> None:
    pid = make_patient()
    review = start_review(
        session, patient_id=pid, template=templates.get("smi_physical_health_check"), actor=ACTOR
    )
    answer_items(session, review_id=review.id, answers=FULL_CHECK, templates=templates, actor=ACTOR)
    complete_review(session, review_id=review.id, templates=templates, actor=ACTOR)
    discharge(session, patient_id=pid, actor=ACTOR, on=date.today())
    written = answer_items(
        session,
        review_id=review.id,
        answers={"bmi": "26.9"},
        templates=templates,
        actor=ACTOR,
        amend_reason="transcription error",
    )
    assert [row.value for row in written] == ["26.9"]
    amended = current_answers(session, review_id=review.id)["bmi"]
    assert amended.version == 2 and amended.amend_reason == "transcription error"
