"""What needs following up: contact follow-ups, open signposting, care-plan reviews and
care-plan actions not done, due in the next few days or overdue (the dashboard's "today"
list)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from pydantic import Field
from sqlalchemy import and_, func, or_, text
from sqlmodel import Session, col, select

from mhf_tui.db.tables import CarePlan, Contact, Patient, Service, Signposting
from mhf_tui.services.audited import audited_add
from mhf_tui.services.ids import get_row
from mhf_tui.services.public import PublicModel
from mhf_tui.services.signposting import OPEN_STATUSES
from mhf_tui.services.validation import optional_date


class FollowUp(PublicModel):
    kind: str  # contact, signposting, care_plan_review, care_plan_action
    source_id: uuid.UUID = Field(serialization_alias="id")
    patient_id: uuid.UUID
    #: shown in the table; not in the JSON, which names the patient by NHS number
    patient_name: str = Field(exclude=True)
    nhs_number: str | None
    due_on: date
    label: str
    overdue: bool


def follow_ups_due(
    session: Session, *, today: date | None = None, within_days: int = 0
) -> list[FollowUp]:
    """Everything due up to `today + within_days`, overdue included, oldest first.
    Discharged patients are left out."""
    today = today or date.today()
    horizon = today + timedelta(days=within_days)
    due: list[tuple[str, uuid.UUID, uuid.UUID, date, str]] = []
    contacts = session.exec(
        select(Contact.id, Contact.patient_id, col(Contact.follow_up_on)).where(
            col(Contact.follow_up_on).is_not(None),
            col(Contact.follow_up_on) <= horizon,
            col(Contact.follow_up_done).is_(False),
        )
    )
    for contact_id, pid, follow_up_on in contacts:
        assert follow_up_on is not None
        due.append(("contact", contact_id, pid, follow_up_on, "Follow up contact"))

    signposts = session.exec(
        select(Signposting.id, Signposting.patient_id, col(Signposting.follow_up_on), Service.name)
        .join(Service, col(Signposting.service_id) == col(Service.id))
        .where(
            col(Signposting.follow_up_on).is_not(None),
            col(Signposting.follow_up_on) <= horizon,
            col(Signposting.status).in_(OPEN_STATUSES),
        )
    )
    for signposting_id, pid, follow_up_on, service_name in signposts:
        assert follow_up_on is not None
        due.append(
            ("signposting", signposting_id, pid, follow_up_on, f"Signposting: {service_name}")
        )

    due.extend(_care_plan_follow_ups(session, horizon))

    patients = _names_of_undischarged(session, {pid for _k, _s, pid, _d, _l in due})
    items: list[FollowUp] = []
    for kind, source, pid, due_on, label in due:
        patient = patients.get(pid)
        if patient is None:
            continue
        name, nhs_number = patient
        items.append(
            FollowUp(
                kind=kind,
                source_id=source,
                patient_id=pid,
                patient_name=name,
                nhs_number=nhs_number,
                due_on=due_on,
                label=label,
                overdue=due_on < today,
            )
        )
    items.sort(key=lambda f: (f.due_on, f.patient_name))
    return items


#: an action of the plan not done and due by :day (dates are stored as YYYY-MM-DD)
_ACTION_DUE = text(
    "EXISTS (SELECT 1 FROM json_each(care_plan.actions) "
    "WHERE json_extract(value, '$.due') <= :day "
    "AND NOT coalesce(json_extract(value, '$.done'), 0))"
)


def _care_plan_follow_ups(
    session: Session, horizon: date
) -> list[tuple[str, uuid.UUID, uuid.UUID, date, str]]:
    """The current plan's review date and its actions not done, due by `horizon`: one
    query over each patient's newest version, reading only the plans with something due."""
    newest = (
        select(CarePlan.patient_id, func.max(CarePlan.version).label("version"))
        .group_by(col(CarePlan.patient_id))
        .subquery()
    )
    rows = session.exec(
        select(CarePlan.id, CarePlan.patient_id, col(CarePlan.review_on), col(CarePlan.actions))
        .join(
            newest,
            and_(
                col(CarePlan.patient_id) == newest.c.patient_id,
                col(CarePlan.version) == newest.c.version,
            ),
        )
        .where(
            or_(col(CarePlan.review_on) <= horizon, _ACTION_DUE.bindparams(day=horizon.isoformat()))
        )
    )
    due: list[tuple[str, uuid.UUID, uuid.UUID, date, str]] = []
    for plan_id, pid, review_on, actions in rows:
        if review_on is not None and review_on <= horizon:
            due.append(("care_plan_review", plan_id, pid, review_on, "Care plan review"))
        for action in actions or []:
            on = optional_date(action.get("due"), "due")
            if on is not None and on <= horizon and not action.get("done"):
                label = f"Action: {action.get('action', '')}"
                due.append(("care_plan_action", plan_id, pid, on, label))
    return due


#: ids per IN (...) query, well under SQLite's bound-parameter limit
_ID_BATCH = 500


def _names_of_undischarged(
    session: Session, patient_ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Display name and NHS number of just the patients with something due: loading every
    patient as a full ORM row cost the dashboard ~20 MB of RSS at 10,000 patients."""
    found: dict[uuid.UUID, tuple[str, str | None]] = {}
    ids = list(patient_ids)
    for start in range(0, len(ids), _ID_BATCH):
        rows = session.exec(
            select(Patient.id, Patient.family_name, Patient.given_name, Patient.nhs_number).where(
                col(Patient.id).in_(ids[start : start + _ID_BATCH]),
                Patient.status != "discharged",
            )
        )
        for pid, family_name, given_name, nhs_number in rows:
            found[pid] = (f"{family_name.upper()}, {given_name}", nhs_number)
    return found


def complete_contact_follow_up(session: Session, *, actor: str, contact_id: uuid.UUID) -> None:
    row = get_row(session, Contact, contact_id, "no such contact on this caseload")
    row.follow_up_done = True
    audited_add(
        session, row, actor=actor, action="update", entity="contact", detail="fields=follow_up_done"
    )
