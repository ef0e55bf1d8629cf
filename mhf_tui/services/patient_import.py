"""Importing patients from a CSV file (`mhf patients import FILE.csv`).

All or nothing: every row is validated first (and checked against the caseload and the
rest of the file); if any row is bad nothing is written and every bad line is reported
with its number and reason. Idempotent on NHS number: a patient already on the caseload is
left as it is, so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from mhf_tui.db.tables import Patient, Practice
from mhf_tui.services.audit import record_events
from mhf_tui.services.bulk import bulk_insert, row_values
from mhf_tui.services.csv_input import CsvImportError, by_line, read_csv
from mhf_tui.services.patients import PatientCreate
from mhf_tui.services.validation import names_similar

REQUIRED_COLUMNS = ("nhs_number", "family_name", "given_name", "date_of_birth", "practice_ods")
OPTIONAL_COLUMNS = ("sex", "phone", "postcode", "care_cluster", "smi_register")
HEADER = (
    "nhs_number,family_name,given_name,date_of_birth,sex,phone,postcode,practice_ods,"
    "care_cluster,smi_register"
)


@dataclass(frozen=True)
class PatientImportResult:
    added: int
    already_present: int


def import_patients_csv(
    session: Session,
    *,
    actor: str,
    text: str,
    allow_possible_duplicates: bool = False,
    today: date | None = None,
) -> PatientImportResult:
    """Raises `CsvImportError` (a ValidationError listing every problem of every bad
    line, each row checked by `PatientCreate`) and writes nothing if any row is invalid."""
    rows, problems = read_csv(
        text, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, header_hint=HEADER
    )
    practices = {p.ods_code: p for p in session.exec(select(Practice))}
    existing_nhs = {nhs for nhs in session.exec(select(Patient.nhs_number)) if nhs is not None}
    by_dob: dict[date, list[tuple[str, str]]] = defaultdict(list)
    for fam, giv, dob in session.exec(
        select(Patient.family_name, Patient.given_name, col(Patient.date_of_birth))
    ):
        by_dob[dob].append((fam, giv))

    seen_nhs: dict[str, int] = {}
    missing_practices: set[str] = set()
    to_add: list[dict[str, Any]] = []
    already = 0
    for line, cells in rows:
        if not cells.get("nhs_number"):
            problems.append(
                f"line {line}: NHS number is required for import "
                "(add patients not yet registered with `mhf patient add`)"
            )
            continue
        columns = {k: cells[k] for k in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if k in cells}
        patient, row_problems = PatientCreate.problems(columns, today=today)
        if patient is None:
            problems.extend(f"line {line}: {problem}" for problem in row_problems)
            continue
        clean = patient.model_dump()
        nhs = clean["nhs_number"]
        if nhs in seen_nhs:
            problems.append(f"line {line}: same NHS number as line {seen_nhs[nhs]}")
            continue
        seen_nhs[nhs] = line
        if nhs in existing_nhs:
            already += 1
            continue
        ods = clean.pop("practice_ods")
        practice = practices.get(ods)
        if practice is None:
            missing_practices.add(ods)
            problems.append(
                f"line {line}: practice {ods} is not on this caseload "
                f"(add it first: mhf practice add --ods {ods} --name NAME)"
            )
            continue
        if not allow_possible_duplicates and any(
            names_similar(clean["family_name"], clean["given_name"], fam, giv)
            for fam, giv in by_dob[clean["date_of_birth"]]
        ):
            problems.append(
                f"line {line}: possible duplicate (same date of birth, similar name) of a "
                "patient on the caseload or earlier in the file; check, then import with "
                "--allow-duplicates"
            )
            continue
        by_dob[clean["date_of_birth"]].append((clean["family_name"], clean["given_name"]))
        clean["practice_id"] = practice.id
        to_add.append(clean)
    if problems:
        raise CsvImportError(by_line(problems))
    new_rows = [row_values(Patient, **values) for values in to_add]
    insert_patients(session, actor=actor, rows=new_rows)
    return PatientImportResult(added=len(new_rows), already_present=already)


def insert_patients(
    session: Session, *, actor: str, rows: list[dict[str, Any]], detail: str = ""
) -> None:
    """Bulk-insert patient rows, each with its `import` audit event: a patient's access
    history starts with how it got onto the caseload."""
    bulk_insert(session, Patient, rows)
    record_events(
        session,
        actor=actor,
        action="import",
        entity="patient",
        records=[(row["id"], row["id"]) for row in rows],
        detail=detail,
    )
