"""Fixtures for the sync tests: a caseload with synthetic patients, a practice identity,
and helpers to run the CLI in-process and to build sync files by hand."""

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
    """A caseload (open) and the ids of what was put in it."""

    home: Path
    caseload: Caseload
    practice_id: uuid.UUID
    identity: x25519.Identity
    identity_path: Path
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


def make_world(tmp_path: Path, *, patients: int = 3, notes_each: int = 2) -> World:
    home = tmp_path / "home"
    caseload, _recovery = initialise_caseload(DataDir(home), PASS, facilitator="Test Facilitator")
    identity = x25519.Identity.generate()
    identity_path = tmp_path / "practice.key"
    identity_path.write_text(f"# test identity\n{identity}\n")
    identity_path.chmod(0o600)
    with caseload.session() as s:
        practice = Practice(ods_code=ODS, name="Test Surgery", recipient=str(identity.to_public()))
        s.add(practice)
        other = Practice(ods_code="C82002", name="Other Surgery")
        s.add(other)
        s.flush()
        world = World(home, caseload, practice.id, identity, identity_path)
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
