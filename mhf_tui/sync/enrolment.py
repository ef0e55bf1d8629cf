"""The devices a practice inbox accepts files from, enrolled out of band by fingerprint.

There is no trust on first use: the practice's recipient is public, so anyone can make a
file for it. A device whose key changed has a new fingerprint and is enrolled again; the
old one is removed when it is retired, with everything it sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from mhf_tui.db.tables.sync import EnrolledDevice, ImportLog, ReceivedResource
from mhf_tui.errors import MhfError
from mhf_tui.sync.device import normalise_fingerprint
from mhf_tui.sync.practice_store import record_store_event


def _checked(typed: str) -> str:
    try:
        return normalise_fingerprint(typed)
    except ValueError as exc:
        raise MhfError(str(exc)) from None


def enrol(session: Session, *, fingerprint: str, name: str) -> EnrolledDevice:
    """Trust the device with this fingerprint (as `mhf sync whoami` shows it)."""
    fp = _checked(fingerprint)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise MhfError("give the facilitator's name (1-200 characters) with --name")
    if session.get(EnrolledDevice, fp) is not None:
        raise MhfError(f"device {fp} is already enrolled")
    device = EnrolledDevice(fingerprint=fp, name=name)
    session.add(device)
    record_store_event(session, "enrol", fp)
    return device


@dataclass(frozen=True)
class Removed:
    fingerprint: str
    resources: int
    imports: int


def remove(session: Session, *, fingerprint: str) -> Removed:
    """Forget a device: its enrolment, every resource it sent and its import log."""
    fp = _checked(fingerprint)
    device = session.get(EnrolledDevice, fp)
    if device is None:
        raise MhfError(f"no enrolled device has the fingerprint {fp}")
    resources = session.exec(
        delete(ReceivedResource).where(col(ReceivedResource.device_fingerprint) == fp)
    ).rowcount
    imports = session.exec(
        delete(ImportLog).where(col(ImportLog.device_fingerprint) == fp)
    ).rowcount
    session.delete(device)
    record_store_event(
        session, "remove device", f"{fp}; {resources} resources, {imports} imports removed"
    )
    return Removed(fp, int(resources), int(imports))


@dataclass(frozen=True)
class DeviceStatus:
    """An enrolled device as `mhf inbox devices` shows it."""

    fingerprint: str
    name: str
    enrolled_at: datetime
    device_id: str
    last_sequence: int
    last_import_at: datetime | None
    audit_count: int
    audit_head: str
    resources: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def devices(session: Session) -> list[DeviceStatus]:
    held = dict(
        session.exec(
            select(ReceivedResource.device_fingerprint, func.count()).group_by(
                col(ReceivedResource.device_fingerprint)
            )
        ).all()
    )
    return [
        DeviceStatus(
            d.fingerprint,
            d.name,
            d.enrolled_at,
            d.device_id,
            d.last_sequence,
            d.last_import_at,
            d.audit_count,
            d.audit_head,
            int(held.get(d.fingerprint, 0)),
        )
        for d in session.exec(select(EnrolledDevice).order_by(col(EnrolledDevice.name)))
    ]
