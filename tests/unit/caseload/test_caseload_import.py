from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhf_tui.db.store import Caseload
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import patient_access_history, verify_chain
from mhf_tui.services.csv_input import CsvImportError
from mhf_tui.services.patient_import import HEADER, import_patients_csv
from mhf_tui.services.patients import list_patients

from .conftest import ACTOR, ODS, test_nhs_number


def _row(n: int, **over: str) -> str:
    cells = {
        "nhs_number": test_nhs_number(n),
        "family_name": f"Import{n}",
        "given_name": f"Person{chr(65 + n % 26)}",
        "date_of_birth": f"19{60 + n % 30}-0{1 + n % 9}-2{n % 8}",
        "sex": "female",
        "phone": "07700 900123",
        "postcode": "ZZ1 1AA",
        "practice_ods": ODS,
        "care_cluster": "8",
        "smi_register": "true",
    }
    cells.update(over)
    return ",".join(cells[c] for c in HEADER.split(","))


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_good_file_imports_and_reimport_adds_nothing(caseload: Caseload, practice: str) -> None:
    text = _csv(*(_row(n) for n in range(1, 6)))
    with caseload.session() as session:
        first = import_patients_csv(session, actor=ACTOR, text=text)
    with caseload.session() as session:
        second = import_patients_csv(session, actor=ACTOR, text=text)
        patients = list_patients(session)
    assert (first.added, first.already_present) == (5, 0)
    assert (second.added, second.already_present) == (0, 5)
    assert len(patients) == 5
    assert all(p.smi_register and p.care_cluster == 8 for p in patients)
    assert all(p.change_seq > 0 for p in patients)
    with caseload.session() as session:
        assert verify_chain(session).ok
        history = patient_access_history(session, patient_id=patients[0].id)
    assert [(e.action, e.entity) for e in history] == [("import", "patient")]


def test_any_bad_row_imports_nothing_and_every_bad_line_is_reported(
    caseload: Caseload, practice: str
) -> None:
    text = _csv(
        _row(1),
        _row(2, nhs_number="9990000017"),  # line 3: check digit
        _row(3),
        _row(4, date_of_birth="2999-01-01"),  # line 5: future
        _row(5, practice_ods="Z99988"),  # line 6: unknown practice
        _row(6, nhs_number=test_nhs_number(1)),  # line 7: repeats line 2
        _row(7, smi_register="maybe"),  # line 8
        "1,2,3",  # line 9: wrong field count
    )
    with caseload.session() as session, pytest.raises(CsvImportError) as err:
        import_patients_csv(session, actor=ACTOR, text=text)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "line 3",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
    ]
    assert "Modulus 11" in problems[0]
    assert "future" in problems[1]
    assert "mhf practice add --ods Z99988" in problems[2]
    assert "line 2" in problems[3]
    with caseload.session() as session:
        assert list_patients(session) == []


def test_messages_do_not_echo_cell_values(caseload: Caseload, practice: str) -> None:
    with caseload.session() as session, pytest.raises(CsvImportError) as err:
        import_patients_csv(
            session,
            actor=ACTOR,
            text=_csv(_row(1, family_name="", given_name="Secretname", phone="call Secretname")),
        )
    assert "Secretname" not in str(err.value)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("nhs_number,family_name,given_name,date_of_birth", "missing column(s): practice_ods"),
        (HEADER + ",favourite_colour", "unknown column(s): favourite_colour"),
        (HEADER + ",phone", "repeated column(s): phone"),
        ("", "empty"),
    ],
)
def test_header_problems(caseload: Caseload, practice: str, header: str, message: str) -> None:
    with caseload.session() as session, pytest.raises(CsvImportError, match=re.escape(message)):
        import_patients_csv(session, actor=ACTOR, text=header + "\n")


def test_possible_duplicates_need_confirmation(caseload: Caseload, practice: str) -> None:
    text = _csv(
        _row(1, family_name="Smith", given_name="John", date_of_birth="1970-01-01"),
        _row(2, family_name="Smyth", given_name="Jon", date_of_birth="1970-01-01"),
    )
    with caseload.session() as session, pytest.raises(CsvImportError, match="line 3: possible"):
        import_patients_csv(session, actor=ACTOR, text=text)
    with caseload.session() as session:
        result = import_patients_csv(
            session, actor=ACTOR, text=text, allow_possible_duplicates=True
        )
    assert result.added == 2


def test_optional_columns_may_be_left_out(caseload: Caseload, practice: str) -> None:
    text = (
        "family_name,given_name,nhs_number,date_of_birth,practice_ods\n"
        f"Short,Form,{test_nhs_number(9)},1990-05-05,{ODS.lower()}\n"
    )
    with caseload.session() as session:
        assert import_patients_csv(session, actor=ACTOR, text=text).added == 1


_cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12
) | st.sampled_from(["", "9990000018", "1980-01-01", ODS, "true", "8", "c8", '"', ",", "\n"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_cells, min_size=0, max_size=11), max_size=4), header=st.booleans())
def test_importer_never_crashes(
    caseload: Caseload, practice: str, rows: list[list[str]], header: bool
) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    with caseload.session() as session:
        try:
            import_patients_csv(session, actor=ACTOR, text=out.getvalue())
        except ValidationError:
            session.rollback()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_importer_never_crashes_on_arbitrary_text(
    caseload: Caseload, practice: str, text: str
) -> None:
    with caseload.session() as session:
        try:
            import_patients_csv(session, actor=ACTOR, text=HEADER + "\n" + text)
        except ValidationError:
            session.rollback()
