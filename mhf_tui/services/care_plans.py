"""Care plans: goals (scored over time as goal-based outcomes), needs, actions, the crisis
plan and a review date.

Versioned like notes: each save is a new row in the patient's care-plan lineage, audited,
so an earlier plan can always be read back as it was. Due actions and the review date are
follow-ups (`mhf_tui.services.followups`).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, model_validator
from sqlmodel import Session, SQLModel, col, select

from mhf_tui.db.tables import CarePlan, Service
from mhf_tui.db.tables.care import CarePlanBase
from mhf_tui.db.tables.reviews import OutcomeMeasure
from mhf_tui.errors import ValidationError
from mhf_tui.services.audited import audited_add
from mhf_tui.services.fields import (
    STRICT,
    AnyPhone,
    Flag,
    Line,
    OptionalDate,
    RequiredLine,
    StrictModel,
    UpdateModel,
    long_text_check,
    parse_model,
    update_model,
)
from mhf_tui.services.outcomes import GBO, add_goal_score
from mhf_tui.services.retention import editable_patient

GOAL_STATUSES = ("active", "achieved", "partly_achieved", "not_achieved", "withdrawn")
GoalStatus = Literal["active", "achieved", "partly_achieved", "not_achieved", "withdrawn"]
_GOAL_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def _goal_id(value: Any) -> str:
    text = str(value or "").strip()
    if text and not _GOAL_ID.fullmatch(text):
        raise ValueError("a goal id is letters, digits, - and _ only")
    return text


def _service_ref(value: Any) -> str:
    """A crisis service as an id or a name, or the object `show --json` prints."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("name") or ""
    text = str(value or "").strip()
    if not text:
        raise ValueError("a crisis service is empty")
    return text


# Items of the plan's lists: a Base as stored (what the Public models read back, whatever an
# older version let through), and a Create with the checks for what is typed now.


class GoalBase(SQLModel):
    #: kept across versions, so scores over time stay with the goal; new goals get one
    id: str = ""
    goal: str
    target_on: date | None = None
    status: str = "active"


class GoalCreate(GoalBase):
    model_config = STRICT
    id: Annotated[str, BeforeValidator(_goal_id)] = ""
    goal: RequiredLine
    target_on: OptionalDate = None
    status: GoalStatus = "active"


class GoalScore(SQLModel):
    taken_on: date
    score: int


class GoalPublic(GoalBase):
    #: goal-based outcome scores (0-10), oldest first
    scores: list[GoalScore] = []

    @property
    def latest_score(self) -> int | None:
        return self.scores[-1].score if self.scores else None


class ActionBase(SQLModel):
    action: str
    owner: str = ""
    due: date | None = None
    done: bool = False


class ActionCreate(ActionBase):
    model_config = STRICT
    action: RequiredLine
    owner: Line = ""
    due: OptionalDate = None
    done: Flag = False


class CrisisContactBase(SQLModel):
    name: str
    relationship: str = ""
    phone: str = ""


class CrisisContact(CrisisContactBase):
    model_config = STRICT
    name: RequiredLine
    relationship: Line = ""
    phone: AnyPhone


class CrisisServicePublic(SQLModel):
    id: str
    name: str
    phone: str


class CarePlanCreate(StrictModel, CarePlanBase):
    """A whole plan, validated; saving it makes the next version. `CarePlanBase`'s fields
    are checked by their type: the review date as `OptionalDate`, the text as `LongText`
    (a crisis plan runs over several lines)."""

    rules_by_type = {**StrictModel.rules_by_type, str: long_text_check}
    goals: list[GoalCreate] = []
    needs: list[RequiredLine] = []
    actions: list[ActionCreate] = []
    crisis_contacts: list[CrisisContact] = []
    #: directory services by id or name (resolved when saved)
    crisis_services: list[Annotated[str, BeforeValidator(_service_ref)]] = []

    @model_validator(mode="after")
    def _unique_goal_ids(self) -> CarePlanCreate:
        ids = [g.id for g in self.goals if g.id]
        if len(ids) != len(set(ids)):
            raise ValueError("two goals have the same id")
        return self


#: Changes to the current plan: any subset of CarePlanCreate's fields, each checked by the
#: same rule; the fields given replace the current ones, the rest are kept. `version` is the
#: version the edit started from (an edit over a newer version is refused). What `careplan
#: show --json` prints is a valid update.
CarePlanUpdate = update_model("CarePlanUpdate", CarePlanCreate, version=(int | None, None))


#: fields `show --json` prints that an edit does not set (read back, ignored on input)
READ_ONLY = ("id", "patient_id", "lineage_id", "replaces_id", "author", "created_at")


class CarePlanPublic(CarePlanBase):
    id: uuid.UUID
    patient_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    replaces_id: uuid.UUID | None
    goals: list[GoalPublic]
    needs: list[str]
    actions: list[ActionBase]
    crisis_contacts: list[CrisisContactBase]
    crisis_services: list[CrisisServicePublic]
    author: str
    created_at: datetime

    @property
    def has_crisis_plan(self) -> bool:
        return bool(
            self.early_warning_signs
            or self.what_helps
            or self.crisis_contacts
            or self.crisis_services
            or self.crisis_plan
        )


def update_from_document(data: Any) -> UpdateModel:
    """A `CarePlanUpdate` from a parsed JSON/TOML document; read-only keys that `show
    --json` prints are dropped, goal scores too (scores are added with `goal score`)."""
    if not isinstance(data, dict):
        raise ValidationError("a care plan is a table of fields (JSON object or TOML)")
    clean = {k: v for k, v in data.items() if k not in READ_ONLY}
    goals = clean.get("goals")
    if isinstance(goals, list):
        clean["goals"] = [
            {k: v for k, v in g.items() if k != "scores"} if isinstance(g, dict) else g
            for g in goals
        ]
    return parse_model(CarePlanUpdate, clean)


def _latest(session: Session, patient_id: uuid.UUID) -> CarePlan | None:
    stmt = (
        select(CarePlan)
        .where(CarePlan.patient_id == patient_id)
        .order_by(col(CarePlan.version).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def _resolve_services(session: Session, refs: list[str]) -> list[str]:
    from mhf_tui.services.directory import find_service

    ids: list[str] = []
    for ref in refs:
        service_id = str(find_service(session, name_or_id=ref).id)
        if service_id not in ids:
            ids.append(service_id)
    return ids


def _public(session: Session, row: CarePlan) -> CarePlanPublic:
    scores: dict[str, list[GoalScore]] = {}
    for goal_id, taken_on, total in session.exec(
        select(col(OutcomeMeasure.goal_id), col(OutcomeMeasure.taken_on), col(OutcomeMeasure.total))
        .where(OutcomeMeasure.patient_id == row.patient_id, OutcomeMeasure.measure == GBO)
        .order_by(col(OutcomeMeasure.taken_on), col(OutcomeMeasure.created_at))
    ):
        scores.setdefault(goal_id, []).append(GoalScore(taken_on=taken_on, score=total))
    services: list[CrisisServicePublic] = []
    for service_id in row.crisis_services or []:
        service = session.get(Service, uuid.UUID(service_id))
        if service is not None:
            services.append(
                CrisisServicePublic(id=service_id, name=service.name, phone=service.phone)
            )
    goals = [
        GoalPublic(
            id=str(g.get("id", "")),
            goal=str(g.get("goal", "")),
            target_on=g.get("target_on"),
            status=g.get("status", "active"),
            scores=scores.get(str(g.get("id", "")), []),
        )
        for g in row.goals or []
    ]
    return CarePlanPublic.model_validate(
        {
            **row.model_dump(exclude={"goals", "crisis_services"}),
            "needs": row.needs or [],
            "crisis_contacts": row.crisis_contacts or [],
            "goals": goals,
            "crisis_services": services,
        }
    )


def save_care_plan(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    data: CarePlanCreate,
    expected_version: int | None = None,
) -> CarePlanPublic:
    """Save a new version of the patient's care plan (the first, or the next one).
    `expected_version` (the version the editor started from; 0 for a new plan) refuses a
    save over a newer version written meanwhile."""
    editable_patient(session, patient_id)
    previous = _latest(session, patient_id)
    if expected_version is not None and (previous.version if previous else 0) != expected_version:
        raise ValidationError("the care plan was changed meanwhile; reopen it and edit again")
    plan_id = uuid.uuid4()
    goals = [{**g.model_dump(mode="json"), "id": g.id or uuid.uuid4().hex} for g in data.goals]
    row = CarePlan(
        **data.model_dump(
            include={
                "review_on",
                "early_warning_signs",
                "what_helps",
                "crisis_plan",
                "contingency_plan",
            }
        ),
        id=plan_id,
        patient_id=patient_id,
        lineage_id=previous.lineage_id if previous else plan_id,
        version=previous.version + 1 if previous else 1,
        replaces_id=previous.id if previous else None,
        goals=goals,
        needs=list(data.needs),
        actions=[a.model_dump(mode="json") for a in data.actions],
        crisis_contacts=[c.model_dump(mode="json") for c in data.crisis_contacts],
        crisis_services=_resolve_services(session, data.crisis_services),
        author=actor,
    )
    audited_add(
        session,
        row,
        actor=actor,
        action="create" if row.version == 1 else "amend",
        entity="care_plan",
        patient_id=patient_id,
        detail=f"version={row.version}",
    )
    return _public(session, row)


def _as_create(plan: CarePlanPublic | None, changes: dict[str, Any]) -> CarePlanCreate:
    base: dict[str, Any] = {}
    if plan is not None:
        base = plan.model_dump(mode="json", exclude=set(READ_ONLY) | {"version"})
        base["goals"] = [{k: v for k, v in g.items() if k != "scores"} for g in base["goals"]]
    return parse_model(CarePlanCreate, {**base, **changes})


def edit_care_plan(
    session: Session, *, actor: str, patient_id: uuid.UUID, update: UpdateModel
) -> CarePlanPublic:
    """The next version: the current plan with the update's fields replaced."""
    current = current_care_plan(session, patient_id=patient_id)
    changes = update.model_dump(mode="json", exclude_unset=True)
    version = changes.pop("version", None)
    return save_care_plan(
        session,
        actor=actor,
        patient_id=patient_id,
        data=_as_create(current, changes),
        expected_version=version,
    )


def current_care_plan(session: Session, *, patient_id: uuid.UUID) -> CarePlanPublic | None:
    row = _latest(session, patient_id)
    return _public(session, row) if row else None


def care_plan_history(session: Session, *, patient_id: uuid.UUID) -> list[CarePlanPublic]:
    """Every version, oldest first."""
    stmt = select(CarePlan).where(CarePlan.patient_id == patient_id).order_by(col(CarePlan.version))
    return [_public(session, r) for r in session.exec(stmt)]


def find_goal(plan: CarePlanPublic | None, ref: str) -> GoalPublic:
    """A goal of the current plan by its number (1, 2, ...), id or an id prefix (4+)."""
    goals = plan.goals if plan else []
    text = (ref or "").strip()
    if text.isdigit() and len(text) <= 2 and 1 <= int(text) <= len(goals):
        return goals[int(text) - 1]
    matches = [g for g in goals if g.id == text] or (
        [g for g in goals if g.id.startswith(text)] if len(text) >= 4 else []
    )
    if len(matches) != 1:
        raise ValidationError(
            "no such goal in the current care plan (give its number or id; see careplan show)"
        )
    return matches[0]


def add_goal(
    session: Session, *, actor: str, patient_id: uuid.UUID, goal: GoalCreate
) -> tuple[CarePlanPublic, GoalPublic]:
    """A new version with one more goal (the plan is started if there is none)."""
    current = current_care_plan(session, patient_id=patient_id)
    goals = (
        [g.model_dump(mode="json", exclude={"scores"}) for g in current.goals] if current else []
    )
    new_id = goal.id or uuid.uuid4().hex
    goals.append({**goal.model_dump(mode="json"), "id": new_id})
    plan = save_care_plan(
        session,
        actor=actor,
        patient_id=patient_id,
        data=_as_create(current, {"goals": goals}),
        expected_version=current.version if current else 0,
    )
    return plan, find_goal(plan, new_id)


def set_goal_status(
    session: Session, *, actor: str, patient_id: uuid.UUID, goal_ref: str, status: str
) -> tuple[CarePlanPublic, GoalPublic]:
    """A new version with one goal's status changed (closing it: achieved, withdrawn...)."""
    current = current_care_plan(session, patient_id=patient_id)
    target = find_goal(current, goal_ref)
    if status not in GOAL_STATUSES:
        raise ValidationError("goal status must be one of " + ", ".join(GOAL_STATUSES))
    assert current is not None  # find_goal found a goal in it
    goals = [
        {
            **g.model_dump(mode="json", exclude={"scores"}),
            **({"status": status} if g.id == target.id else {}),
        }
        for g in current.goals
    ]
    plan = save_care_plan(
        session,
        actor=actor,
        patient_id=patient_id,
        data=_as_create(current, {"goals": goals}),
        expected_version=current.version,
    )
    return plan, find_goal(plan, target.id)


def score_goal(
    session: Session,
    *,
    actor: str,
    patient_id: uuid.UUID,
    goal_ref: str,
    score: int,
    taken_on: date | None = None,
) -> GoalPublic:
    """A goal-based outcome score (0-10) for one goal of the current plan."""
    goal = find_goal(current_care_plan(session, patient_id=patient_id), goal_ref)
    add_goal_score(
        session,
        patient_id=patient_id,
        goal_id=goal.id,
        score_value=score,
        actor=actor,
        taken_on=taken_on,
    )
    return find_goal(current_care_plan(session, patient_id=patient_id), goal.id)
