"""Attack: stored text holding terminal escapes (retitle, clear screen, OSC 52 clipboard
write) or bidi overrides reaches the terminal through a listing command; a formula cell
reaches a spreadsheet through a CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Note, Patient, Service
from mhf_tui.paths import DataDir
from tests.unit.security.conftest import PASS, add_patient

NHS = "9990000018"
#: retitle the terminal, clear it, write the clipboard, a C1 CSI and a bidi override
EVIL = "a\x1b]0;pwned\x07b\x1b[2J\x1b]52;c;cHduZWQ=\x07c\x9b31md\u202eevil"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plant(home: Path) -> str:
    """Stored data as an older version or another tool could have left it: raw controls
    in a patient's name, a note and a directory entry. Returns the note id."""
    from mhf_tui.services.patients import PatientCreate, add_patient
    from mhf_tui.services.practices import PracticeCreate, add_practice

    caseload = Caseload.open(DataDir(home), PASS)
    try:
        with caseload.session() as s:
            add_practice(s, actor="t", data=PracticeCreate(ods_code="Z99901", name="Surgery"))
        with caseload.session() as s:
            data = PatientCreate(
                family_name="Smith",
                given_name="Jo",
                date_of_birth="1970-01-01",
                practice_ods="Z99901",
                nhs_number=NHS,
            )
            patient = s.get(Patient, add_patient(s, actor="t", data=data).id)
            assert patient is not None
            patient.family_name += EVIL
            patient.given_name += EVIL
            s.add(patient)
            note = Note(patient_id=patient.id, lineage_id=uuid.uuid4(), text="walk " + EVIL)
            s.add(note)
            s.add(Service(name="Debt help" + EVIL, category="debt", notes=EVIL, area="Leeds"))
            s.flush()
            return str(note.id)
    finally:
        caseload.close()


@pytest.fixture
def planted(home: Path) -> str:
    return _plant(home)


LISTINGS = [
    ("patient", "show", "--nhs", NHS),
    ("patients", "list"),
    ("patients", "list", "--json"),
    ("note", "list", "--nhs", NHS),
    ("note", "list", "--nhs", NHS, "--json"),
    ("note", "search", "walk"),
    ("note", "search", "walk", "--json"),
    ("directory", "list", "--query", "debt"),
    ("directory", "list", "--query", "debt", "--json"),
    ("directory", "export"),
]


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_no_control_character_reaches_stdout(planted, run, args):
    r = run(*args)
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "\x9b" not in r.out and "\x07" not in r.out
    assert not UNSAFE.search(r.out), repr(UNSAFE.search(r.out))
    assert not UNSAFE.search(r.err)
    if "--json" not in args:
        assert "␛]0;pwned␇" in r.out  # shown, visibly, not dropped


def test_note_history_is_neutralised(planted, run):
    r = run("note", "history", planted)
    assert r.code == 0, r.err
    assert not UNSAFE.search(r.out) and "␛[2J" in r.out


@pytest.mark.parametrize("args", [a for a in LISTINGS if "--json" in a], ids=" ".join)
def test_json_escapes_controls_and_keeps_them_exact(planted, run, args):
    r = run(*args)
    assert "\\u001b]0;pwned\\u0007" in r.out
    assert any(EVIL in value for value in _strings(json.loads(r.out)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_note_text_keeps_newlines_and_shows_escapes_in_order(run):
    add_patient(run, NHS)
    r = run("note", "add", "--nhs", NHS, stdin="line one\n\tbefore\x1b[2Jafter\r\nend\n")
    assert r.code == 0, r.err
    r = run("note", "list", "--nhs", NHS, "--json")
    assert json.loads(r.out)[0]["text"] == "line one\n\tbefore␛[2Jafter\nend"


@pytest.mark.parametrize(
    "field,value",
    [("--family", "Smith\x1b[2J"), ("--given", "Jo\u202eoJ"), ("--family", "Smith\nJones")],
)
def test_names_with_control_characters_are_refused(run, field, value):
    assert run("practice", "add", "--ods", "Z99901", "--name", "Surgery").code == 0
    args = {"--family": "Smith", "--given": "Jo", field: value}
    r = run(
        "patient",
        "add",
        "--nhs",
        NHS,
        "--dob",
        "1970-01-01",
        "--practice",
        "Z99901",
        *[x for kv in args.items() for x in kv],
    )
    assert r.code == 1
    assert "contains control characters" in r.err
    assert "\x1b" not in r.err and "\u202e" not in r.err
    assert run("patients", "list", "--json").out.strip() == "[]"


def test_directory_import_refuses_controls_in_one_line_fields(run, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "name,category,how_to_refer,phone,text_number,web,area,opening_hours,notes,checked_on\n"
        "Debt\x1b]0;x\x07 help,debt,self,,,,Leeds,,,\n"
    )
    r = run("directory", "import", str(path))
    assert r.code == 1 and "control characters" in r.err


def test_directory_export_neutralises_formula_cells(run, tmp_path):
    src = tmp_path / "d.csv"
    src.write_text(
        "name,category,how_to_refer,phone,text_number,web,area,opening_hours,notes,checked_on\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",debt,self,,,,Leeds,,'
        "\"+cmd|' /C calc'!A0\",\n"
        "@SUM(A1),debt,self,,,,York,,-2+3,\n"
    )
    assert run("directory", "import", str(src)).code == 0
    out = tmp_path / "out.csv"
    r = run("directory", "export", str(out))
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c and c[0] in "=+-@\t\r"]
    names = {row["name"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in names and "'@SUM(A1)" in names
    assert "'-2+3" in {row["notes"] for row in rows}


def test_every_csv_writer_applies_csv_cell():
    """Structural: each module that makes a csv.writer also applies `csv_cell` (the shared
    one is `services.csv_input.write_csv`), so no CSV mhf writes can carry a formula."""
    root = Path(__file__).resolve().parents[3] / "mhf_tui"
    writers = {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in root.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))
    }
    assert "services/csv_input.py" in writers
    assert [name for name, text in writers.items() if "csv_cell(" not in text] == []
