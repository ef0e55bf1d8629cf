"""What the next sync file for a practice carries, as a stream of FHIR resources.

Rows of that practice's patients who have not objected to sharing, changed since the
practice's last acknowledged `change_seq`; patients the practice has not yet acknowledged
receiving (new, moved in, sharing again) go in full. Unacknowledged data is sent again next
time (at-least-once); the practice's import is idempotent. Notes, by far the most rows, are
read and turned into resources one at a time, so memory does not grow with them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import String, func, literal_column, type_coerce
from sqlmodel import Session, col, select

from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Note,
    Patient,
    Practice,
    Service,
    Signposting,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.db.tables.sync import SyncPatient
from mhf_tui.sync import fhir, fhir_clinical, fhir_team
from mhf_tui.sync.device import load_device
from mhf_tui.sync.profile import read_profile

#: progress(fraction 0..1, what is happening); called from the exporting thread
Progress = Callable[[float, str], None]


@dataclass
class Selection:
    """What one export covers: the change range, and (filled as resources are produced)
    the patients it carries."""

    practice: Practice
    since: int
    upto: int
    team: fhir_team.Team
    patient_ids: set[uuid.UUID] = field(default_factory=set)
    withheld_objection: int = 0


def in_scope(model: Any, practice: Practice, since: int) -> Any:
    """Rows of this practice's sharing patients that changed since the ack, or that belong
    to a patient the practice has not acknowledged receiving."""
    acked = select(SyncPatient.patient_id).where(
        SyncPatient.practice_id == practice.id, col(SyncPatient.acked).is_(True)
    )
    changed = col(model.change_seq) > since
    return (
        (col(Patient.practice_id) == practice.id)
        & col(Patient.share_with_practice).is_(True)
        & (changed | col(Patient.id).not_in(acked))
    )


def _rows(session: Session, model: Any, practice: Practice, since: int) -> list[Any]:
    stmt = select(model).where(in_scope(model, practice, since))
    if model is not Patient:
        stmt = stmt.join(Patient, col(model.patient_id) == col(Patient.id))
    return list(session.exec(stmt.order_by(col(model.change_seq))))


def _replaced_ids(session: Session, model: Any, practice: Practice) -> set[str]:
    """Ids of this practice's versions that a later version replaces."""
    return {
        str(rid)
        for rid in session.exec(
            select(col(model.replaces_id))
            .join(Patient, col(model.patient_id) == col(Patient.id))
            .where(col(Patient.practice_id) == practice.id, col(model.replaces_id).is_not(None))
        )
    }


def _missing_replaced(rows: list[Any]) -> list[uuid.UUID]:
    """The versions that rows replace but that are not among them (to send as superseded)."""
    have = {str(r.id) for r in rows}
    return [
        uuid.UUID(str(r.replaces_id))
        for r in rows
        if r.replaces_id and str(r.replaces_id) not in have
    ]


def _chunks(ids: list[uuid.UUID], size: int = 500) -> list[list[uuid.UUID]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _care_plans(session: Session, practice: Practice, since: int) -> list[CarePlan]:
    rows = _rows(session, CarePlan, practice, since)
    for chunk in _chunks(_missing_replaced(rows)):
        rows.extend(session.exec(select(CarePlan).where(col(CarePlan.id).in_(chunk))))
    return rows


@dataclass(slots=True)
class NoteRow:
    """A note version as plain values: building 50,000 ORM objects costs more than the rest
    of the export, so bulk note reads skip the ORM (see `_note_rows`)."""

    id: str
    patient_id: str
    contact_id: str | None
    lineage_id: str
    version: int
    replaces_id: str | None
    kind: str
    text: str
    author: str
    written_at: str
    entered_in_error: bool
    amend_reason: str


_NOTE_UUIDS = {"id", "patient_id", "contact_id", "lineage_id", "replaces_id"}


def _note_column(name: str) -> Any:
    """The column as stored, a UUID already in its dashed text form (done by SQLite:
    formatting 250,000 UUIDs in Python costs more than reading them)."""
    if name not in _NOTE_UUIDS:
        return type_coerce(literal_column(f"note.{name}"), String)
    h = f"note.{name}"
    parts = [f"substr({h}, {a}, {n})" for a, n in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
    return literal_column(" || '-' || ".join(parts), String)


def _note_rows(session: Session, where: Any) -> Iterator[NoteRow]:
    table: Any = Note.__table__  # type: ignore[attr-defined]
    stmt = (
        select(*(_note_column(f.name) for f in fields(NoteRow)))
        .select_from(table.join(Patient, table.c.patient_id == col(Patient.id)))
        .where(where)
    )
    for raw in session.connection().execute(stmt):
        yield NoteRow(*raw)


def _notes(session: Session, practice: Practice, since: int) -> Iterator[NoteRow]:
    """In-scope note versions as they are read, then the versions they replace that were
    not among them (sent again as superseded)."""
    have: set[str] = set()
    replaces: set[str] = set()
    for row in _note_rows(session, in_scope(Note, practice, since)):
        have.add(row.id)
        if row.replaces_id:
            replaces.add(row.replaces_id)
        yield row
    missing = [uuid.UUID(rid) for rid in sorted(replaces - have)]
    for chunk in _chunks(missing):
        yield from _note_rows(session, col(Note.id).in_(chunk))


def withheld_count(session: Session, practice: Practice) -> int:
    """The practice's patients who objected to sharing (left out, and counted)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Patient)
            .where(
                col(Patient.practice_id) == practice.id,
                col(Patient.share_with_practice).is_(False),
            )
        ).one()
    )


def changed_resources(
    session: Session, sel: Selection, progress: Progress | None = None
) -> Iterator[fhir.Resource]:
    """Everything the next sync file for `sel.practice` carries (no Provenance), one
    resource at a time; fills `sel.patient_ids` and `sel.withheld_objection` as it goes."""
    practice, since, team = sel.practice, sel.since, sel.team
    step = _stepper(progress, 0.0, 0.9, 7)
    sel.withheld_objection = withheld_count(session, practice)
    ods, name = practice.ods_code, practice.name
    for p in _rows(session, Patient, practice, since):
        yield fhir.patient_resource(p, ods, name)
        sel.patient_ids.add(p.id)
    step("patients")
    for c in _rows(session, Contact, practice, since):
        yield fhir.contact_resource(c, ods, team=team)
        sel.patient_ids.add(c.patient_id)
    step("contacts")
    replaced = _replaced_ids(session, Note, practice)
    for n in _notes(session, practice, since):
        yield fhir.document_reference(n, superseded=n.id in replaced, team=team)
        sel.patient_ids.add(uuid.UUID(n.patient_id))
    step("notes")
    replaced = _replaced_ids(session, CarePlan, practice)
    service_names = {
        str(sid): f"{name} {phone}".strip()
        for sid, name, phone in session.exec(select(Service.id, Service.name, Service.phone))
    }
    for cp in _care_plans(session, practice, since):
        yield fhir.care_plan_resource(
            cp, superseded=str(cp.id) in replaced, team=team, services=service_names
        )
        sel.patient_ids.add(cp.patient_id)
    step("care plans")
    signposts = _rows(session, Signposting, practice, since)
    services = {
        s.id: s
        for s in session.exec(
            select(Service).where(col(Service.id).in_({sp.service_id for sp in signposts}))
        )
    }
    for sp in signposts:
        yield fhir.service_request(sp, services.get(sp.service_id), team=team)
        sel.patient_ids.add(sp.patient_id)
    step("signposting")
    yield from _review_answers(session, sel, practice, since)
    step("review answers")
    for m in _rows(session, OutcomeMeasure, practice, since):
        yield from fhir_clinical.outcome_resources(m, team=team)
        sel.patient_ids.add(m.patient_id)
    step("outcome measures")


def _review_answers(
    session: Session, sel: Selection, practice: Practice, since: int
) -> Iterator[fhir.Resource]:
    """One Observation per answer lineage, carrying its newest version."""
    latest: dict[uuid.UUID, ReviewAnswer] = {}
    for answer in _rows(session, ReviewAnswer, practice, since):
        held = latest.get(answer.lineage_id)
        if held is None or answer.version > held.version:
            latest[answer.lineage_id] = answer
    review_ids = {a.review_id for a in latest.values()}
    reviews = {r.id: r for r in session.exec(select(Review).where(col(Review.id).in_(review_ids)))}
    uncoded = [a.lineage_id for a in latest.values() if not a.code]
    codes: dict[uuid.UUID, str] = {}
    for chunk in _chunks(uncoded):
        for lineage, code in session.exec(
            select(ReviewAnswer.lineage_id, ReviewAnswer.code)
            .where(col(ReviewAnswer.lineage_id).in_(chunk), ReviewAnswer.code != "")
            .order_by(col(ReviewAnswer.version))
        ):
            codes[lineage] = code  # the newest coded version wins
    sel.patient_ids.update(a.patient_id for a in latest.values())
    yield from fhir_clinical.review_observations(
        latest.values(), reviews, team=sel.team, codes=codes
    )


def load_team(session: Session) -> fhir_team.Team:
    """The facilitator and service the resources are by: this device, and the caseload's
    sync profile (`mhf sync profile`)."""
    device = load_device(session)
    profile = read_profile(session)
    return fhir_team.Team(
        device_id=device.device_id,
        facilitator=device.facilitator,
        registration=profile.registration,
        service=profile.service,
        service_ods=profile.service_ods,
    )


def _stepper(
    progress: Progress | None, start: float, end: float, steps: int
) -> Callable[[str], None]:
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(start + (end - start) * done / steps, what)

    return step
