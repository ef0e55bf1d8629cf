"""Tables for sync exports (in the caseload) and for the practice-side store.

The facilitator-side tables are plain SQLModel tables, not `Row`s: writing them must not
bump `change_seq`, or every export would make the next one non-empty.

The practice store is a separate encrypted database with its own metadata (`STORE_METADATA`),
so neither side creates the other's tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mhf_tui.db.tables.base import utcnow


class SyncExport(SQLModel, table=True):
    """One sync file written for a practice. `ack_key` is the per-export secret the
    practice proves knowledge of in its ack (it travels only inside the encrypted file)."""

    __tablename__ = "sync_export"
    __table_args__ = (UniqueConstraint("practice_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    practice_id: uuid.UUID = Field(foreign_key="practice.id", index=True)
    number: int
    file_name: str
    change_seq_from: int
    change_seq_to: int
    manifest_sha256: str
    bundle_sha256: str
    ack_key: str
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    withheld_objection: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    acked_at: datetime | None = None


class SyncPatient(SQLModel, table=True):
    """Which patients a practice has been sent. A patient with no acknowledged row (new to
    the practice, moved in, or sharing again after an objection) is sent in full, not just
    the changes since the last ack."""

    __tablename__ = "sync_patient"
    practice_id: uuid.UUID = Field(foreign_key="practice.id", primary_key=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", primary_key=True)
    first_export_number: int
    acked: bool = False


# --- practice-side store -------------------------------------------------------------

STORE_REGISTRY = registry()


class StoreTable(SQLModel, registry=STORE_REGISTRY):
    """Base of the practice store's tables (kept off the caseload's metadata)."""


STORE_METADATA = StoreTable.metadata


class StoreSetting(StoreTable, table=True):
    """The store's own facts: its age identity (secret, so only in here), the ODS code it
    is bound to, the practice's name."""

    __tablename__ = "store_setting"
    key: str = Field(primary_key=True)
    value: str


class ReceivedResource(StoreTable, table=True):
    """The latest version received of one FHIR resource (PUT semantics: upsert by id),
    scoped to the enrolled device that first sent it: no other device may replace it."""

    __tablename__ = "received_resource"
    resource_type: str = Field(primary_key=True)
    resource_id: str = Field(primary_key=True)
    patient_id: str = Field(default="", index=True)
    body: str  # canonical JSON of the resource
    sha256: str
    device_fingerprint: str = Field(index=True)
    sequence: int
    received_at: datetime = Field(default_factory=utcnow)


class EnrolledDevice(StoreTable, table=True):
    """A facilitator device the practice enrolled out of band, by the fingerprint of its
    signing key. The fingerprint decides; the device id a file claims is only shown."""

    __tablename__ = "enrolled_device"
    fingerprint: str = Field(primary_key=True)
    name: str
    enrolled_at: datetime = Field(default_factory=utcnow)
    device_id: str = ""  # as last claimed by a file from it
    last_sequence: int = 0
    last_import_at: datetime | None = None
    audit_count: int = 0  # the head of the device's audit chain, as last received
    audit_head: str = ""


class ImportLog(StoreTable, table=True):
    """Each file imported, for replay and gap detection and the per-export hash chain. A
    gap (files never imported) is the range `gap_from`..`gap_to`, never a list."""

    __tablename__ = "import_log"
    __table_args__ = (UniqueConstraint("device_fingerprint", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    device_fingerprint: str = Field(index=True)
    device_id: str
    sequence: int
    manifest_sha256: str
    bundle_sha256: str
    file_name: str = ""
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    changed: int = 0
    unchanged: int = 0
    gap_from: int | None = None
    gap_to: int | None = None
    imported_at: datetime = Field(default_factory=utcnow)


class StoreEvent(StoreTable, table=True):
    """The store's own audit log: enrolments, removals, imports (ids and counts, never
    patient data)."""

    __tablename__ = "store_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    action: str
    detail: str = ""
