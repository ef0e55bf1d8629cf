"""Writing a practice's sync file, streamed: resources are produced one at a time into
the bundle spool (hashed, compressed in memory), then the signed manifest, its signature
and the bundle are encrypted as one tar stream straight into the file. Peak memory is the
compressed bundle, not the resources or the plaintext.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from mhf_tui.db.session import current_change_seq
from mhf_tui.db.tables import Patient, Practice, utcnow
from mhf_tui.db.tables.sync import SyncExport, SyncPatient
from mhf_tui.services.audit import audit_head
from mhf_tui.sync import fhir, fhir_team
from mhf_tui.sync.device import Device, load_device
from mhf_tui.sync.manifest import SyncManifest
from mhf_tui.sync.package import (
    SYNC_SUFFIX,
    SyncError,
    encrypt_to,
    parse_recipient,
    sha256_hex,
)
from mhf_tui.sync.selection import Progress, Selection, changed_resources, load_team
from mhf_tui.sync.spool import BundleSpool
from mhf_tui.sync.status import save_practice
from mhf_tui.sync.tarstream import ChunkReader, tar_chunks


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
            f"practice {practice.ods_code} has no sync recipient: ask the practice for the "
            f"one `mhf inbox init` printed, then `mhf sync recipient {practice.ods_code} age1...`"
        )
    recipient = parse_recipient(practice.recipient)
    device = load_device(session)
    team = load_team(session)
    sel = Selection(practice, practice.last_ack_seq, current_change_seq(session), team)
    number = practice.last_export_number + 1
    now = utcnow()
    bundle_id = fhir.derived_id("bundle", device.device_id, practice.ods_code, str(number))
    spool = BundleSpool(fhir.transaction_bundle(bundle_id, now, []))
    for resource in changed_resources(session, sel, progress):
        spool.add(resource)
    if not spool.counts:
        return ExportResult(
            practice.ods_code,
            practice.last_export_number,
            None,
            {},
            sel.withheld_objection,
            sel.since + 1,
            sel.upto,
        )
    spool.add(fhir_team.practitioner_resource(team))
    spool.add(fhir_team.organization_resource(team))
    spool.add(_provenance(sel, spool.targets, device, number, now))
    spool.close()
    manifest = _manifest(session, sel, spool, device, number, now)
    manifest_bytes = manifest.to_json_bytes()
    tar = tar_chunks(
        manifest_bytes,
        device.sign(manifest_bytes),
        spool.size,
        spool.chunks(),
        int(now.timestamp()),
    )
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    file_name = f"{practice.ods_code}-{number}{SYNC_SUFFIX}"
    path = out_dir / file_name
    encrypt_to(path, ChunkReader(tar), recipient)
    _record(session, sel, number, file_name, manifest, now, actor)
    if progress:
        progress(1.0, "written")
    return ExportResult(
        practice.ods_code,
        number,
        path,
        dict(manifest.counts),
        sel.withheld_objection,
        sel.since + 1,
        sel.upto,
        manifest.bundle_sha256,
    )


def _manifest(
    session: Session,
    sel: Selection,
    spool: BundleSpool,
    device: Device,
    number: int,
    now: datetime,
) -> SyncManifest:
    previous = session.exec(
        select(SyncExport.manifest_sha256)
        .where(SyncExport.practice_id == sel.practice.id)
        .order_by(col(SyncExport.number).desc())
        .limit(1)
    ).first()
    head = audit_head(session)
    return SyncManifest(
        format="mhf-sync",
        format_version=1,
        device_id=device.device_id,
        device_public_key=device.public_key_hex,
        facilitator=device.facilitator,
        practice_ods=sel.practice.ods_code,
        sequence=number,
        change_seq_from=sel.since + 1,
        change_seq_to=sel.upto,
        previous_manifest_sha256=previous,
        created_at=fhir.instant(now),
        counts=spool.counts,
        withheld_objection=sel.withheld_objection,
        bundle_sha256=spool.sha256,
        ack_key=secrets.token_hex(32),
        audit_count=head.count,
        audit_head=head.hash,
    )


def _provenance(
    sel: Selection, targets: list[str], device: Device, number: int, now: datetime
) -> fhir.Resource:
    return fhir_team.provenance(
        targets=targets,
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
    manifest: SyncManifest,
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
            manifest_sha256=sha256_hex(manifest.to_json_bytes()),
            bundle_sha256=manifest.bundle_sha256,
            ack_key=manifest.ack_key,
            counts=dict(manifest.counts),
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
    counts = ",".join(f"{k}={v}" for k, v in sorted(manifest.counts.items()))
    detail = f"sync file {number}; {counts}; withheld_objection={sel.withheld_objection}"
    save_practice(session, practice, actor=actor, action="export", detail=detail)


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
