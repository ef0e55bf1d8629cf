"""Caseload fixtures. One vault is created per test session (Argon2id is deliberately
slow); each test gets its own copy of it, opened with the data key, so tests are isolated
and fast."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from mhf_tui.db.store import Caseload
from mhf_tui.paths import DataDir
from mhf_tui.services.patients import PatientCreate, PatientRead, add_patient
from mhf_tui.services.practices import PracticeCreate, add_practice
from mhf_tui.services.validation import nhs_check_digit

PASSPHRASE = "correct horse battery staple"
ACTOR = "Test Facilitator"
ODS = "Z99901"


def test_nhs_number(n: int) -> str:
    """The n-th valid NHS number of the 999 test range (deterministic)."""
    seq = n
    while True:
        first = f"999{seq:06d}"
        check = nhs_check_digit(first)
        if check is not None:
            return first + str(check)
        seq += 1_000_000 // 7  # skip to another prefix; stays in range for small n


test_nhs_number.__test__ = False  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Template:
    root: Path
    key: bytes


@pytest.fixture(scope="session")
def caseload_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    from mhf_tui.services.setup import initialise_caseload

    data = DataDir(tmp_path_factory.mktemp("caseload-template") / "home")
    data.ensure()
    caseload, _recovery = initialise_caseload(data, PASSPHRASE, facilitator=ACTOR)
    key = caseload.key
    caseload.close()  # checkpoints the WAL into caseload.db
    return Template(data.root, key)


@pytest.fixture
def caseload(caseload_template: Template, tmp_path: Path) -> Iterator[Caseload]:
    root = tmp_path / "home"
    shutil.copytree(caseload_template.root, root)
    opened = Caseload.open_with_key(DataDir(root), caseload_template.key)
    yield opened
    opened.close()


@pytest.fixture
def practice(caseload: Caseload) -> str:
    with caseload.session() as session:
        add_practice(
            session, actor=ACTOR, data=PracticeCreate(ods_code=ODS, name="Riverside Surgery")
        )
    return ODS


def patient_data(n: int = 1, **overrides: Any) -> PatientCreate:
    values: dict[str, Any] = {
        "nhs_number": test_nhs_number(n),
        "family_name": f"Family{chr(65 + n % 26)}{n}",
        "given_name": f"Given{n}",
        "date_of_birth": f"19{50 + n % 40}-0{1 + n % 9}-1{n % 9}",
        "practice_ods": ODS,
    }
    values.update(overrides)
    return PatientCreate(**values)


@pytest.fixture
def make_patient(caseload: Caseload, practice: str) -> Callable[..., PatientRead]:
    def make(n: int = 1, **overrides: Any) -> PatientRead:
        with caseload.session() as session:
            return add_patient(session, actor=ACTOR, data=patient_data(n, **overrides))

    return make


@pytest.fixture
def session(caseload: Caseload) -> Iterator[Session]:
    with caseload.session() as s:
        yield s


@pytest.fixture
def cli_home(caseload_template: Template, tmp_path: Path) -> Path:
    """A copy of the template vault, opened by the CLI with PASSPHRASE."""
    root = tmp_path / "cli-home"
    shutil.copytree(caseload_template.root, root)
    return root
