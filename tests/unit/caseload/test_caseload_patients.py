from __future__ import annotations

from collections.abc import Callable

import pytest

from mhf_tui.db.store import Caseload
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import patient_access_history
from mhf_tui.services.patients import (
    DuplicatePatient,
    PatientRead,
    PossibleDuplicate,
    add_patient,
    edit_patient,
    find_patient_by_nhs,
    get_patient_record,
    list_patients,
)
from mhf_tui.services.practices import PracticeNotFound, list_practices

from .conftest import ACTOR, patient_data, test_nhs_number

MakePatient = Callable[..., PatientRead]


def test_add_patient_stores_normalised_values(caseload: Caseload, practice: str) -> None:
    data = patient_data(
        1, nhs_number="999 000 0018", postcode="zz9 9zz", care_cluster="cluster 8", sex="F"
    )
    with caseload.session() as session:
        added = add_patient(session, actor=ACTOR, data=data)
    assert added.nhs_number == "9990000018"
    assert added.postcode == "ZZ9 9ZZ"
    assert added.care_cluster == 8
    assert added.sex == "female"
    assert added.practice_ods == practice
    assert added.share_with_practice is True
    assert added.change_seq > 0
    with caseload.session() as session:
        found = find_patient_by_nhs(session, nhs_number="999-000-0018")
        assert found.id == added.id
        assert list_practices(session)[0].patient_count == 1


def test_unknown_practice_says_how_to_add_it(caseload: Caseload, practice: str) -> None:
    with caseload.session() as session, pytest.raises(PracticeNotFound, match="practice add"):
        add_patient(session, actor=ACTOR, data=patient_data(1, practice_ods="Z99988"))


def test_same_nhs_number_is_refused(caseload: Caseload, make_patient: MakePatient) -> None:
    first = make_patient(1)
    with caseload.session() as session, pytest.raises(DuplicatePatient) as err:
        add_patient(
            session,
            actor=ACTOR,
            data=patient_data(2, nhs_number=first.nhs_number),
        )
    assert err.value.existing_id == first.id
    with caseload.session() as session:
        assert len(list_patients(session)) == 1


def test_near_duplicate_is_flagged_until_confirmed(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    first = make_patient(1, family_name="O'Neill", given_name="Anna", date_of_birth="1980-03-04")
    lookalike = patient_data(2, family_name="ONeil", given_name="Ana", date_of_birth="1980-03-04")
    with caseload.session() as session, pytest.raises(PossibleDuplicate) as err:
        add_patient(session, actor=ACTOR, data=lookalike)
    assert err.value.candidate_ids == [first.id]
    assert "O'Neill" not in str(err.value)  # messages carry no patient data
    with caseload.session() as session:
        add_patient(session, actor=ACTOR, data=lookalike, allow_possible_duplicate=True)
        # a different person born the same day is not flagged
        add_patient(
            session,
            actor=ACTOR,
            data=patient_data(
                3, family_name="Patel", given_name="Ravi", date_of_birth="1980-03-04"
            ),
        )
        assert len(list_patients(session)) == 3


def test_unregistered_patients_have_no_nhs_number(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    a = make_patient(1, nhs_number=None)
    b = make_patient(2, nhs_number="")
    assert a.nhs_number is None and b.nhs_number is None


def test_future_date_of_birth_is_refused(caseload: Caseload, practice: str) -> None:
    with caseload.session() as session, pytest.raises(ValidationError, match="future"):
        add_patient(session, actor=ACTOR, data=patient_data(1, date_of_birth="2999-01-01"))


def test_edit_audits_field_names_not_values(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        edited = edit_patient(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            changes={"phone": "07700 900123", "alert_risk": True, "status": "on_hold"},
        )
    assert edited.phone == "07700 900123" and edited.alerts == ["risk"]
    with caseload.session() as session:
        events = patient_access_history(session, patient_id=patient.id)
    update = events[-1]
    assert update.action == "update"
    assert update.detail == "fields=alert_risk,phone,status"
    assert "07700" not in update.detail


def test_edit_refuses_another_patients_nhs_number(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    a = make_patient(1)
    b = make_patient(2)
    with caseload.session() as session, pytest.raises(DuplicatePatient):
        edit_patient(session, actor=ACTOR, patient_id=b.id, changes={"nhs_number": a.nhs_number})


def test_opening_a_record_is_audited(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        get_patient_record(session, actor=ACTOR, patient_id=patient.id)
        actions = [e.action for e in patient_access_history(session, patient_id=patient.id)]
    assert actions == ["create", "view"]


def test_list_is_sorted_and_filterable(caseload: Caseload, make_patient: MakePatient) -> None:
    make_patient(1, family_name="Young")
    make_patient(2, family_name="Adams", status="discharged")
    make_patient(3, family_name="Mills")
    with caseload.session() as session:
        names = [p.family_name for p in list_patients(session)]
        active = [p.family_name for p in list_patients(session, statuses=["active"])]
    assert names == ["Adams", "Mills", "Young"]
    assert active == ["Mills", "Young"]


def test_test_nhs_numbers_helper_stays_in_range() -> None:
    assert all(test_nhs_number(n).startswith("999") for n in range(50))
