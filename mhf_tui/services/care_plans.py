"""Care plans: goals with goal-based outcome scores, actions, crisis plan, review date.

Versioned like notes: each save is a new row in the patient's care-plan lineage, so an
earlier plan can always be read back as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import CarePlan, Patient
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.audit import record_event
from mhf_tui.services.retention import ensure_editable
from mhf_tui.services.validation import optional_date, optional_text


@dataclass(frozen=True)
class Goal:
    goal: str
    #: goal-based outcome score 0-10 (None until first rated)
    score: int | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class CarePlanAction:
    action: str
    owner: str = ""
    due: date | None = None
    done: bool = False


@dataclass(frozen=True)
class CarePlanData:
    goals: list[Goal] = field(default_factory=list)
    actions: list[CarePlanAction] = field(default_factory=list)
    crisis_plan: str = ""
    contingency_plan: str = ""
    relapse_signatures: str = ""
    review_on: date | str | None = None


@dataclass(frozen=True)
class CarePlanRead:
    id: uuid.UUID
    patient_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    replaces_id: uuid.UUID | None
    goals: list[Goal]
    actions: list[CarePlanAction]
    crisis_plan: str
    contingency_plan: str
    relapse_signatures: str
    review_on: date | None
    author: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: CarePlan) -> CarePlanRead:
        return cls(
            id=row.id,
            patient_id=row.patient_id,
            lineage_id=row.lineage_id,
            version=row.version,
            replaces_id=row.replaces_id,
            goals=[
                Goal(goal=g["goal"], score=g.get("score"), id=g.get("id", "")) for g in row.goals
            ],
            actions=[
                CarePlanAction(
                    action=a["action"],
                    owner=a.get("owner", ""),
                    due=date.fromisoformat(a["due"]) if a.get("due") else None,
                    done=bool(a.get("done", False)),
                )
                for a in row.actions
            ],
            crisis_plan=row.crisis_plan,
            contingency_plan=row.contingency_plan,
            relapse_signatures=row.relapse_signatures,
            review_on=row.review_on,
            author=row.author,
            created_at=row.created_at,
        )

    def to_data(self) -> CarePlanData:
        """Start an edit from this version."""
        return CarePlanData(
            goals=list(self.goals),
            actions=list(self.actions),
            crisis_plan=self.crisis_plan,
            contingency_plan=self.contingency_plan,
            relapse_signatures=self.relapse_signatures,
            review_on=self.review_on,
        )


def _goals(goals: list[Goal]) -> list[dict[str, Any]]:
    out = []
    for g in goals:
        text = optional_text(g.goal, "goal", max_length=500)
        if not text:
            raise ValidationError("a goal is empty")
        if g.score is not None and (isinstance(g.score, bool) or not 0 <= g.score <= 10):
            raise ValidationError("goal scores run from 0 to 10")
        out.append({"id": g.id or uuid.uuid4().hex, "goal": text, "score": g.score})
    return out


def _actions(actions: list[CarePlanAction]) -> list[dict[str, Any]]:
    out = []
    for a in actions:
        text = optional_text(a.action, "action", max_length=500)
        if not text:
            raise ValidationError("an action is empty")
        out.append(
            {
                "action": text,
                "owner": optional_text(a.owner, "action owner", max_length=100, one_line=True),
                "due": a.due.isoformat() if a.due else None,
                "done": bool(a.done),
            }
        )
    return out


def _latest(session: Session, patient_id: uuid.UUID) -> CarePlan | None:
    stmt = (
        select(CarePlan)
        .where(CarePlan.patient_id == patient_id)
        .order_by(col(CarePlan.version).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def save_care_plan(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    data: CarePlanData,
    expected_version: int | None = None,
) -> CarePlanRead:
    """Save a new version of the patient's care plan (the first, or the next one).
    `expected_version` (the version the editor started from) refuses a save over a newer
    version written meanwhile."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise MhfError("no such patient on this caseload")
    ensure_editable(patient)
    previous = _latest(session, patient_id)
    if expected_version is not None and (previous.version if previous else 0) != expected_version:
        raise ValidationError("the care plan was changed meanwhile; reopen it and edit again")
    plan_id = uuid.uuid4()
    row = CarePlan(
        id=plan_id,
        patient_id=patient_id,
        lineage_id=previous.lineage_id if previous else plan_id,
        version=previous.version + 1 if previous else 1,
        replaces_id=previous.id if previous else None,
        goals=_goals(data.goals),
        actions=_actions(data.actions),
        crisis_plan=optional_text(data.crisis_plan, "crisis plan", max_length=20_000),
        contingency_plan=optional_text(
            data.contingency_plan, "contingency plan", max_length=20_000
        ),
        relapse_signatures=optional_text(
            data.relapse_signatures, "relapse signatures", max_length=20_000
        ),
        review_on=optional_date(data.review_on, "review date"),
        author=actor,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="create" if row.version == 1 else "amend",
        entity="care_plan",
        entity_id=row.id,
        patient_id=patient_id,
        detail=f"version={row.version}",
    )
    return CarePlanRead.from_row(row)


def current_care_plan(session: Session, *, patient_id: uuid.UUID) -> CarePlanRead | None:
    row = _latest(session, patient_id)
    return CarePlanRead.from_row(row) if row else None


def care_plan_history(session: Session, *, patient_id: uuid.UUID) -> list[CarePlanRead]:
    """Every version, oldest first."""
    stmt = select(CarePlan).where(CarePlan.patient_id == patient_id).order_by(col(CarePlan.version))
    return [CarePlanRead.from_row(r) for r in session.exec(stmt)]
