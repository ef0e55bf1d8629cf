"""Tables for review checklists and outcome measures.

A `Review` is one filled-in instance of a template (the templates themselves are data files,
see `mhf_tui.services.templates`). Its answers are append-only like notes: changing an answer,
before or after completion, adds a new `ReviewAnswer` version in the same lineage, so what was
recorded at completion can always be shown next to any later amendment.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import DDL, JSON, Column, UniqueConstraint, event
from sqlmodel import Field

from mhf_tui.db.tables.base import Row, utcnow


class Review(Row, table=True):
    __tablename__ = "review"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    template_id: str = Field(index=True)
    template_version: str = ""
    status: str = "in_progress"  # in_progress, completed, abandoned
    #: the day the review took place (answers default to being observed on it)
    performed_on: date = Field(index=True)
    completed_at: datetime | None = None
    #: performed_on + the template's recurrence, set at completion
    next_due_on: date | None = Field(default=None, index=True)
    author: str = ""


class ReviewAnswer(Row, table=True):
    """One version of the answer to one item. The current answer to an item is the highest
    `version` in its lineage (one lineage per review and item)."""

    __tablename__ = "review_answer"
    __table_args__ = (UniqueConstraint("lineage_id", "version"),)
    review_id: uuid.UUID = Field(foreign_key="review.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    item_id: str
    lineage_id: uuid.UUID = Field(index=True)
    version: int = 1
    replaces_id: uuid.UUID | None = Field(default=None, foreign_key="review_answer.id", index=True)
    #: canonical text of the value: a number, a choice id, "yes"/"no", ISO date or free text
    value: str = ""
    number: float | None = None
    unit: str = ""
    #: SNOMED CT concept for the answer (the chosen option's code, else the item's code)
    code: str = ""
    #: QOF check this item counts towards (bmi, blood_pressure, ...), copied from the template
    check: str = Field(default="", index=True)
    observed_on: date
    recorded_at: datetime = Field(default_factory=utcnow)
    author: str = ""
    #: set when the answer was changed after the review was completed
    amend_reason: str = ""
    #: an empty value on a later version withdraws the answer (entered in error)
    entered_in_error: bool = False


# Like note: a trigger refuses UPDATE, so an answer can only change by a new version. It is
# created with the table (schema v1 runs create_all).
event.listen(
    ReviewAnswer.__table__,  # type: ignore[attr-defined]
    "after_create",
    DDL(
        "CREATE TRIGGER IF NOT EXISTS review_answer_no_update BEFORE UPDATE ON review_answer "
        "BEGIN SELECT RAISE(ABORT, 'review_answer is append-only'); END"
    ),
)


class OutcomeMeasure(Row, table=True):
    """A patient-reported outcome: PHQ-9, GAD-7 (every item kept) or a goal-based outcome
    score for one care-plan goal."""

    __tablename__ = "outcome_measure"
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    measure: str = Field(index=True)  # phq9, gad7, gbo
    taken_on: date = Field(index=True)
    items: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    total: int
    band: str = ""
    #: PHQ-9 item 9 (thoughts of self-harm) answered above 0
    risk_prompt: bool = False
    #: goal-based outcomes: the care-plan goal's id and its wording when scored
    goal_id: str = ""
    goal_text: str = ""
    author: str = ""
