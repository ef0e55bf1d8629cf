"""The entity models: field rules declared as types, every problem of an imported row
reported with its line, no typed value in any message, and one audited write."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent, Practice
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import verify_chain
from mhf_tui.services.audited import audited_add
from mhf_tui.services.csv_input import CsvImportError
from mhf_tui.services.patient_import import HEADER, import_patients_csv
from mhf_tui.services.patients import PatientCreate, PatientUpdate, list_patients

from .conftest import ACTOR, ODS, test_nhs_number

GOOD = {
    "nhs_number": "999 000 0018",
    "family_name": "Secretfamily",
    "given_name": "Jo",
    "date_of_birth": "1970-01-01",
    "practice_ods": "z99901",
}


def test_create_normalises_what_was_typed() -> None:
    patient = PatientCreate(
        **GOOD, postcode="zz11aa", care_cluster="c8", smi_register="yes", sex="F"
    )
    assert patient.nhs_number == "9990000018" and patient.practice_ods == "Z99901"
    assert patient.postcode == "ZZ1 1AA" and patient.care_cluster == 8
    assert patient.smi_register is True and patient.sex == "female"
    assert patient.date_of_birth == date(1970, 1, 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "9990000017", "Modulus 11"),
        ("date_of_birth", "01/02/1970", "YYYY-MM-DD"),
        ("date_of_birth", "2999-01-01", "in the future"),
        ("practice_ods", "SECRET", "ODS code"),
        ("phone", "Secretphone", "phone may contain only"),
        ("family_name", "   ", "family name is required"),
        ("family_name", 12345678, "family name"),  # not text: pydantic's own check
        ("care_cluster", "c99", "care cluster"),
        ("smi_register", "Secretflag", "smi register must be true or false"),
    ],
)
def test_a_broken_rule_names_the_field_never_the_value(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as err:
        PatientCreate(**{**GOOD, field: value})
    if str(value).strip():
        assert str(value).strip() not in str(err.value)
    assert "Secretfamily" not in str(err.value)


def test_an_objection_needs_a_reason_and_sharing_clears_it() -> None:
    with pytest.raises(ValidationError, match="give the reason"):
        PatientCreate(**GOOD, share_with_practice="no")
    shared = PatientCreate(**GOOD, share_objection_reason="stale", share_decision_on="2024-01-01")
    assert shared.share_objection_reason == "" and shared.share_decision_on is None


def test_update_checks_only_what_is_given() -> None:
    assert PatientUpdate(phone="07700 900123").model_dump(exclude_unset=True) == {
        "phone": "07700 900123"
    }
    with pytest.raises(ValidationError, match="unknown patient field favourite_colour"):
        PatientUpdate(favourite_colour="blue")
    with pytest.raises(ValidationError, match="postcode"):
        PatientUpdate(postcode="not a postcode")


def test_import_reports_every_problem_of_every_line(caseload: Caseload, practice: str) -> None:
    good = f"{test_nhs_number(1)},Good,Row,1970-01-01,female,,,{ODS},8,true"
    two_bad = f"{test_nhs_number(2)},Secretname,Row,1970-13-01,female,Secretphone,,{ODS},8,true"
    text = "\n".join([HEADER, good, two_bad, "9990000017,Other,Row,1971-01-01,,,,Z99901,,"])
    with caseload.session() as session, pytest.raises(CsvImportError) as err:
        import_patients_csv(session, actor=ACTOR, text=text + "\n")
    assert err.value.problems == [
        "line 3: date of birth must be a date as YYYY-MM-DD",
        "line 3: phone may contain only digits, spaces, brackets, - and +",
        "line 4: NHS number fails the Modulus 11 check digit (mistyped?)",
    ]
    assert "Secret" not in str(err.value)
    with caseload.session() as session:
        assert list_patients(session) == []  # all or nothing


def test_audited_add_adds_the_row_and_its_event(caseload: Caseload) -> None:
    with caseload.session() as session:
        row = audited_add(
            session,
            Practice(ods_code="Z99977", name="Audited"),
            actor=ACTOR,
            action="create",
            entity="practice",
        )
        assert row.id is not None
    with caseload.session() as session:
        assert session.get(Practice, row.id) is not None
        report = verify_chain(session)
        assert report.ok
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert event is not None
        assert (event.action, event.entity, event.entity_id) == ("create", "practice", str(row.id))
