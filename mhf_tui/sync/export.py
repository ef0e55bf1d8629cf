"""Writing a practice's sync file, and the per-practice sync status.

What goes in: rows of that practice's patients who have not objected to sharing, changed
since the practice's last acknowledged `change_seq`; patients the practice has not yet
acknowledged receiving (new, moved in, sharing again) go in full. Unacknowledged data is
sent again next time (at-least-once); the practice's import is idempotent.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import String, func, literal_column, type_coerce
from sqlmodel import Session, col, select

from mhf_tui.db.session import current_change_seq
from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Note,
    Patient,
    Practice,
    Service,
    Setting,
    Signposting,
    utcnow,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure, Review, ReviewAnswer
from mhf_tui.db.tables.sync import SyncExport, SyncPatient
from mhf_tui.services.audit import record_event
from mhf_tui.sync import fhir, fhir_clinical, fhir_team
from mhf_tui.sync.device import Device, load_device
from mhf_tui.sync.package import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SYNC_SUFFIX,
    SyncError,
    build_tar,
    canonical_json,
    encrypt,
    parse_recipient,
    sha256_hex,
    write_atomic,
)

#: progress(fraction 0..1, what is happening); called from the exporting thread
Progress = Callable[[float, str], None]


@dataclass
class Selection:
    """What one export will carry, before serialisation."""

    practice: Practice
    since: int
    upto: int
    team: fhir_team.Team
    resources: list[fhir.Resource] = field(default_factory=list)
    patient_ids: set[uuid.UUID] = field(default_factory=set)
    withheld_objection: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.resources:
            out[r["resourceType"]] = out.get(r["resourceType"], 0) + 1
        return out


@dataclass(frozen=True)
class ExportResult:
    practice_ods: str
    number: int
    path: Path | None  # None: nothing new, nothing written
    counts: dict[str, int]
    withheld_objection: int
    change_seq_from: int
    change_seq_to: int
    bundle_sha256: str = ""

    @property
    def nothing_new(self) -> bool:
        return self.path is None


def _in_scope(model: Any, practice: Practice, since: int) -> Any:
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
    stmt = select(model).where(_in_scope(model, practice, since))
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


def _note_rows(session: Session, where: Any) -> list[NoteRow]:
    table: Any = Note.__table__  # type: ignore[attr-defined]
    stmt = (
        select(*(_note_column(f.name) for f in fields(NoteRow)))
        .select_from(table.join(Patient, table.c.patient_id == col(Patient.id)))
        .where(where)
    )
    return [NoteRow(*raw) for raw in session.connection().execute(stmt).all()]


def _notes(session: Session, practice: Practice, since: int) -> list[NoteRow]:
    rows = _note_rows(session, _in_scope(Note, practice, since))
    for chunk in _chunks(_missing_replaced(rows)):
        rows.extend(_note_rows(session, col(Note.id).in_(chunk)))
    return rows


def select_changes(
    session: Session, practice: Practice, progress: Progress | None = None
) -> Selection:
    """Everything the next sync file for `practice` carries (no Provenance yet)."""
    since = practice.last_ack_seq
    upto = current_change_seq(session)
    team = load_team(session)
    sel = Selection(practice, since, upto, team)
    step = _stepper(progress, 0.0, 0.6, 7)
    sel.withheld_objection = int(
        session.exec(
            select(func.count())
            .select_from(Patient)
            .where(
                col(Patient.practice_id) == practice.id,
                col(Patient.share_with_practice).is_(False),
            )
        ).one()
    )
    ods, name = practice.ods_code, practice.name
    for p in _rows(session, Patient, practice, since):
        sel.resources.append(fhir.patient_resource(p, ods, name))
        sel.patient_ids.add(p.id)
    step("patients")
    for c in _rows(session, Contact, practice, since):
        sel.resources.append(fhir.contact_resource(c, ods, team=team))
        sel.patient_ids.add(c.patient_id)
    step("contacts")
    replaced = _replaced_ids(session, Note, practice)
    for n in _notes(session, practice, since):
        sel.resources.append(fhir.document_reference(n, superseded=n.id in replaced, team=team))
        sel.patient_ids.add(uuid.UUID(n.patient_id))
    step("notes")
    replaced = _replaced_ids(session, CarePlan, practice)
    for cp in _care_plans(session, practice, since):
        sel.resources.append(
            fhir.care_plan_resource(cp, superseded=str(cp.id) in replaced, team=team)
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
        sel.resources.append(fhir.service_request(sp, services.get(sp.service_id), team=team))
        sel.patient_ids.add(sp.patient_id)
    step("signposting")
    _add_review_answers(session, sel, practice, since)
    step("review answers")
    for m in _rows(session, OutcomeMeasure, practice, since):
        sel.resources.extend(fhir_clinical.outcome_resources(m, team=team))
        sel.patient_ids.add(m.patient_id)
    step("outcome measures")
    return sel


def _add_review_answers(session: Session, sel: Selection, practice: Practice, since: int) -> None:
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
    sel.resources.extend(
        fhir_clinical.review_observations(latest.values(), reviews, team=sel.team, codes=codes)
    )
    sel.patient_ids.update(a.patient_id for a in latest.values())


def load_team(session: Session) -> fhir_team.Team:
    """The facilitator and service the resources are by, from this device and the
    caseload's settings (`facilitator_registration`, `service_name`, `service_ods`)."""
    device = load_device(session)
    return fhir_team.Team(
        device_id=device.device_id,
        facilitator=device.facilitator,
        registration=_setting(session, "facilitator_registration"),
        service=_setting(session, "service_name"),
        service_ods=_setting(session, "service_ods"),
    )


def _setting(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row else ""


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


def export_practice(
    session: Session,
    *,
    ods: str,
    out_dir: Path,
    actor: str,
    progress: Progress | None = None,
) -> ExportResult:
    """Write `<ODS>-<n>.mhfsync` into `out_dir` and record it, or write nothing if nothing
    changed since the last acknowledged export."""
    practice = session.exec(select(Practice).where(Practice.ods_code == ods.upper())).first()
    if practice is None:
        raise SyncError(f"no practice with ODS code {ods}")
    if not practice.recipient:
        raise SyncError(
            f"practice {practice.ods_code} has no sync recipient: ask the practice for the key "
            f"from `mhf practice keygen`, then `mhf sync recipient {practice.ods_code} age1...`"
        )
    recipient = parse_recipient(practice.recipient)
    device = load_device(session)
    sel = select_changes(session, practice, progress)
    if not sel.resources:
        return ExportResult(
            practice.ods_code,
            practice.last_export_number,
            None,
            {},
            sel.withheld_objection,
            sel.since + 1,
            sel.upto,
        )
    number = practice.last_export_number + 1
    now = utcnow()
    sel.resources.append(fhir_team.practitioner_resource(sel.team))
    sel.resources.append(fhir_team.organization_resource(sel.team))
    sel.resources.append(_provenance(sel, device, number, now))
    bundle = fhir.transaction_bundle(
        fhir.derived_id("bundle", device.device_id, practice.ods_code, str(number)),
        now,
        sel.resources,
    )
    bundle_bytes = json.dumps(bundle, separators=(",", ":")).encode()
    if progress:
        progress(0.7, "bundle built")
    previous = session.exec(
        select(SyncExport)
        .where(SyncExport.practice_id == practice.id)
        .order_by(col(SyncExport.number).desc())
        .limit(1)
    ).first()
    ack_key = secrets.token_hex(32)
    counts = sel.counts()
    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "device_id": device.device_id,
        "device_public_key": device.public_key_hex,
        "facilitator": device.facilitator,
        "practice_ods": practice.ods_code,
        "sequence": number,
        "change_seq_from": sel.since + 1,
        "change_seq_to": sel.upto,
        "previous_manifest_sha256": previous.manifest_sha256 if previous else None,
        "created_at": fhir.instant(now),
        "counts": counts,
        "withheld_objection": sel.withheld_objection,
        "bundle_sha256": sha256_hex(bundle_bytes),
        "ack_key": ack_key,
    }
    manifest_bytes = canonical_json(manifest)
    tar = build_tar(
        {
            "manifest.json": manifest_bytes,
            "bundle.json": bundle_bytes,
            "manifest.sig": device.sign(manifest_bytes),
        },
        int(now.timestamp()),
    )
    del bundle_bytes
    ciphertext = encrypt(tar, recipient)
    del tar
    if progress:
        progress(0.9, "encrypted")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    file_name = f"{practice.ods_code}-{number}{SYNC_SUFFIX}"
    path = out_dir / file_name
    write_atomic(path, ciphertext)
    _record(session, sel, number, file_name, manifest, manifest_bytes, now, actor)
    if progress:
        progress(1.0, "written")
    return ExportResult(
        practice.ods_code,
        number,
        path,
        counts,
        sel.withheld_objection,
        sel.since + 1,
        sel.upto,
        str(manifest["bundle_sha256"]),
    )


def _provenance(sel: Selection, device: Device, number: int, now: datetime) -> fhir.Resource:
    return fhir_team.provenance(
        targets=[f"{r['resourceType']}/{r['id']}" for r in sel.resources],
        device_id=device.device_id,
        device_fingerprint=device.fingerprint,
        team=sel.team,
        ods=sel.practice.ods_code,
        sequence=number,
        recorded=now,
    )


def _record(
    session: Session,
    sel: Selection,
    number: int,
    file_name: str,
    manifest: dict[str, Any],
    manifest_bytes: bytes,
    now: datetime,
    actor: str,
) -> None:
    practice = sel.practice
    session.add(
        SyncExport(
            practice_id=practice.id,
            number=number,
            file_name=file_name,
            change_seq_from=sel.since + 1,
            change_seq_to=sel.upto,
            manifest_sha256=sha256_hex(manifest_bytes),
            bundle_sha256=manifest["bundle_sha256"],
            ack_key=manifest["ack_key"],
            counts=manifest["counts"],
            withheld_objection=sel.withheld_objection,
            created_at=now,
        )
    )
    known = set(
        session.exec(select(SyncPatient.patient_id).where(SyncPatient.practice_id == practice.id))
    )
    for pid in sel.patient_ids - known:
        session.add(
            SyncPatient(practice_id=practice.id, patient_id=pid, first_export_number=number)
        )
    _forget_objectors(session, practice)
    practice.last_export_number = number
    practice.last_export_at = now
    session.add(practice)
    counts = ",".join(f"{k}={v}" for k, v in sorted(manifest["counts"].items()))
    record_event(
        session,
        actor=actor,
        action="export",
        entity="practice",
        entity_id=practice.id,
        detail=f"sync file {number}; {counts}; withheld_objection={sel.withheld_objection}",
    )


def _forget_objectors(session: Session, practice: Practice) -> None:
    """A patient who objects stops being 'sent'; if they later agree to sharing, the
    practice gets their whole record, including what changed in between."""
    objecting = select(Patient.id).where(
        col(Patient.practice_id) == practice.id, col(Patient.share_with_practice).is_(False)
    )
    for row in session.exec(
        select(SyncPatient).where(
            SyncPatient.practice_id == practice.id, col(SyncPatient.patient_id).in_(objecting)
        )
    ):
        session.delete(row)


# --- status ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeSyncStatus:
    ods_code: str
    name: str
    has_recipient: bool
    last_export_number: int
    last_export_at: datetime | None
    last_acked_number: int
    last_ack_seq: int
    last_ack_at: datetime | None
    waiting: int  # rows that the next export would carry (before Provenance)
    withheld_objection: int


def sync_status(session: Session) -> list[PracticeSyncStatus]:
    out = []
    for practice in session.exec(select(Practice).order_by(col(Practice.ods_code))):
        waiting = sum(
            int(
                session.exec(
                    select(func.count())
                    .select_from(model)
                    .join(Patient, col(model.patient_id) == col(Patient.id))
                    .where(_in_scope(model, practice, practice.last_ack_seq))
                ).one()
            )
            for model in (Contact, Note, CarePlan, Signposting, ReviewAnswer, OutcomeMeasure)
        ) + int(
            session.exec(
                select(func.count())
                .select_from(Patient)
                .where(_in_scope(Patient, practice, practice.last_ack_seq))
            ).one()
        )
        acked = session.exec(
            select(func.max(SyncExport.number)).where(
                SyncExport.practice_id == practice.id, col(SyncExport.acked_at).is_not(None)
            )
        ).one()
        withheld = session.exec(
            select(func.count())
            .select_from(Patient)
            .where(
                col(Patient.practice_id) == practice.id,
                col(Patient.share_with_practice).is_(False),
            )
        ).one()
        out.append(
            PracticeSyncStatus(
                ods_code=practice.ods_code,
                name=practice.name,
                has_recipient=bool(practice.recipient),
                last_export_number=practice.last_export_number,
                last_export_at=practice.last_export_at,
                last_acked_number=int(acked or 0),
                last_ack_seq=practice.last_ack_seq,
                last_ack_at=practice.last_ack_at,
                waiting=waiting,
                withheld_objection=int(withheld),
            )
        )
    return out


def set_recipient(session: Session, *, ods: str, recipient: str, actor: str) -> Practice:
    """Record the practice's age public key (from `mhf practice keygen`)."""
    parse_recipient(recipient)
    practice = session.exec(select(Practice).where(Practice.ods_code == ods.upper())).first()
    if practice is None:
        raise SyncError(f"no practice with ODS code {ods}")
    practice.recipient = recipient.strip()
    session.add(practice)
    record_event(
        session,
        actor=actor,
        action="update",
        entity="practice",
        entity_id=practice.id,
        detail="recipient",
    )
    return practice
