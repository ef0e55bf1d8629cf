"""The practice side: check a sync file and import it, all or nothing, into the store.

Checks, in order: decryption with the practice identity, the tar layout, the format
version, the manifest signature, the bundle hash (all in `open_package`), then the bundle's
shape and counts, the device key against the one trusted on first import, and the sequence
(an equal or older one is a replay). Only then does anything get written, in one
transaction; the ack is written after it commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import utcnow
from mhf_tui.db.tables.sync import DeviceTrust, ImportLog, ReceivedResource
from mhf_tui.sync import fhir
from mhf_tui.sync.ack import PendingAck, make_ack
from mhf_tui.sync.device import fingerprint
from mhf_tui.sync.package import (
    OpenedPackage,
    SyncError,
    load_identity,
    open_package,
    read_sync_file,
    sha256_hex,
)
from mhf_tui.sync.practice_store import PracticeStore, StoreDir
from mhf_tui.vault.lock import InstanceLock

ALLOWED_TYPES = {
    "Patient",
    "Encounter",
    "Appointment",
    "Practitioner",
    "Organization",
    "DocumentReference",
    "CarePlan",
    "ServiceRequest",
    "Observation",
    "QuestionnaireResponse",
    "Provenance",
}
_ENCODER = json.JSONEncoder(separators=(",", ":"))
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")

#: passphrase(creating: bool) -> str; asked only once the file has passed every check
PassphraseSource = Callable[[bool], str]


@dataclass
class ImportSummary:
    file_name: str
    device_id: str
    device_fingerprint: str
    facilitator: str
    practice_ods: str
    sequence: int
    counts: dict[str, int]
    withheld_objection: int
    changed: int
    unchanged: int
    new_device: bool = False
    key_replaced: bool = False
    missing_sequences: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ack_path: str = ""
    store_created: bool = False
    recovery_key: str = ""

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out.pop("recovery_key")
        return out


def parse_bundle(pkg: OpenedPackage) -> list[fhir.Resource]:
    """The bundle's resources, checked for shape and against the manifest's counts."""
    try:
        bundle = json.loads(pkg.bundle_bytes)
    except (ValueError, RecursionError):
        raise SyncError("bundle.json is not valid JSON") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise SyncError("bundle.json is not a FHIR Bundle")
    if bundle.get("type") != "transaction" or not isinstance(bundle.get("entry", []), list):
        raise SyncError("bundle.json is not a transaction Bundle")
    resources: list[fhir.Resource] = []
    counts: dict[str, int] = {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(request, dict):
            raise SyncError("bundle.json has an entry without resource or request")
        kind, rid = resource.get("resourceType"), resource.get("id")
        if (
            not isinstance(kind, str)
            or kind not in ALLOWED_TYPES
            or not isinstance(rid, str)
            or not FHIR_ID.fullmatch(rid)
        ):
            # repr: the type comes from the file and may hold a line break or escape codes
            raise SyncError(f"bundle.json has an unexpected resource ({str(kind)[:30]!r})")
        if request.get("method") != "PUT" or request.get("url") != f"{kind}/{rid}":
            raise SyncError("bundle.json has an entry that is not PUT by id")
        counts[kind] = counts.get(kind, 0) + 1
        resources.append(resource)
    if counts != pkg.manifest["counts"]:
        raise SyncError("bundle.json does not hold the resources the manifest counts")
    return resources


def check_file(path: Path, identity_path: Path) -> tuple[OpenedPackage, list[fhir.Resource]]:
    """Everything that can be checked without the store."""
    identity = load_identity(identity_path)
    pkg = open_package(read_sync_file(path), identity)
    return pkg, parse_bundle(pkg)


def import_file(
    path: Path,
    *,
    identity_path: Path,
    store_root: Path,
    passphrase: PassphraseSource,
    trust_new_key: bool = False,
    ack_dir: Path | None = None,
) -> ImportSummary:
    pkg, resources = check_file(path, identity_path)
    manifest = pkg.manifest
    # Staged before the store is touched: an ack directory that cannot take the ack, or
    # another device's ack under the same name, stops the import before a new store is
    # made (whose recovery key would otherwise never be shown).
    ack = make_ack(
        manifest=manifest, manifest_sha256=pkg.manifest_sha256, counts=manifest["counts"]
    )
    pending = PendingAck(ack_dir or path.parent, ack)
    directory = StoreDir(store_root)
    creating = not directory.exists()
    try:
        store_root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with InstanceLock(directory.lock):
            recovery = ""
            if creating:
                store, recovery = PracticeStore.create(store_root, passphrase(True))
            else:
                store = PracticeStore.open(store_root, passphrase(False))
            try:
                with store.session() as session:
                    summary = _import(session, pkg, resources, path.name, trust_new_key)
            finally:
                store.close()
            summary.ack_path = str(pending.publish())
    except BaseException:
        pending.discard()
        raise
    summary.store_created = creating
    summary.recovery_key = recovery
    return summary


def _import(
    session: Session,
    pkg: OpenedPackage,
    resources: list[fhir.Resource],
    file_name: str,
    trust_new_key: bool,
) -> ImportSummary:
    m = pkg.manifest
    device_id, ods, seq = m["device_id"], m["practice_ods"], m["sequence"]
    summary = ImportSummary(
        file_name=file_name,
        device_id=device_id,
        device_fingerprint=fingerprint(m["device_public_key"]),
        facilitator=str(m.get("facilitator", "")),
        practice_ods=ods,
        sequence=seq,
        counts=dict(m["counts"]),
        withheld_objection=int(m.get("withheld_objection", 0)),
        changed=0,
        unchanged=0,
    )
    _check_trust(session, m, summary, trust_new_key)
    _check_sequence(session, m, summary)
    summary.changed, summary.unchanged = _upsert(session, resources, device_id, seq)
    session.add(
        ImportLog(
            device_id=device_id,
            practice_ods=ods,
            sequence=seq,
            manifest_sha256=pkg.manifest_sha256,
            bundle_sha256=m["bundle_sha256"],
            file_name=file_name,
            counts=summary.counts,
            changed=summary.changed,
            unchanged=summary.unchanged,
        )
    )
    return summary


def _check_trust(
    session: Session, m: dict[str, Any], summary: ImportSummary, trust_new_key: bool
) -> None:
    trusted = session.get(DeviceTrust, m["device_id"])
    key = m["device_public_key"]
    if trusted is None:
        session.add(
            DeviceTrust(device_id=m["device_id"], public_key=key, facilitator=summary.facilitator)
        )
        summary.new_device = True
        return
    if trusted.public_key == key:
        return
    if not trust_new_key:
        raise SyncError(
            f"device {m['device_id'][:8]} signed this file with a different key "
            f"({fingerprint(key)}) from the one trusted ({fingerprint(trusted.public_key)}); "
            "check the fingerprint with the facilitator (`mhf sync whoami`), then import "
            "with --trust-new-key"
        )
    trusted.public_key = key
    trusted.key_replaced_at = utcnow()
    session.add(trusted)
    summary.key_replaced = True


def _check_sequence(session: Session, m: dict[str, Any], summary: ImportSummary) -> None:
    ods, seq = m["practice_ods"], m["sequence"]
    last = session.exec(
        select(ImportLog)
        .where(ImportLog.device_id == m["device_id"], ImportLog.practice_ods == ods)
        .order_by(col(ImportLog.sequence).desc())
        .limit(1)
    ).first()
    last_seq = last.sequence if last else 0
    if seq <= last_seq:
        raise SyncError(
            f"{ods}-{seq} is a replay: {ods}-{last_seq} from this device was already imported"
        )
    summary.missing_sequences = list(range(last_seq + 1, seq))
    if summary.missing_sequences:
        summary.warnings.append(
            f"gap: sync file(s) {_ranges(summary.missing_sequences)} from this device were "
            "never imported here; what they held that was not acknowledged is in this file"
        )
    if (
        last
        and last.sequence == seq - 1
        and m.get("previous_manifest_sha256")
        not in (
            None,
            last.manifest_sha256,
        )
    ):
        summary.warnings.append(
            f"{ods}-{seq} does not follow the {ods}-{last_seq} imported here (hash chain); "
            "ask the facilitator whether their caseload was restored from a backup"
        )


def _ranges(numbers: list[int]) -> str:
    first, last = numbers[0], numbers[-1]
    return str(first) if first == last else f"{first}-{last}"


def _upsert(
    session: Session, resources: list[fhir.Resource], device_id: str, seq: int
) -> tuple[int, int]:
    """PUT semantics: a resource equal to what is stored changes nothing."""
    stored = {
        (t, i): h
        for t, i, h in session.exec(
            select(
                ReceivedResource.resource_type,
                ReceivedResource.resource_id,
                ReceivedResource.sha256,
            )
        )
    }
    latest: dict[tuple[str, str], tuple[Any, ...]] = {}
    received_at = utcnow().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    for resource in resources:
        key = (resource["resourceType"], resource["id"])
        # Key order is the exporter's, stable from one export to the next; not sorting
        # halves the cost, and a different order only ever costs a no-op rewrite.
        body = _ENCODER.encode(resource)
        latest[key] = (
            key[0],
            key[1],
            fhir.resource_patient_id(resource),
            body,
            sha256_hex(body.encode()),
            device_id,
            seq,
            received_at,
        )
    writes = [row for key, row in latest.items() if stored.get(key) != row[4]]
    if writes:
        # Straight to the driver: SQLAlchemy's per-row parameter handling would cost more
        # than the writing itself at 50,000 rows. Same connection, same transaction.
        cursor = session.connection().connection.cursor()
        try:
            cursor.executemany(_UPSERT, writes)
        finally:
            cursor.close()
    return len(writes), len(latest) - len(writes)


_UPSERT = (
    "INSERT INTO received_resource (resource_type, resource_id, patient_id, body, sha256, "
    "device_id, sequence, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (resource_type, resource_id) DO UPDATE SET patient_id = excluded.patient_id, "
    "body = excluded.body, sha256 = excluded.sha256, device_id = excluded.device_id, "
    "sequence = excluded.sequence, received_at = excluded.received_at"
)
