from __future__ import annotations

from collections.abc import Callable

import pytest

from mhf_tui.db.store import Caseload
from mhf_tui.services.finder import PatientIndex
from mhf_tui.services.patients import PatientRead, edit_patient
from mhf_tui.services.practices import PracticeCreate, add_practice

from .conftest import ACTOR

MakePatient = Callable[..., PatientRead]


@pytest.fixture
def people(caseload: Caseload, make_patient: MakePatient) -> dict[str, PatientRead]:
    with caseload.session() as session:
        add_practice(
            session, actor=ACTOR, data=PracticeCreate(ods_code="Z99902", name="Bridge Street")
        )
    return {
        "anna": make_patient(
            1,
            family_name="O'Neill",
            given_name="Anna",
            nhs_number="999 000 0018",
            date_of_birth="1980-03-04",
            care_cluster=8,
        ),
        "jo": make_patient(
            2,
            family_name="Smith-Jones",
            given_name="Jo",
            nhs_number="9990000026",
            care_cluster=11,
            practice_ods="Z99902",
        ),
        "zoe": make_patient(3, family_name="Müller", given_name="Zoë", nhs_number=None),
    }


def _find(caseload: Caseload, query: str, **kw: object) -> list[str]:
    with caseload.session() as session:
        index = PatientIndex.load(session)
    return [r.given_name for r in index.search(query, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Zoë", "Anna", "Jo"]),  # sorted by family name: Müller, O'Neill, Smith-Jones
        ("o'ne", ["Anna"]),
        ("ONEIL", ["Anna"]),
        ("neill", ["Anna"]),
        ("anna o", ["Anna"]),
        ("jones", ["Jo"]),
        ("smithj", ["Jo"]),
        ("muller", ["Zoë"]),
        ("zoe", ["Zoë"]),
        ("999 000 0018", ["Anna"]),
        ("9990000018", ["Anna"]),
        ("999-000-00", ["Anna", "Jo"]),
        ("0026", ["Jo"]),
        ("c8", ["Anna"]),
        ("cluster 11", ["Jo"]),
        ("Cluster11", ["Jo"]),
        ("z99902", ["Jo"]),
        ("bridge", ["Jo"]),
        ("04/03/1980", ["Anna"]),
        ("1980-03-04", ["Anna"]),
        ("anna c11", []),
        ("nobody", []),
    ],
)
def test_queries(
    caseload: Caseload, people: dict[str, PatientRead], query: str, expected: list[str]
) -> None:
    assert _find(caseload, query) == expected


def test_status_and_practice_filters_and_limit(
    caseload: Caseload, people: dict[str, PatientRead]
) -> None:
    with caseload.session() as session:
        edit_patient(
            session, actor=ACTOR, patient_id=people["jo"].id, changes={"status": "discharged"}
        )
    assert _find(caseload, "", statuses=frozenset({"active"})) == ["Zoë", "Anna"]
    assert _find(caseload, "", practice_ods="z99902") == ["Jo"]
    assert _find(caseload, "", limit=1) == ["Zoë"]


def test_refresh_patient_after_an_edit(caseload: Caseload, people: dict[str, PatientRead]) -> None:
    with caseload.session() as session:
        index = PatientIndex.load(session)
        assert [r.given_name for r in index.search("9990000018")] == ["Anna"]
        assert index.search("walker") == []
        edit_patient(
            session,
            actor=ACTOR,
            patient_id=people["anna"].id,
            changes={"family_name": "Walker", "alert_risk": True},
        )
        index.refresh_patient(session, people["anna"].id)
    rows = index.search("walk")
    assert [r.given_name for r in rows] == ["Anna"]
    assert rows[0].alerts == ["risk"]
    assert rows[0].display_name == "WALKER, Anna"
    assert index.search("o'neill") == []
    assert len(index) == 3
