"""The review form's data side: the templates in use, loading a review (or a new one) into
the form, and saving it in one unit of work. Items a patient is not eligible for (screening
prompts by sex and age) are left off a new form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from mhf_tui.errors import MhfError

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.templates import ReviewTemplate, TemplateItem, TemplateSet
    from mhf_tui.ui.app import MhfApp

_TEMPLATES: dict[str, TemplateSet] = {}


def ui_templates(app: MhfApp) -> TemplateSet:
    """The templates for this data dir (shipped plus the user's), loaded once per run.
    Raises `TemplateError` (an MhfError) naming a malformed file."""
    from mhf_tui.services.templates import load_templates

    key = str(app.data.templates)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = load_templates(app.data.templates)
    return _TEMPLATES[key]


@dataclass
class FormData:
    title: str
    template: ReviewTemplate
    review_id: uuid.UUID | None
    status: str
    performed_on: date | None
    values: dict[str, str]
    labels: dict[str, str]
    draft_values: dict[str, str] = field(default_factory=dict)
    draft_id: uuid.UUID | None = None


def display_value(item: TemplateItem, value: str) -> str:
    if item.type == "choice":
        choice = item.choice(value)
        return choice.label if choice else value
    return value


@dataclass(frozen=True)
class FormScope:
    """What opening and saving a review form both need: whose review, who is working on
    it, and which review and draft (None: a new one, no draft)."""

    patient_id: uuid.UUID
    actor: str
    review_id: uuid.UUID | None
    draft_id: uuid.UUID | None


def load_form(
    session: Session, templates: TemplateSet, scope: FormScope, *, template_id: str | None
) -> FormData:
    from mhf_tui.services import drafts, patients
    from mhf_tui.services.retention import ensure_patient_editable
    from mhf_tui.services.reviews import open_review, review_detail

    patient_id, actor = scope.patient_id, scope.actor
    review_id, draft_id = scope.review_id, scope.draft_id
    patient = patients.get_patient(session, patient_id=patient_id)
    if review_id is None and template_id is not None:
        existing = open_review(session, patient_id=patient_id, template_id=template_id)
        review_id = existing.id if existing else None
    values: dict[str, str] = {}
    labels: dict[str, str] = {}
    status, performed_on = "new", None
    if review_id is not None:
        detail = review_detail(session, review_id=review_id, templates=templates, actor=actor)
        template = detail.template
        status, performed_on = detail.review.status, detail.review.performed_on
        for view in detail.answers:
            if view.answer is not None:
                values[view.item.id] = view.answer.value
                labels[view.item.id] = view.display
    else:
        if template_id is None:
            raise MhfError("no review template chosen")
        template = templates.get(template_id)
    today = date.today()
    age = (
        today.year
        - patient.date_of_birth.year
        - ((today.month, today.day) < (patient.date_of_birth.month, patient.date_of_birth.day))
    )
    shown = tuple(
        i for i in template.items if i.applies(sex=patient.sex, age=age) or i.id in values
    )
    template = template.model_copy(update={"items": shown})
    # a closed record takes no new review; amending a completed one is a correction
    ensure_patient_editable(session, patient_id=patient_id, correction=status == "completed")
    draft_values: dict[str, str] = {}
    if draft_id is not None:
        draft = drafts.get_draft(session, draft_id=draft_id)
        if draft is not None:
            draft_values = {str(k): str(v) for k, v in dict(draft.fields.get("values", {})).items()}
    title = f"{template.title} · {patient.display_name} · NHS {patient.nhs_number_formatted}"
    return FormData(
        title=title,
        template=template,
        review_id=review_id,
        status=status,
        performed_on=performed_on,
        values=values,
        labels=labels,
        draft_values=draft_values,
        draft_id=draft_id,
    )


@dataclass(frozen=True)
class Saved:
    review_id: uuid.UUID
    written: int
    completed: bool
    next_due_on: date | None


def save_form(
    session: Session,
    templates: TemplateSet,
    scope: FormScope,
    template: ReviewTemplate,
    answers: dict[str, str],
    *,
    today: date,
    complete: bool,
    reason: str,
) -> Saved:
    """One unit of work: start the review if needed, store changed answers, complete."""
    from mhf_tui.services import drafts
    from mhf_tui.services.reviews import answer_items, complete_review, start_review

    patient_id, actor = scope.patient_id, scope.actor
    review_id, draft_id = scope.review_id, scope.draft_id
    if review_id is None:
        review = start_review(
            session, patient_id=patient_id, template=template, actor=actor, performed_on=today
        )
        review_id = review.id
    written = answer_items(
        session,
        review_id=review_id,
        answers=answers,
        templates=templates,
        actor=actor,
        amend_reason=reason,
    )
    next_due = None
    if complete:
        next_due = complete_review(
            session, review_id=review_id, templates=templates, actor=actor
        ).next_due_on
    if draft_id is not None:
        drafts.delete_draft(session, draft_id=draft_id)
    return Saved(review_id, len(written), complete, next_due)


def formula_values(template: ReviewTemplate, typed: dict[str, str]) -> dict[str, str]:
    """Values for blank formula items worked out from what is typed (BMI from weight and
    height); a result outside the item's range is not filled in (saving says why)."""
    from mhf_tui.services.templates import clean_answer, computed_answers

    found = computed_answers(template, typed)
    for item_id, value in list(found.items()):
        try:
            clean_answer(template.item(item_id), value)
        except MhfError:
            del found[item_id]
    return found
