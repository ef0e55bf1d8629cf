"""The practice inbox's import: one sync file, checked and written all or nothing.

The file is streamed: decrypted chunk by chunk into the tar parser (hard limits on every
entry before it is read), the manifest and its signature first, the bundle last, parsed
entry by entry with ijson and written in batches inside one transaction. Memory stays
bounded however big the file is. Before any bundle byte is parsed: the file's size, the
manifest's form, its signature, the ODS code the store is bound to, the device's enrolment
(the fingerprint of the signing key decides, never the device id the file claims), the
sequence (no replay, a bounded jump ahead) and the device's audit head (never backwards).
While it is parsed: every resource's shape, and that no other device sent it first. After
it: the bundle's hash and counts against the signed manifest. Any failure rolls the
transaction back; the ack is staged before the commit and published after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson
from sqlmodel import Session, col, select

from mhf_tui.db.tables import utcnow
from mhf_tui.db.tables.sync import EnrolledDevice, ImportLog, ReceivedResource
from mhf_tui.sync import fhir
from mhf_tui.sync.ack import PendingAck, make_ack
from mhf_tui.sync.device import fingerprint
from mhf_tui.sync.manifest import SyncManifest, parse_manifest
from mhf_tui.sync.package import SyncError, decrypt_into, sha256_hex, verify_signature
from mhf_tui.sync.practice_store import PracticeStore, record_store_event
from mhf_tui.sync.shapes import shape_problem
from mhf_tui.sync.tarstream import MAX_FILE_BYTES, TarStreamReader

#: how far past the last imported file a sequence number may jump: a year of weekly files
#: that never arrived is 52, so 1,000 is generous and keeps a forged number harmless
MAX_SEQUENCE_JUMP = 1000
#: resources written per batch (and looked up per query for the device-scope check)
BATCH = 500
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_HEAD_LIMIT = 4096


@dataclass
class ImportSummary:
    file_name: str
    device_id: str
    device_fingerprint: str
    device_name: str
    facilitator: str
    practice_ods: str
    sequence: int
    counts: dict[str, int]
    withheld_objection: int
    changed: int = 0
    unchanged: int = 0
    missing_sequences: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)
    ack_path: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_file(store: PracticeStore, path: Path, *, ack_dir: Path | None = None) -> ImportSummary:
    try:
        size = path.stat().st_size
        source = path.open("rb")
    except OSError as exc:
        raise SyncError(f"cannot read {path} ({exc.strerror})") from None
    with source:
        if size > MAX_FILE_BYTES:
            raise SyncError(f"{path.name} is larger than a sync file may be ({MAX_FILE_BYTES})")
        pending: PendingAck | None = None
        try:
            with store.session() as session:
                run = _Import(session, store.ods(session), path.name)
                reader = TarStreamReader(run)
                decrypt_into(source, reader, store.identity(session))
                reader.close()
                summary, ack = run.finish()
                pending = PendingAck(ack_dir or path.parent, ack)
            summary.ack_path = str(pending.publish())
        except BaseException:
            if pending is not None:
                pending.discard()
            raise
    return summary


class _Import:
    """The tar members as they arrive (a `MemberSink`), and the store-side checks."""

    def __init__(self, session: Session, ods: str, file_name: str) -> None:
        self.session = session
        self.ods = ods
        self.file_name = file_name
        self.small: dict[str, bytearray] = {}
        self.manifest: SyncManifest | None = None
        self.manifest_bytes = b""
        self.device: EnrolledDevice | None = None
        self.summary: ImportSummary | None = None
        self.bundle_hash = hashlib.sha256()
        self.head = bytearray()  # the bundle's bytes before its entries
        self.entries: Any = ijson.sendable_list()
        self.parser: Any = ijson.items_coro(self.entries, "entry.item", use_float=True)
        self.counts: dict[str, int] = {}
        self.batch: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.received_at = utcnow().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    # --- MemberSink -----------------------------------------------------------------

    def start(self, name: str, size: int) -> None:
        if name != "bundle.json":
            self.small[name] = bytearray()

    def data(self, name: str, chunk: bytes) -> None:
        if name != "bundle.json":
            self.small[name] += chunk
            return
        self.bundle_hash.update(chunk)
        if len(self.head) < _HEAD_LIMIT:
            self.head += chunk[: _HEAD_LIMIT - len(self.head)]
        try:
            self.parser.send(chunk)
        except ijson.JSONError:
            raise SyncError("bundle.json is not valid JSON") from None
        self._take_entries()

    def end(self, name: str) -> None:
        if name == "manifest.json":
            self.manifest_bytes = bytes(self.small.pop(name))
            self.manifest = parse_manifest(self.manifest_bytes)
        elif name == "manifest.sig":
            assert self.manifest is not None
            signature = bytes(self.small.pop(name))
            verify_signature(self.manifest.device_public_key, signature, self.manifest_bytes)
            self._check_manifest(self.manifest)
        else:
            try:
                self.parser.close()
            except ijson.JSONError:
                raise SyncError("bundle.json is not valid JSON") from None
            self._take_entries()
            self._write_batch()

    # --- before the bundle ----------------------------------------------------------

    def _check_manifest(self, m: SyncManifest) -> None:
        if m.practice_ods != self.ods:
            raise SyncError(
                f"this file is for practice {m.practice_ods}, but this inbox is {self.ods}'s"
            )
        fp = fingerprint(m.device_public_key)
        device = self.session.get(EnrolledDevice, fp)
        if device is None:
            raise SyncError(
                f"the device that signed this file is not enrolled (fingerprint {fp}); "
                f"check it with the facilitator (`mhf sync whoami`), then run "
                f'`mhf inbox enrol --fingerprint "{fp}" --name NAME`'
            )
        last = device.last_sequence
        if m.sequence <= last:
            raise SyncError(
                f"{m.practice_ods}-{m.sequence} is a replay: {m.practice_ods}-{last} from "
                "this device was already imported"
            )
        if m.sequence - last > MAX_SEQUENCE_JUMP:
            raise SyncError(
                f"{m.practice_ods}-{m.sequence} jumps more than {MAX_SEQUENCE_JUMP} files past "
                f"the last one imported from this device ({last}); refused"
            )
        if m.audit_count < device.audit_count:
            raise SyncError(
                f"the device's audit trail went backwards: this file was made with "
                f"{m.audit_count} audit events, an earlier one with {device.audit_count}; "
                "ask the facilitator what happened to their caseload"
            )
        self.device = device
        self.summary = ImportSummary(
            file_name=self.file_name,
            device_id=m.device_id,
            device_fingerprint=fp,
            device_name=device.name,
            facilitator=m.facilitator,
            practice_ods=m.practice_ods,
            sequence=m.sequence,
            counts=dict(m.counts),
            withheld_objection=m.withheld_objection,
        )
        if m.sequence > last + 1:
            self.summary.missing_sequences = (last + 1, m.sequence - 1)
            gap = f"{last + 1}" if m.sequence == last + 2 else f"{last + 1}-{m.sequence - 1}"
            self.summary.warnings.append(
                f"gap: sync file(s) {gap} from this device were never imported here; what "
                "they held that was not acknowledged is in this file"
            )
        self._check_chain(m, last)

    def _check_chain(self, m: SyncManifest, last: int) -> None:
        previous = self.session.exec(
            select(ImportLog.manifest_sha256).where(
                ImportLog.device_fingerprint == fingerprint(m.device_public_key),
                ImportLog.sequence == last,
            )
        ).first()
        if (
            previous is not None
            and m.sequence == last + 1
            and m.previous_manifest_sha256 not in (None, previous)
        ):
            assert self.summary is not None
            self.summary.warnings.append(
                f"{m.practice_ods}-{m.sequence} does not follow the {m.practice_ods}-{last} "
                "imported here (hash chain); ask the facilitator whether their caseload was "
                "restored from a backup"
            )

    # --- the bundle -----------------------------------------------------------------

    def _check_head(self) -> None:
        """The bundle's own fields, which come before its entries."""
        cut = self.head.find(b',"entry":')
        try:
            head = json.loads(bytes(self.head[:cut]) + b"}") if cut > 0 else None
        except ValueError:
            head = None
        if (
            not isinstance(head, dict)
            or head.get("resourceType") != "Bundle"
            or head.get("type") != "transaction"
        ):
            raise SyncError("bundle.json is not a FHIR transaction Bundle")

    def _take_entries(self) -> None:
        if not self.entries:
            return
        if self.summary is None:
            raise SyncError("sync file is damaged (bundle before manifest)")
        if not self.counts:
            self._check_head()
        for entry in self.entries:
            self._take(entry)
        del self.entries[:]
        if len(self.batch) >= BATCH:
            self._write_batch()

    def _take(self, entry: Any) -> None:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        request = entry.get("request") if isinstance(entry, dict) else None
        problem = shape_problem(resource)
        if problem or resource is None:
            raise SyncError(f"bundle.json has {problem}; refused")
        kind, rid = resource["resourceType"], resource["id"]
        if (
            not isinstance(request, dict)
            or request.get("method") != "PUT"
            or request.get("url") != f"{kind}/{rid}"
        ):
            raise SyncError("bundle.json has an entry that is not PUT by id")
        self.counts[kind] = self.counts.get(kind, 0) + 1
        body = _ENCODER.encode(resource)
        assert self.summary is not None
        self.batch[(kind, rid)] = (
            kind,
            rid,
            fhir.resource_patient_id(resource),
            body,
            sha256_hex(body.encode()),
            self.summary.device_fingerprint,
            self.summary.sequence,
            self.received_at,
        )

    def _write_batch(self) -> None:
        """Refuse the file if another device sent any of these first; write what changed."""
        if not self.batch:
            return
        assert self.summary is not None
        mine = self.summary.device_fingerprint
        stored: dict[tuple[str, str], tuple[str, str]] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, rid in self.batch:
            by_kind.setdefault(kind, []).append(rid)
        for kind, ids in by_kind.items():
            rows = self.session.exec(
                select(
                    ReceivedResource.resource_id,
                    ReceivedResource.device_fingerprint,
                    ReceivedResource.sha256,
                ).where(
                    ReceivedResource.resource_type == kind,
                    col(ReceivedResource.resource_id).in_(ids),
                )
            )
            stored.update({(kind, rid): (fp, sha) for rid, fp, sha in rows})
        if any(fp != mine for fp, _sha in stored.values()):
            raise SyncError(
                "this file would change resources another enrolled device sent; a device may "
                "only update its own. Refused whole"
            )
        writes = [row for key, row in self.batch.items() if stored.get(key, ("", ""))[1] != row[4]]
        if writes:
            # Straight to the driver: SQLAlchemy's per-row handling would cost more than the
            # writing at 50,000 rows. Same connection, same transaction.
            cursor = self.session.connection().connection.cursor()
            try:
                cursor.executemany(_UPSERT, writes)
            finally:
                cursor.close()
        self.summary.changed += len(writes)
        self.summary.unchanged += len(self.batch) - len(writes)
        self.batch.clear()

    # --- after the bundle -----------------------------------------------------------

    def finish(self) -> tuple[ImportSummary, dict[str, Any]]:
        """Hash and counts against the manifest, then the log and the device's state."""
        m, summary, device = self.manifest, self.summary, self.device
        if m is None or summary is None or device is None:
            raise SyncError("sync file is incomplete")
        if self.bundle_hash.hexdigest() != m.bundle_sha256:
            raise SyncError("bundle.json does not match the hash in the signed manifest")
        if self.counts != summary.counts:
            raise SyncError("bundle.json does not hold the resources the manifest counts")
        manifest_sha256 = sha256_hex(self.manifest_bytes)
        gap = summary.missing_sequences
        self.session.add(
            ImportLog(
                device_fingerprint=summary.device_fingerprint,
                device_id=m.device_id,
                sequence=m.sequence,
                manifest_sha256=manifest_sha256,
                bundle_sha256=m.bundle_sha256,
                file_name=self.file_name,
                counts=summary.counts,
                changed=summary.changed,
                unchanged=summary.unchanged,
                gap_from=gap[0] if gap else None,
                gap_to=gap[1] if gap else None,
            )
        )
        device.device_id = m.device_id
        device.last_sequence = m.sequence
        device.last_import_at = utcnow()
        device.audit_count, device.audit_head = m.audit_count, m.audit_head
        self.session.add(device)
        record_store_event(
            self.session,
            "import",
            f"{m.practice_ods}-{m.sequence} from {summary.device_fingerprint}: "
            f"{summary.changed} changed, {summary.unchanged} unchanged",
        )
        ack = make_ack(manifest=m, manifest_sha256=manifest_sha256, counts=summary.counts)
        return summary, ack


_UPSERT = (
    "INSERT INTO received_resource (resource_type, resource_id, patient_id, body, sha256, "
    "device_fingerprint, sequence, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (resource_type, resource_id) DO UPDATE SET patient_id = excluded.patient_id, "
    "body = excluded.body, sha256 = excluded.sha256, sequence = excluded.sequence, "
    "received_at = excluded.received_at"
)
