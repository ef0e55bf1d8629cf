"""Fixtures for the information-governance tests: a real encrypted caseload with
synthetic patients (made-up names, NHS numbers in the 999 test range)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlmodel import Session

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Note, Patient, Practice
from mhf_tui.paths import DataDir
from mhf_tui.services.audit import record_event
from mhf_tui.services.setup import initialise_caseload
from mhf_tui.services.validation import nhs_check_digit

PASS = "correct horse battery staple"
ACTOR = "Test Facilitator"


def nhs_number(serial: int) -> str:
    """A valid synthetic NHS number 999xxxxxxC (skipping serials with no check digit)."""
    while True:
        nine = f"999{serial:06d}"
        check = nhs_check_digit(nine)
        if check is not None:
            return nine + str(check)
        serial += 1


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def caseload(tmp_path: Path) -> Iterator[Caseload]:
    data = DataDir(tmp_path / "home")
    data.ensure()
    opened, _recovery = initialise_caseload(data, PASS, facilitator=ACTOR)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def practice(caseload: Caseload) -> Practice:
    with caseload.session() as s:
        row = Practice(ods_code="C82001", name="Test Street Surgery")
        s.add(row)
    return row


def add_patient(
    session: Session, practice: Practice, serial: int, family: str, given: str, **kw: Any
) -> Patient:
    row = Patient(
        nhs_number=nhs_number(serial),
        family_name=family,
        given_name=given,
        date_of_birth=kw.pop("date_of_birth", date(1970, 5, 17)),
        practice_id=practice.id,
        **kw,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=ACTOR,
        action="create",
        entity="patient",
        entity_id=row.id,
        patient_id=row.id,
    )
    return row


def add_note_versions(
    session: Session,
    patient: Patient,
    texts: list[str],
    *,
    error_last: bool = False,
    written: date = date(2024, 1, 10),
) -> list[Note]:
    """One note lineage: version 1 and corrections; optionally the last version is the
    entered-in-error marker."""
    lineage = uuid.uuid4()
    rows: list[Note] = []
    for i, text in enumerate(texts, start=1):
        row = Note(
            patient_id=patient.id,
            lineage_id=lineage,
            version=i,
            replaces_id=rows[-1].id if rows else None,
            text=text,
            author=ACTOR,
            written_at=at(written, 9 + i),
            entered_in_error=error_last and i == len(texts),
            amend_reason="typo" if i > 1 else "",
        )
        session.add(row)
        session.flush()
        rows.append(row)
    return rows


def decrypted_database(path: Path, key: bytes) -> bytes:
    """Every page of a SQLCipher 4 file decrypted (AES-256-CBC, 4096-byte pages, 80
    reserved bytes: IV then HMAC), free pages included: what a thief with the key could
    read, so deleted text must not be in it."""
    page_size, reserve = 4096, 80
    raw = path.read_bytes()
    out = []
    for offset in range(0, len(raw), page_size):
        page = raw[offset : offset + page_size]
        start = 16 if offset == 0 else 0  # page 1 begins with the salt
        iv = page[page_size - reserve : page_size - reserve + 16]
        dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out.append(dec.update(page[start : page_size - reserve]) + dec.finalize())
    return b"".join(out)
