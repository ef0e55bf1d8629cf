"""The subject access summary's clinical sections: care plans (every version), signposting,
reviews with their answers, and outcome measures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import (
    CarePlan,
    Service,
    Signposting,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.errors import MhfError
from mhf_tui.services.summary_model import Item, Section, show


def _goals_text(goals: Sequence[dict[str, Any]]) -> str:
    """Goals as saved (scores over time are in the outcomes section; plans saved before
    those kept one score in the goal)."""
    lines = []
    for goal in goals:
        extra = [f"target: {show(goal.get('target_on'))}", f"status: {show(goal.get('status'))}"]
        if goal.get("score") is not None:
            extra.append(f"score: {goal['score']} of 10")
        lines.append(f"- {goal.get('goal', '')} ({', '.join(extra)})")
    return "\n".join(lines)


def _contacts_text(contacts: Sequence[dict[str, Any]] | None) -> str:
    return "\n".join(
        f"- {c.get('name', '')} ({show(c.get('relationship'))}): {c.get('phone', '')}"
        for c in contacts or []
    )


def _services_text(session: Session, service_ids: Sequence[str] | None) -> str:
    lines = []
    for service_id in service_ids or []:
        service = session.get(Service, uuid.UUID(service_id))
        lines.append(f"- {service.name}: {service.phone}" if service else f"- {service_id}")
    return "\n".join(lines)


def _actions_text(actions: Sequence[dict[str, Any]]) -> str:
    lines = []
    for action in actions:
        done = "done" if action.get("done") else "open"
        lines.append(
            f"- {action.get('action', '')} (owner: {show(action.get('owner'))}, "
            f"due: {show(action.get('due'))}, {done})"
        )
    return "\n".join(lines)


def care_plans_section(session: Session, patient_id: uuid.UUID) -> tuple[Section, int]:
    plans = list(
        session.exec(
            select(CarePlan)
            .where(CarePlan.patient_id == patient_id)
            .order_by(col(CarePlan.created_at), col(CarePlan.version))
        )
    )
    latest: dict[uuid.UUID, int] = {}
    for plan in plans:
        latest[plan.lineage_id] = max(latest.get(plan.lineage_id, 0), plan.version)
    section = Section("Care plans", intro="Every saved version is shown, oldest first.")
    for plan in plans:
        flag = "" if plan.version == latest[plan.lineage_id] else "SUPERSEDED by a later version"
        section.items.append(
            Item(
                heading=f"{show(plan.created_at)}: care plan version {plan.version}",
                fields=[
                    ("Goals", _goals_text(plan.goals) or "-"),
                    ("Actions", _actions_text(plan.actions) or "-"),
                    ("Needs", "; ".join(plan.needs or []) or "-"),
                    ("Early warning signs", show(plan.early_warning_signs)),
                    ("What helps", show(plan.what_helps)),
                    ("Crisis contacts", _contacts_text(plan.crisis_contacts) or "-"),
                    ("Crisis services", _services_text(session, plan.crisis_services) or "-"),
                    ("Crisis plan", show(plan.crisis_plan)),
                    ("Contingency plan", show(plan.contingency_plan)),
                    ("Review on", show(plan.review_on)),
                    ("Written by", show(plan.author)),
                ],
                flag=flag,
            )
        )
    return section, len(plans)


def signposting_section(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(Signposting, Service)
        .join(Service, col(Service.id) == col(Signposting.service_id))
        .where(Signposting.patient_id == patient_id)
        .order_by(col(Signposting.signposted_on))
    )
    section = Section("Signposting to other services")
    for sign, service in rows:
        section.items.append(
            Item(
                heading=f"{show(sign.signposted_on)}: {service.name}",
                fields=[
                    ("Service type", show(service.category)),
                    ("Status", show(sign.status)),
                    ("Follow-up on", show(sign.follow_up_on)),
                    ("Outcome", show(sign.outcome_note)),
                    ("Recorded by", show(sign.author)),
                ],
            )
        )
    return section


def _template_labels() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Template titles and item labels of the shipped templates (ids if unavailable)."""
    from mhf_tui.services.templates import load_templates

    try:
        templates = load_templates()
    except MhfError:
        return {}, {}
    titles = {t.id: t.title for t in templates}
    items = {(t.id, i.id): i.label for t in templates for i in t.items}
    return titles, items


def reviews_section(session: Session, patient_id: uuid.UUID) -> Section:
    reviews = list(
        session.exec(
            select(Review).where(Review.patient_id == patient_id).order_by(col(Review.performed_on))
        )
    )
    answers = list(
        session.exec(
            select(ReviewAnswer)
            .where(ReviewAnswer.patient_id == patient_id)
            .order_by(col(ReviewAnswer.recorded_at), col(ReviewAnswer.version))
        )
    )
    titles, labels = _template_labels()
    section = Section(
        "Reviews (physical health, medication, care plan)",
        intro="Every answer is shown, including answers later changed or withdrawn.",
    )
    for review in reviews:
        latest: dict[uuid.UUID, int] = {}
        mine = [a for a in answers if a.review_id == review.id]
        for answer in mine:
            latest[answer.lineage_id] = max(latest.get(answer.lineage_id, 0), answer.version)
        lines = []
        for answer in mine:
            label = labels.get((review.template_id, answer.item_id), answer.item_id)
            value = f"{answer.value} {answer.unit}".strip() or "-"
            notes = []
            if answer.entered_in_error:
                notes.append("ENTERED IN ERROR")
            elif answer.version < latest[answer.lineage_id]:
                notes.append("superseded")
            if answer.amend_reason:
                notes.append(f"amended: {answer.amend_reason}")
            suffix = f" [{'; '.join(notes)}]" if notes else ""
            lines.append(
                f"{label}: {value} (observed {show(answer.observed_on)}, "
                f"by {show(answer.author)}){suffix}"
            )
        section.items.append(
            Item(
                heading=f"{show(review.performed_on)}: "
                f"{titles.get(review.template_id, review.template_id)}",
                fields=[
                    ("Status", show(review.status)),
                    ("Completed", show(review.completed_at)),
                    ("Next due", show(review.next_due_on)),
                    ("Recorded by", show(review.author)),
                ],
                body="\n".join(lines),
            )
        )
    return section


def outcomes_section(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(OutcomeMeasure)
        .where(OutcomeMeasure.patient_id == patient_id)
        .order_by(col(OutcomeMeasure.taken_on), col(OutcomeMeasure.created_at))
    )
    names = {"phq9": "PHQ-9", "gad7": "GAD-7", "gbo": "Goal-based outcome"}
    section = Section("Outcome measures (questionnaires and goal scores)")
    for row in rows:
        fields = [
            ("Total", show(row.total)),
            ("Band", show(row.band)),
            ("Answer to each question", show(row.items)),
            ("Recorded by", show(row.author)),
        ]
        if row.measure == "phq9":  # only the PHQ-9 asks about self-harm (its item 9)
            item9 = "Item 9 (better off dead or self-harm) above 0"
            fields.insert(3, (item9, show(row.risk_prompt)))
        if row.goal_text:
            fields.insert(0, ("Goal", row.goal_text))
        section.items.append(
            Item(
                heading=f"{show(row.taken_on)}: {names.get(row.measure, row.measure)}",
                fields=fields,
            )
        )
    return section
