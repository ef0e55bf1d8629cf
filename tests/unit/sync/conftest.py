"""Fixtures for the sync tests: a caseload with synthetic patients, and the practice's
inbox (at `tmp_path / "store"`) with that caseload's device enrolled."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pyrage import x25519
from sqlmodel import Session

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import (
    CarePlan,
    Contact,
    Note,
    Patient,
    Practice,
    Service,
    Signposting,
)
from mhf_tui.paths import DataDir
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.sync.device import load_device
from mhf_tui.sync.enrolment import enrol
from mhf_tui.sync.practice_store import PracticeStore

PASS = "correct horse battery staple"
STORE_PASS = "practice store passphrase here"
ODS = "C82001"
MARKER = "Zebedee-Quillfeather"  # a made-up surname; must never appear in clear on disk


def nhs_number(n: int) -> str:
    """The n-th synthetic NHS number (999 range) with a valid Modulus 11 check digit."""
    while True:
        base = f"999{n:06d}"
        total = sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return base + str(check)
        n += 1


@dataclass
class World:
    """A caseload (open), the practice inbox it sends to (`identity` is the inbox's age
    identity, for tests that take files apart) and the ids of what was put in it."""

    home: Path
    caseload: Caseload
    practice_id: uuid.UUID
    identity: x25519.Identity
    store: Path
    patients: list[uuid.UUID] = field(default_factory=list)
    objector: uuid.UUID | None = None
    notes: list[uuid.UUID] = field(default_factory=list)

    def add_note(self, patient_id: uuid.UUID, text: str, **kw: object) -> Note:
        with self.caseload.session() as s:
            note = Note(
                patient_id=patient_id,
                lineage_id=kw.pop("lineage_id", None) or uuid.uuid4(),  # type: ignore[arg-type]
                text=text,
                author="Test Facilitator",
                **kw,  # type: ignore[arg-type]
            )
            s.add(note)
        self.notes.append(note.id)
        return note


def _fill(s: Session, practice: Practice, patients: int, notes_each: int, world: World) -> None:
    service = Service(name="Talking Therapies Test", category="iapt", phone="0100 000 0000")
    s.add(service)
    s.flush()
    when = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    for i in range(patients):
        p = Patient(
            nhs_number=nhs_number(i + 1),
            family_name=MARKER if i == 0 else f"Testperson{i}",
            given_name="Alex Jo",
            date_of_birth=date(1980, 1, 1) + timedelta(days=i),
            sex="female" if i % 2 else "male",
            phone="07700 900000",
            address="1 Example Road, Testtown",
            postcode="LE1 1AA",
            practice_id=practice.id,
            care_cluster=11,
            smi_register=True,
            alert_risk=i == 0,
        )
        s.add(p)
        s.flush()  # no ORM relationships: insert parents first
        world.patients.append(p.id)
        c = Contact(
            patient_id=p.id,
            occurred_at=when + timedelta(days=i),
            mode="face_to_face",
            duration_minutes=30,
            reason="review <b>not markup</b>",
            outcome="agreed plan",
            follow_up_on=date(2026, 2, 1),
        )
        s.add(c)
        s.flush()
        for j in range(notes_each):
            n = Note(
                patient_id=p.id,
                contact_id=c.id,
                lineage_id=uuid.uuid4(),
                text=f"{MARKER} note {j} for patient {i}",
                author="Test Facilitator",
            )
            s.add(n)
            world.notes.append(n.id)
        s.add(
            CarePlan(
                patient_id=p.id,
                lineage_id=uuid.uuid4(),
                goals=[{"id": "g1", "goal": "Sleep better", "score": 4}],
                actions=[{"action": "Walk daily", "owner": "patient", "due": "2026-03-01"}],
                crisis_plan="Call the crisis line",
                review_on=date(2026, 6, 1),
            )
        )
        s.add(
            Signposting(
                patient_id=p.id,
                service_id=service.id,
                status="referred",
                signposted_on=date(2026, 1, 6),
            )
        )
    objector = Patient(
        nhs_number=nhs_number(900),
        family_name="Objectorperson",
        given_name="Sam",
        date_of_birth=date(1970, 5, 5),
        practice_id=practice.id,
        share_with_practice=False,
    )
    s.add(objector)
    s.flush()
    world.objector = objector.id
    s.add(
        Note(
            patient_id=objector.id,
            lineage_id=uuid.uuid4(),
            text="objector note: must never be exported",
        )
    )


def make_inbox(root: Path) -> x25519.Identity:
    """A practice inbox for ODS at `root`; returns its age identity."""
    if not root.exists():
        store, _recovery = PracticeStore.create(root, STORE_PASS, ods=ODS, name="Test Surgery")
        store.close()
    store = PracticeStore.open(root, STORE_PASS)
    try:
        with store.session() as s:
            return store.identity(s)
    finally:
        store.close()


def enrol_device(store_root: Path, caseload: Caseload, name: str = "Test Facilitator") -> str:
    """Enrol the caseload's device in the inbox, as the practice would by fingerprint."""
    with caseload.session() as s:
        fp = load_device(s).fingerprint
    store = PracticeStore.open(store_root, STORE_PASS)
    try:
        with store.session() as s:
            enrol(s, fingerprint=fp, name=name)
    finally:
        store.close()
    return fp


def make_world(
    tmp_path: Path, *, patients: int = 3, notes_each: int = 2, home: str = "home"
) -> World:
    caseload, _recovery = initialise_caseload(
        DataDir(tmp_path / home), PASS, facilitator="Test Facilitator"
    )
    store = tmp_path / "store"
    identity = make_inbox(store)
    enrol_device(store, caseload, f"Facilitator of {home}")
    with caseload.session() as s:
        practice = Practice(ods_code=ODS, name="Test Surgery", recipient=str(identity.to_public()))
        s.add(practice)
        other = Practice(ods_code="C82002", name="Other Surgery")
        s.add(other)
        s.flush()
        world = World(tmp_path / home, caseload, practice.id, identity, store)
        _fill(s, practice, patients, notes_each, world)
        s.add(
            Patient(
                nhs_number=nhs_number(950),
                family_name="Otherpractice",
                given_name="Kim",
                date_of_birth=date(1990, 1, 1),
                practice_id=other.id,
            )
        )
    return world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.caseload.close()
