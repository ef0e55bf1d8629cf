"""Bad input fuzz for the importers of user files: mutated valid inputs, never a traceback,
never a partial import.

Already covered elsewhere, so not repeated here: the patient CSV importer never crashes on
random rows or arbitrary text (tests/unit/caseload/test_caseload_import.py); a flipped
byte in a sync file is always refused (tests/unit/sync/test_sync_tamper.py); validly
signed but malformed sync files (test_fuzz_sync_import.py beside this file).
Added here: all-or-nothing under mutation for the patient and service-directory CSV
imports (the whole table is compared before and after a refusal), and the review-template
loader on mutated shipped templates, as TOML, as JSON and as undecodable bytes.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Patient, Service
from mhf_tui.errors import MhfError, ValidationError
from mhf_tui.services.csv_input import decode_csv_bytes, write_csv
from mhf_tui.services.directory import CSV_COLUMNS, import_services_csv
from mhf_tui.services.patient_import import HEADER, import_patients_csv
from mhf_tui.services.templates import SHIPPED_DIR, load_templates, parse_template_text
from tests.reliability.conftest import ACTOR, PASS, PRACTICE_ODS, seed, synthetic_nhs_numbers

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
cell_text = st.text(max_size=20) | st.sampled_from(
    ['"', '""', "\n", "\r\n", ",", "999 000 0018", "31/02/2001", "2099-01-01", "C81001", "-1",
     "99", "yes", "maybe", "\x00", "\u202e", "é" * 300, "=cmd|' /C calc'!A0"]
)  # fmt: skip


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Any:
    seeded = seed(tmp_path_factory.mktemp("fuzz-inputs") / "home", patients=0)
    opened = Caseload.open(seeded.data, PASS)
    yield opened
    opened.close()


_nhs = iter(synthetic_nhs_numbers(20_000, start=999_400_000))


def _table(caseload: Caseload, model: Any) -> list[tuple[Any, ...]]:
    """Every row's every column: to prove a refused import changed nothing at all."""
    with caseload.session() as session:
        rows = session.exec(select(model)).all()
        # by repr: a nullable column (care_cluster) holds None in one row and 8 in another
        dumped = (tuple(sorted(r.model_dump().items(), key=lambda kv: kv[0])) for r in rows)
        return sorted(dumped, key=repr)


@st.composite
def mutated_rows(draw: st.DrawFn, rows: list[list[str]]) -> tuple[list[list[str]], str]:
    """A valid table with one mutation, and how it was mutated."""
    rows = [list(r) for r in rows]
    how = draw(st.sampled_from(["cell", "drop_cell", "add_cell", "dup_row", "none"]))
    r = draw(st.integers(1, len(rows) - 1))  # row 0 is the header
    c = draw(st.integers(0, len(rows[r]) - 1))
    if how == "cell":
        rows[r][c] = draw(cell_text)
    elif how == "drop_cell":
        del rows[r][c]
    elif how == "add_cell":
        rows[r].insert(c, draw(cell_text))
    elif how == "dup_row":
        rows.insert(r, list(rows[r]))
    return rows, how


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """Raw-text damage on top: a splice of random characters, or a truncation."""
    how = draw(st.sampled_from(["splice", "truncate", "none", "none"]))
    if how == "none":
        return text
    at = draw(st.integers(0, len(text)))
    if how == "truncate":
        return text[:at]
    return text[:at] + draw(st.text(max_size=8)) + text[at:]


def _patient_rows() -> list[list[str]]:
    header = HEADER.split(",")
    body = []
    for n in range(5):
        values = {
            "nhs_number": next(_nhs), "family_name": f"Fuzzrow{chr(65 + n)}",
            "given_name": "Kit", "date_of_birth": f"19{60 + n}-0{1 + n}-1{n}", "sex": "f",
            "phone": "", "postcode": "", "practice_ods": PRACTICE_ODS, "care_cluster": "8",
            "smi_register": "no",
        }  # fmt: skip
        body.append([values[col] for col in header])
    return [header, *body]


@pytest.mark.reliability
@FUZZ
@given(data=st.data())
def test_patient_csv_import_is_all_or_nothing_under_mutation(caseload, data):
    rows, _how = data.draw(mutated_rows(_patient_rows()))
    text = data.draw(mutated_text(write_csv(rows[0], rows[1:])))
    before = _table(caseload, Patient)
    try:
        with caseload.session() as session:
            result = import_patients_csv(
                session, actor=ACTOR, text=text, allow_possible_duplicates=True
            )
    except ValidationError as exc:
        assert str(exc).startswith("nothing imported")  # and every bad line listed
        assert _table(caseload, Patient) == before
        return
    after = _table(caseload, Patient)
    assert len(after) == len(before) + result.added  # every accepted row, or none
    assert {r for r in before} <= {r for r in after}


def _service_rows(n: int) -> list[list[str]]:
    header = list(CSV_COLUMNS)
    body = []
    for i in range(3):
        values = {
            "name": f"Fuzz Service {n}-{i}", "category": "peer_support", "how_to_refer": "self",
            "phone": "0116 496 0000", "text_number": "", "web": "https://example.org",
            "area": "Leicester", "opening_hours": "Mon-Fri 9-5", "notes": "",
            "checked_on": "2025-01-02",
        }  # fmt: skip
        body.append([values[col] for col in header])
    return [header, *body]


@pytest.mark.reliability
@FUZZ
@given(data=st.data())
def test_directory_csv_import_is_all_or_nothing_under_mutation(caseload, data):
    # a small set of files, so rows often name services already there (updates, not adds)
    n = data.draw(st.integers(0, 5))
    rows, _how = data.draw(mutated_rows(_service_rows(n)))
    text = data.draw(mutated_text(write_csv(rows[0], rows[1:])))
    before = _table(caseload, Service)
    try:
        with caseload.session() as session:
            result = import_services_csv(session, actor=ACTOR, text=text)
    except ValidationError as exc:
        assert str(exc).startswith("nothing imported")
        assert _table(caseload, Service) == before
        return
    after = _table(caseload, Service)
    assert len(after) == len(before) + result.added


@pytest.mark.reliability
@FUZZ
@given(data=st.data(), raw=st.binary(max_size=200))
def test_csv_bytes_decode_or_refuse(data, raw):
    blob = data.draw(st.sampled_from([raw, b"\xef\xbb\xbf" + raw, raw + b"\xff\xfe"]))
    try:
        decoded = decode_csv_bytes(blob)
    except ValidationError:
        return
    assert isinstance(decoded, str)


# --- review templates ----------------------------------------------------------------------


def _shipped_templates() -> list[tuple[str, str]]:
    folder = resources.files("mhf_tui").joinpath(SHIPPED_DIR)
    return sorted(
        (f.name, f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".toml")
    )


SHIPPED = _shipped_templates()
toml_values = st.sampled_from(
    ['""', "0", "-1", "1e309", "true", "[]", "[1, \"a\"]", "{}", '{ a = 1 }', "1979-05-27",
     '"x"', '"' + "y" * 500 + '"', "nan", "inf", "[[]]"]
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated_toml(draw: st.DrawFn) -> str:
    _name, text = draw(st.sampled_from(SHIPPED))
    lines = text.splitlines()
    i = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["value", "delete", "duplicate", "splice"]))
    if how == "value" and "=" in lines[i]:
        key = lines[i].split("=", 1)[0]
        lines[i] = f"{key}= {draw(toml_values)}"
    elif how == "delete":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    else:
        lines[i] = lines[i][: len(lines[i]) // 2] + draw(st.text(max_size=10))
    return "\n".join(lines)


def _replace_somewhere(value: Any, new: Any, path: list[int]) -> Any:
    """Replace one nested value (chosen by `path`, indexes into dict items / list items)."""
    if not path or not isinstance(value, dict | list) or not value:
        return new
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    value[key] = _replace_somewhere(value[key], new, path[1:])
    return value


@pytest.mark.reliability
@FUZZ
@given(text=mutated_toml())
def test_template_loader_refuses_mutated_toml_clearly(text):
    try:
        parse_template_text(text, source_name="fuzzed.toml", origin="user")
    except MhfError as exc:
        assert "fuzzed.toml" in str(exc)


@pytest.mark.reliability
@FUZZ
@given(data=st.data())
def test_template_loader_refuses_mutated_json_clearly(data):
    _name, text = data.draw(st.sampled_from(SHIPPED))
    raw = tomllib.loads(text)
    path = data.draw(st.lists(st.integers(0, 50), max_size=5))
    mutated = _replace_somewhere(raw, data.draw(json_values), path)
    try:
        parse_template_text(json.dumps(mutated, default=str), source_name="fuzzed.json")
    except MhfError as exc:
        assert "fuzzed.json" in str(exc)


@pytest.mark.reliability
@FUZZ
@given(raw=st.binary(max_size=300), suffix=st.sampled_from([".toml", ".json"]))
def test_user_template_dir_with_garbage_is_refused_clearly(tmp_path_factory, raw, suffix):
    user_dir: Path = tmp_path_factory.mktemp("templates")
    (user_dir / f"garbage{suffix}").write_bytes(raw)
    try:
        load_templates(user_dir)
    except MhfError as exc:
        assert "garbage" in str(exc)
