"""The patient summary: everything mhf holds about one patient, for a subject access
request (a practice has one month to answer) or for the patient to read.

It is complete on purpose: every note version including superseded and entered-in-error
ones, every care plan version, unsaved drafts, rows of any later feature table that
belongs to the patient, and the access history from the audit trail. Nothing about any
other patient is read.

This module gathers the document (`summary_sections` adds the clinical parts);
`summary_render` writes it out, encrypted with age by default.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table
from sqlmodel import Session, col, select

from mhf_tui import __version__
from mhf_tui.db.tables import (
    Contact,
    Draft,
    Note,
    Patient,
    Practice,
    RelatedPerson,
    utcnow,
)
from mhf_tui.db.tables.sync import SyncPatient
from mhf_tui.services.audit import patient_access_history
from mhf_tui.services.consent import ConsentState
from mhf_tui.services.ids import get_row
from mhf_tui.services.retention import owned_tables, ownership_clause, patient_retention
from mhf_tui.services.summary_model import Item, Section, SummaryDocument, label, show
from mhf_tui.services.summary_sections import (
    care_plans_section,
    outcomes_section,
    reviews_section,
    signposting_section,
)
from mhf_tui.services.validation import format_nhs_number

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
                heading=f"{show(contact.occurred_at)}: {label(contact.mode)}",
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
                heading=f"{show(note.written_at)}: {label(note.kind)} note, version {note.version}",
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
                fields=[(label(k), show(v)) for k, v in sorted(draft.fields.items())],
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
    section = Section(label(table.name) + " records")
    hidden = {"patient_id", "change_seq"}
    for row in rows.mappings():
        fields = [(label(k), show(v)) for k, v in row.items() if k not in hidden]
        heading = show(row.get("created_at")) if "created_at" in row else label(table.name)
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
    patient = get_row(session, Patient, patient_id, "no such patient")
    notes, note_count = _notes(session, patient_id)
    plans, plan_count = care_plans_section(session, patient_id)
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
        signposting_section(session, patient_id),
        reviews_section(session, patient_id),
        outcomes_section(session, patient_id),
        _shared_with(session, patient_id),
        *_other_tables(session, patient_id),
        _drafts(session, patient_id),
        history,
    ]
    title = f"Record held about {patient.given_name} {patient.family_name}"
    counts = {"notes": note_count, "care_plans": plan_count, "audit_events": event_count}
    return SummaryDocument(title, sections, counts)
