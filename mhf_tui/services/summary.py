"""The patient summary: everything mhf holds about one patient, for a subject access
request (a practice has one month to answer) or for the patient to read.

It is complete on purpose: every note version including superseded and entered-in-error
ones, every care plan version, unsaved drafts, rows of any later feature table that
belongs to the patient, and the access history from the audit trail. Nothing about any
other patient is read.

The document leaves the vault, so by default it is encrypted with age (to a passphrase
or to recipients' public keys); a readable file needs an explicit `plaintext=True`.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pyrage
from sqlalchemy import Table
from sqlmodel import Session, col, select

from mhf_tui import __version__
from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Draft,
    Note,
    Patient,
    Practice,
    RelatedPerson,
    Service,
    Signposting,
    utcnow,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.db.tables.sync import SyncPatient
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.paths import write_private
from mhf_tui.services.audit import patient_access_history, record_event
from mhf_tui.services.consent import ConsentState
from mhf_tui.services.retention import owned_tables, ownership_clause, patient_retention
from mhf_tui.services.validation import format_nhs_number

Format = Literal["html", "text"]
FORMATS: tuple[Format, ...] = ("html", "text")

#: Tables with their own section below; any other table holding the patient's rows is
#: shown generically so a new feature's data is never silently left out.
SECTIONED_TABLES = frozenset(
    {
        "patient",
        "related_person",
        "contact",
        "note",
        "care_plan",
        "signposting",
        "draft",
        "review",
        "review_answer",
        "outcome_measure",
        "sync_patient",
    }
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Item:
    """One thing held: a heading, labelled fields and optional free text."""

    heading: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    flag: str = ""  #: e.g. "ENTERED IN ERROR", shown prominently


@dataclass
class Section:
    title: str
    intro: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    empty: str = "None recorded."

    def is_empty(self) -> bool:
        return not (self.fields or self.items or self.table_rows)


@dataclass
class SummaryDocument:
    title: str
    sections: list[Section]
    counts: dict[str, int]


def show(value: Any) -> str:
    """A stored value as a reader would want to see it."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _patient_sections(session: Session, patient: Patient) -> list[Section]:
    practice = session.get(Practice, patient.practice_id)
    practice_name = f"{practice.name} ({practice.ods_code})" if practice else "-"
    details = Section(
        "Personal details",
        fields=[
            ("NHS number", format_nhs_number(patient.nhs_number) or "-"),
            ("Family name", show(patient.family_name)),
            ("Given name", show(patient.given_name)),
            ("Date of birth", show(patient.date_of_birth)),
            ("Sex", show(patient.sex)),
            ("Gender identity", show(patient.gender_identity)),
            ("Pronouns", show(patient.pronouns)),
            ("Phone", show(patient.phone)),
            ("Other phone", show(patient.phone_alt)),
            ("Address", show(patient.address)),
            ("Postcode", show(patient.postcode)),
            ("Preferred contact", show(patient.preferred_contact)),
            ("GP practice", practice_name),
            ("Usual GP", show(patient.usual_gp)),
            ("Care cluster", show(patient.care_cluster)),
            ("On the SMI register", show(patient.smi_register)),
            ("Raised cardiovascular risk", show(patient.raised_cv_risk)),
            ("Interpreter needs", show(patient.interpreter_needs)),
            ("Accessibility needs", show(patient.accessibility_needs)),
            ("Record created", show(patient.created_at)),
            ("Record last changed", show(patient.updated_at)),
            ("Record id", show(patient.id)),
        ],
    )
    alerts = Section(
        "Alerts",
        fields=[
            ("Risk", show(patient.alert_risk)),
            ("Safeguarding", show(patient.alert_safeguarding)),
            ("Lone worker", show(patient.alert_lone_worker)),
            ("Do not text", show(patient.alert_do_not_text)),
            ("Alert note", show(patient.alert_note)),
        ],
    )
    consent = ConsentState.of(patient)
    consent_section = Section(
        "Consent and sharing decisions",
        fields=[
            ("Sharing with the GP practice", consent.describe_sharing()),
            ("Reason given for objecting", show(consent.share_objection_reason)),
            ("Contact with carers and family", consent.describe_carer_contact()),
        ],
    )
    dates = patient_retention(session, patient)
    status = Section(
        "Care status and how long this record is kept",
        intro=(
            "Records are kept for the minimum periods in the NHS Records Management Code of "
            "Practice 2021 and then securely destroyed."
        ),
        fields=[
            ("Status", show(patient.status)),
            ("Discharged on", show(patient.discharged_on)),
            ("Date of death", show(patient.date_of_death)),
            (
                "Kept until at least",
                show(dates.destroy_after) if dates.destroy_after else "while care continues",
            ),
            ("Rule", dates.rule),
        ],
    )
    return [details, alerts, consent_section, status]


def _related_people(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(RelatedPerson)
        .where(RelatedPerson.patient_id == patient_id)
        .order_by(col(RelatedPerson.created_at))
    )
    section = Section("Related people (carers, family, professionals)")
    for person in rows:
        section.items.append(
            Item(
                heading=person.name,
                fields=[
                    ("Relationship", show(person.relationship)),
                    ("Role", show(person.role)),
                    ("Organisation", show(person.organisation)),
                    ("Phone", show(person.phone)),
                    ("Email", show(person.email)),
                    ("Patient consents to contact", show(person.consent_to_contact)),
                    ("Patient consents to sharing", show(person.consent_to_share)),
                    (
                        "Consent recorded",
                        f"{show(person.consent_on)} by {show(person.consent_recorded_by)}",
                    ),
                    ("Recorded", show(person.created_at)),
                ],
                body=person.notes,
            )
        )
    return section


def _contacts(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(Contact).where(Contact.patient_id == patient_id).order_by(col(Contact.occurred_at))
    )
    section = Section("Contacts (appointments, calls and visits)")
    for contact in rows:
        section.items.append(
            Item(
                heading=f"{show(contact.occurred_at)}: {_label(contact.mode)}",
                fields=[
                    ("Duration (minutes)", show(contact.duration_minutes)),
                    ("Location", show(contact.location)),
                    ("Reason", show(contact.reason)),
                    ("Outcome", show(contact.outcome)),
                    ("Follow-up on", show(contact.follow_up_on)),
                    ("Follow-up done", show(contact.follow_up_done)),
                    ("Recorded by", show(contact.author)),
                ],
            )
        )
    return section


def _notes(session: Session, patient_id: uuid.UUID) -> tuple[Section, int]:
    notes = list(session.exec(select(Note).where(Note.patient_id == patient_id)))
    first_written: dict[uuid.UUID, datetime] = {}
    latest: dict[uuid.UUID, int] = {}
    for note in notes:
        if note.lineage_id not in first_written or note.written_at < first_written[note.lineage_id]:
            first_written[note.lineage_id] = note.written_at
        latest[note.lineage_id] = max(latest.get(note.lineage_id, 0), note.version)
    notes.sort(key=lambda n: (first_written[n.lineage_id], str(n.lineage_id), n.version))
    section = Section(
        "Notes",
        intro=(
            "Every version of every note is shown. Notes are never changed or deleted: a "
            "correction is a new version, and a note entered in error is kept and marked."
        ),
    )
    for note in notes:
        if note.entered_in_error:
            flag = "ENTERED IN ERROR"
        elif note.version < latest[note.lineage_id]:
            flag = "SUPERSEDED by a later version"
        else:
            flag = ""
        section.items.append(
            Item(
                heading=f"{show(note.written_at)}: {_label(note.kind)} note, version "
                f"{note.version}",
                fields=[
                    ("Written by", show(note.author)),
                    ("Reason given for the change", show(note.amend_reason)),
                    ("Note id", show(note.id)),
                    ("Replaces", show(note.replaces_id)),
                ],
                body=note.text,
                flag=flag,
            )
        )
    return section, len(notes)


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


def _care_plans(session: Session, patient_id: uuid.UUID) -> tuple[Section, int]:
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


def _signposting(session: Session, patient_id: uuid.UUID) -> Section:
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


def _reviews(session: Session, patient_id: uuid.UUID) -> Section:
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


def _outcomes(session: Session, patient_id: uuid.UUID) -> Section:
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


def _shared_with(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(SyncPatient, Practice)
        .join(Practice, col(Practice.id) == col(SyncPatient.practice_id))
        .where(SyncPatient.patient_id == patient_id)
    )
    section = Section(
        "Sent to GP practices",
        intro="Practices this record has been sent to in a sync file, for direct care.",
    )
    for sent, practice in rows:
        section.items.append(
            Item(
                heading=f"{practice.name} ({practice.ods_code})",
                fields=[
                    ("First sent in sync file number", show(sent.first_export_number)),
                    ("Practice confirmed receipt", show(sent.acked)),
                ],
            )
        )
    return section


def _drafts(session: Session, patient_id: uuid.UUID) -> Section:
    rows = session.exec(
        select(Draft).where(Draft.patient_id == patient_id).order_by(col(Draft.updated_at))
    )
    section = Section(
        "Unsaved drafts",
        intro="Text typed but not yet saved as a note (kept so it survives a crash).",
    )
    for draft in rows:
        section.items.append(
            Item(
                heading=f"{show(draft.updated_at)}: draft {draft.kind}",
                fields=[(_label(k), show(v)) for k, v in sorted(draft.fields.items())],
                body=draft.text,
            )
        )
    return section


def _other_tables(session: Session, patient_id: uuid.UUID) -> list[Section]:
    """Rows of feature tables without a section of their own (reviews, outcomes...)."""
    sections = []
    for table in reversed(owned_tables()):
        if table.name in SECTIONED_TABLES:
            continue
        sections.append(_generic_section(session, table, patient_id))
    return sections


def _generic_section(session: Session, table: Table, patient_id: uuid.UUID) -> Section:
    clause = ownership_clause(table, [patient_id])
    assert clause is not None
    order = [c for c in (table.c.get("created_at"), table.c.get("id")) if c is not None]
    rows = session.connection().execute(table.select().where(clause).order_by(*order))
    section = Section(_label(table.name) + " records")
    hidden = {"patient_id", "change_seq"}
    for row in rows.mappings():
        fields = [(_label(k), show(v)) for k, v in row.items() if k not in hidden]
        heading = show(row.get("created_at")) if "created_at" in row else _label(table.name)
        section.items.append(Item(heading=heading, fields=fields))
    return section


def _access_history(session: Session, patient_id: uuid.UUID) -> tuple[Section, int]:
    events = patient_access_history(session, patient_id=patient_id)
    section = Section(
        "Who has looked at or changed this record",
        intro="From the tamper-evident audit trail kept by mhf on this device.",
        table_header=["When", "Who", "What", "Part of the record", "Details"],
    )
    for event in events:
        section.table_rows.append(
            [show(event.at), event.actor, event.action, event.entity, event.detail or "-"]
        )
    return section, len(events)


def build_summary(session: Session, *, patient_id: uuid.UUID, actor: str) -> SummaryDocument:
    """Everything held about one patient as a document model (rendered by
    `render_html`/`render_text`). Reads only this patient's rows."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise MhfError("no such patient")
    notes, note_count = _notes(session, patient_id)
    plans, plan_count = _care_plans(session, patient_id)
    history, event_count = _access_history(session, patient_id)
    about = Section(
        "About this document",
        intro=(
            "This is a copy of everything the mental health facilitator's caseload tool "
            "(mhf) holds about you on this device. Ask the facilitator or your GP practice "
            "if anything is wrong or unclear: you can ask for it to be corrected."
        ),
        fields=[
            ("Produced", show(utcnow())),
            ("Produced by", actor),
            ("Software", f"mhf {__version__}"),
        ],
    )
    sections = [
        about,
        *_patient_sections(session, patient),
        _related_people(session, patient_id),
        _contacts(session, patient_id),
        notes,
        plans,
        _signposting(session, patient_id),
        _reviews(session, patient_id),
        _outcomes(session, patient_id),
        _shared_with(session, patient_id),
        *_other_tables(session, patient_id),
        _drafts(session, patient_id),
        history,
    ]
    title = f"Record held about {patient.given_name} {patient.family_name}"
    counts = {"notes": note_count, "care_plans": plan_count, "audit_events": event_count}
    return SummaryDocument(title, sections, counts)


def _clean(text: str) -> str:
    """Free text without terminal control or bidi-override characters."""
    return _CONTROL.sub("\ufffd", text)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #111; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #005eb8; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: 600; } dd { margin: 0; white-space: pre-wrap; }
.item { border-left: 4px solid #ccc; padding: .2em .8em; margin: 1em 0; }
.flag { font-weight: 700; color: #8a1538; }
.body { white-space: pre-wrap; background: #f4f4f4; padding: .5em; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
td, th { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; }
@media print { .item { break-inside: avoid; } }
"""


def render_html(doc: SummaryDocument) -> str:
    """A standalone HTML page; every stored value is escaped, no scripts or remote
    content are allowed by its content security policy."""

    def e(value: str) -> str:
        return html.escape(_clean(value), quote=True)

    def fields_html(fields: Iterable[tuple[str, str]]) -> str:
        inner = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in fields)
        return f"<dl>{inner}</dl>" if inner else ""

    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for section in doc.sections:
        out.append(f"<section><h2>{e(section.title)}</h2>")
        if section.intro:
            out.append(f"<p>{e(section.intro)}</p>")
        out.append(fields_html(section.fields))
        for item in section.items:
            out.append('<div class="item">')
            out.append(f"<h3>{e(item.heading)}</h3>")
            if item.flag:
                out.append(f'<p class="flag">{e(item.flag)}</p>')
            out.append(fields_html(item.fields))
            if item.body:
                out.append(f'<div class="body">{e(item.body)}</div>')
            out.append("</div>")
        if section.table_rows:
            head = "".join(f"<th>{e(h)}</th>" for h in section.table_header)
            body = "".join(
                "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                for row in section.table_rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if section.is_empty():
            out.append(f"<p>{e(section.empty)}</p>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_text(doc: SummaryDocument) -> str:
    """Plain text for printing or a screen reader; control characters are replaced so
    the file is safe to `cat` in a terminal."""

    def indent(text: str, prefix: str) -> str:
        return "\n".join(prefix + line for line in _clean(text).splitlines() or [""])

    out = [_clean(doc.title), "=" * len(doc.title), ""]
    for section in doc.sections:
        out += [_clean(section.title), "-" * len(section.title)]
        if section.intro:
            out.append(_clean(section.intro))
        for key, value in section.fields:
            out.append(f"{_clean(key)}: " + indent(value, "    ").lstrip())
        for item in section.items:
            out.append("")
            out.append(f"* {_clean(item.heading)}")
            if item.flag:
                out.append(f"  [{_clean(item.flag)}]")
            for key, value in item.fields:
                out.append(f"  {_clean(key)}: " + indent(value, "      ").lstrip())
            if item.body:
                out.append("  Text:")
                out.append(indent(item.body, "    | "))
        if section.table_rows:
            out.append(" | ".join(section.table_header))
            out.extend(" | ".join(_clean(c) for c in row) for row in section.table_rows)
        if section.is_empty():
            out.append(section.empty)
        out.append("")
    return "\n".join(out)


def parse_recipients(values: Iterable[str]) -> list[Any]:
    """age X25519 (`age1...`) or SSH public keys, as given to `--to`."""
    recipients: list[Any] = []
    for raw in values:
        value = raw.strip()
        try:
            if value.startswith("age1"):
                recipients.append(pyrage.x25519.Recipient.from_str(value))
            elif value.startswith("ssh-"):
                recipients.append(pyrage.ssh.Recipient.from_str(value))
            else:
                raise ValidationError("a recipient is an age public key (age1...) or SSH key")
        except pyrage.RecipientError:
            raise ValidationError("not a valid age recipient (public key)") from None
    return recipients


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int
    protection: str  #: "passphrase", "recipients" or "plaintext"
    counts: dict[str, int]


def export_summary(
    session: Session,
    *,
    patient_id: uuid.UUID,
    actor: str,
    out: Path,
    fmt: Format = "html",
    passphrase: str | None = None,
    recipients: Sequence[str] = (),
    plaintext: bool = False,
    overwrite: bool = False,
) -> ExportResult:
    """Write the summary to `out`: age-encrypted to `passphrase` or `recipients`, or
    readable only when `plaintext` is asked for. Audited (format and protection only)
    before rendering, so the access history in the document includes this export."""
    if fmt not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}")
    chosen = [bool(passphrase), bool(recipients), plaintext]
    if sum(chosen) == 0:
        raise ValidationError(
            "the summary leaves the vault: give a passphrase or a recipient to encrypt it "
            "to, or ask explicitly for a plaintext file"
        )
    if sum(chosen) > 1:
        raise ValidationError("choose one of: passphrase, recipients, plaintext")
    parsed = parse_recipients(recipients) if recipients else []
    if out.exists() and not overwrite:
        raise ValidationError(f"{out.name} already exists; choose another file name")
    if not out.parent.is_dir():
        raise ValidationError("the folder to write the summary into does not exist")
    protection = "passphrase" if passphrase else "recipients" if parsed else "plaintext"
    record_event(
        session,
        actor=actor,
        action="export",
        entity="patient_summary",
        entity_id=patient_id,
        patient_id=patient_id,
        detail=json.dumps({"format": fmt, "protection": protection, "recipients": len(parsed)}),
    )
    doc = build_summary(session, patient_id=patient_id, actor=actor)
    rendered = (render_html(doc) if fmt == "html" else render_text(doc)).encode("utf-8")
    if passphrase:
        payload = pyrage.passphrase.encrypt(rendered, passphrase)
    elif parsed:
        payload = pyrage.encrypt(rendered, parsed)
    else:
        payload = rendered
    write_private(out, payload)
    return ExportResult(out, len(payload), protection, doc.counts)
