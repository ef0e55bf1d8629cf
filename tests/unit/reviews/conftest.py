"""Fixtures for review, recall and outcome tests: a migrated SQLCipher database opened with a
random raw key (no passphrase KDF, so it is quick), and synthetic patients."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from mhf_tui.db.migrations import migrate
from mhf_tui.db.session import new_session
from mhf_tui.services.patients import PatientCreate, add_patient
from mhf_tui.services.practices import PracticeCreate, add_practice
from mhf_tui.services.templates import TemplateSet, load_templates
from mhf_tui.services.validation import nhs_check_digit
from mhf_tui.vault.engine import make_engine

ACTOR = "Test Facilitator"
#: every item of the SMI physical health check answered (valid values)
FULL_CHECK = {
    "bmi": "27.4",
    "bp_systolic": "128",
    "bp_diastolic": "82",
    "alcohol_units_week": "6",
    "smoking_status": "ex",
    "hba1c": "41",
    "cholesterol": "5.2",
    "health_promotion_advice": "y",
    "referral_offered": "n",
}


def synthetic_nhs_numbers() -> Iterator[str]:
    """Valid Modulus 11 numbers in the 999 test range."""
    for n in itertools.count(1):
        first_nine = f"999{n:06d}"
        digit = nhs_check_digit(first_nine)
        if digit is not None:
            yield f"{first_nine}{digit}"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(tmp_path / "reviews.db", os.urandom(32))
    migrate(engine)
    s = new_session(engine)
    try:
        yield s
    finally:
        s.close()
        engine.dispose()


@pytest.fixture(scope="session")
def templates() -> TemplateSet:
    return load_templates()


@pytest.fixture
def make_patient(session: Session) -> Callable[..., uuid.UUID]:
    numbers = synthetic_nhs_numbers()
    names = itertools.count(1)
    practices: set[str] = set()

    def make(practice: str = "A81001", **fields: object) -> uuid.UUID:
        if practice not in practices:
            add_practice(
                session, actor=ACTOR, data=PracticeCreate(ods_code=practice, name="Test Surgery")
            )
            practices.add(practice)
        n = next(names)
        data: dict[str, object] = {
            "family_name": f"Testperson{chr(64 + n % 26 + 1)}{n}",
            "given_name": "Alex",
            "date_of_birth": date(1970, 1, 1 + n % 28),
            "practice_ods": practice,
            "nhs_number": next(numbers),
            "smi_register": True,
        }
        data.update(fields)
        patient = add_patient(
            session,
            actor=ACTOR,
            data=PatientCreate(**data),
            allow_possible_duplicate=True,  # type: ignore[arg-type]
        )
        session.flush()
        return patient.id

    return make
