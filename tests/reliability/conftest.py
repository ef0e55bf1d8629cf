"""Fixtures for the reliability suite: a seeded caseload, the `mhf` CLI as a separate
process, and a scanner for known strings in files.

Everything here is synthetic (made-up names, NHS numbers in the 999 test range).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mhf_tui.db.store import Caseload
from mhf_tui.paths import DataDir
from mhf_tui.services.patients import PatientCreate, add_patient
from mhf_tui.services.practices import PracticeCreate, add_practice
from mhf_tui.services.setup import initialise_caseload

PASS = "reliability horse battery staple"
ACTOR = "Reliability Facilitator"
PRACTICE_ODS = "C81001"
CHILD = Path(__file__).with_name("child.py")
SRC_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seeded:
    data: DataDir
    patient_ids: list[uuid.UUID]

    @property
    def home(self) -> Path:
        return self.data.root


def synthetic_nhs_numbers(count: int, start: int = 999_100_000) -> list[str]:
    """Valid Modulus 11 NHS numbers in the 999 test range."""
    out: list[str] = []
    body = start
    while len(out) < count:
        digits = f"{body:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1))) % 11
        if check != 10:
            out.append(digits + str(0 if check == 11 else check))
        body += 1
    return out


def add_patients(
    caseload: Caseload, count: int, *, family: str = "Testperson", given: str = "Alex"
) -> list[uuid.UUID]:
    ids = []
    with caseload.session() as session:
        for i, nhs in enumerate(synthetic_nhs_numbers(count)):
            patient = add_patient(
                session,
                actor=ACTOR,
                data=PatientCreate(
                    family_name=f"{family}{chr(65 + i % 26)}{i}",
                    given_name=given,
                    date_of_birth=f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
                    practice_ods=PRACTICE_ODS,
                    nhs_number=nhs,
                ),
            )
            ids.append(patient.id)
    return ids


def seed(home: Path, *, patients: int = 2) -> Seeded:
    data = DataDir(home)
    caseload, _recovery = initialise_caseload(data, PASS, facilitator=ACTOR)
    try:
        with caseload.session() as session:
            add_practice(
                session,
                actor=ACTOR,
                data=PracticeCreate(ods_code=PRACTICE_ODS, name="Test Surgery"),
            )
        ids = add_patients(caseload, patients)
    finally:
        caseload.close()
    return Seeded(data, ids)


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    """A fresh caseload (passphrase PASS) with one practice and two patients."""
    return seed(tmp_path / "home")


def child_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: never a developer's MHF_HOME; bytecode caching
    allowed so the many short-lived children do not each recompile the package."""
    env = {k: v for k, v in os.environ.items() if k not in ("MHF_HOME", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPATH"] = str(SRC_ROOT)
    env.update(extra)
    return env


def run_mhf(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, prefix: Iterable[str] = ()
) -> subprocess.CompletedProcess[str]:
    """`mhf ARGS` in a fresh interpreter (optionally behind a wrapper like `unshare -n`)."""
    return subprocess.run(
        [*prefix, sys.executable, str(CHILD), "mhf", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env or child_env(),
    )


def check_ok(home: Path) -> subprocess.CompletedProcess[str]:
    """`mhf check` (cipher + SQLite integrity + audit chain) in its own process."""
    result = run_mhf("check", "--home", str(home), "--passphrase-stdin", stdin=f"{PASS}\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK"), result.stdout
    return result


# --- scanning files for known strings ------------------------------------------------------


def encodings_of(marker: str) -> list[bytes]:
    return [marker.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
            continue
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath, name)
                if path.is_file() and not path.is_symlink():
                    yield path


def find_markers(markers: Iterable[str], roots: Iterable[Path]) -> list[tuple[Path, str]]:
    """(file, marker) for every marker found in any file under `roots`, in UTF-8 or UTF-16."""
    needles = [(m, enc) for m in markers for enc in encodings_of(m)]
    found = []
    for path in files_under(*roots):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        found.extend((path, m) for m, needle in needles if needle in raw)
    return found
