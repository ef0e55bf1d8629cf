"""What the practice files: a PDF letter per patient (read back with pypdf), the coded CSV
and the QOF view, through the `mhf inbox` commands on a store that imported a demo export."""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.unit.sync.conftest import STORE_PASS
from tests.unit.sync.practice_demo import (
    FOCUS_FAMILY,
    FOCUS_NHS,
    FOCUS_NOTE,
    DemoExport,
    build_demo_export,
    import_into_store,
)

STDIN = f"{STORE_PASS}\n"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoExport]:
    d = build_demo_export(tmp_path)
    import_into_store(d, d.sync_file, tmp_path / "store")
    yield d
    d.caseload.close()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def spaced(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def test_letters_carry_risk_first_and_codes_then_only_new_items(
    demo: DemoExport, mhf: Callable, tmp_path: Path
):
    store, out = tmp_path / "store", tmp_path / "letters"
    r = mhf("inbox", "letters", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            "--json", stdin=STDIN)  # fmt: skip
    assert r.code == 0, r.err
    written = json.loads(r.out)
    assert written[0]["nhs_number"] == FOCUS_NHS and written[0]["risk"]  # risk flagged first
    mine = out / f"{FOCUS_NHS}-{date.today().isoformat()}-1.pdf"
    assert Path(written[0]["file"]) == mine
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600
    text = pdf_text(mine)
    assert f"NHS number: {spaced(FOCUS_NHS)}" in text and FOCUS_FAMILY.upper() in text
    risk = text.index("Risk and alerts")
    codes = text.index("Codes to add to the record")
    assert risk < codes < text.index("Contacts")
    box = " ".join(text[risk:codes].split())
    assert f"answered 2 (more than half the days) on {demo.phq_day.isoformat()}" in box
    assert "PHQ-9 total 12" in box
    assert "Crisis contact: Ann (sister): 07700 900123" in box  # the new crisis plan
    assert "Crisis plan: Call the crisis line" in box
    assert FOCUS_NOTE in box  # free text shown literally, not as markup or a formula
    table = " ".join(text[codes:].split())
    assert f"{demo.review_day.isoformat()} 271649006 Systolic blood pressure 128 mm[Hg]" in table
    assert f"{demo.review_day.isoformat()} 60621009 Body mass index 31.2 kg/m2" in table
    assert "720433000 Patient Health Questionnaire Nine Item score 12" in table
    assert "Did not attend" in text
    assert "999791000000106" in text.split("Entered in error")[-1]  # withdrawn, shown as such
    assert "999791000000106" not in table.split("Contacts")[0]  # ...and not as a code to add
    files_before = sorted(p.name for p in out.iterdir())

    r = mhf("inbox", "letters", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            stdin=STDIN)  # fmt: skip
    assert r.code == 0, r.err
    assert "no letters written" in r.out
    assert sorted(p.name for p in out.iterdir()) == files_before

    r = mhf("inbox", "letters", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            "--all", "--json", stdin=STDIN)  # fmt: skip
    again = json.loads(r.out)
    assert len(again) == len(written)
    second = out / f"{FOCUS_NHS}-{date.today().isoformat()}-2.pdf"
    assert "271649006" in pdf_text(second)


def test_a_later_import_gives_a_letter_with_only_the_new_items(
    demo: DemoExport, mhf: Callable, tmp_path: Path
):
    from mhf_tui.services.outcomes import add_outcome

    store, out = tmp_path / "store", tmp_path / "letters"
    mhf("inbox", "letters", "--store", str(store), "--out", str(out), "--passphrase-stdin",
        stdin=STDIN)  # fmt: skip
    with demo.caseload.session() as s:
        add_outcome(s, patient_id=demo.focus_id, measure="gad7", items=[0] * 7, actor="x")
    later = demo.export_again(tmp_path / "out2")
    assert later is not None
    import_into_store(demo, later, store)
    r = mhf("inbox", "letters", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            "--nhs", FOCUS_NHS, "--json", stdin=STDIN)  # fmt: skip
    [letter] = json.loads(r.out)
    text = pdf_text(Path(letter["file"]))
    assert "445455005" in text and "271649006" not in text  # the new score, not the old BP
    assert "PHQ-9 item 9" not in text


def test_codes_csv_has_the_exact_header_one_row_per_coded_item_and_safe_cells(
    demo: DemoExport, mhf: Callable, tmp_path: Path
):
    store, out = tmp_path / "store", tmp_path / "codes.csv"
    r = mhf("inbox", "codes", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            stdin=STDIN)  # fmt: skip
    assert r.code == 0, r.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = out.read_text(encoding="utf-8")
    assert raw.splitlines()[0] == "nhs_number,date,snomed_code,term,value,unit,source"
    rows = list(csv.DictReader(io.StringIO(raw)))
    mine = [row for row in rows if row["nhs_number"] == FOCUS_NHS]
    assert sorted(row["snomed_code"] for row in mine) == sorted([
        "60621009", "271649006", "271650006", "1082641000000106", "77176002",
        "720433000", "445455005",
    ])  # fmt: skip
    [systolic] = [row for row in mine if row["snomed_code"] == "271649006"]
    assert systolic["value"] == "128" and systolic["unit"] == "mm[Hg]"
    assert systolic["source"].startswith("Observation/")
    assert f"{len(rows)} coded entries" in r.out
    # a value that would be a formula is neutralised in the cell
    from mhf_tui.sync.codes import CodeRow, codes_csv

    text = codes_csv([("9990000018", CodeRow("2026-01-01", "1", "=cmd|' /C calc'!A0", "+1",
                                             "@x", "-y"))])  # fmt: skip
    cells = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert cells[3:] == ["'=cmd|' /C calc'!A0", "'+1", "'@x", "'-y"]

    r = mhf("inbox", "codes", "--store", str(store), "--out", str(out), "--passphrase-stdin",
            "--since", date.today().isoformat(), stdin=STDIN)  # fmt: skip
    assert r.code == 0 and out.read_text().count("\n") == 1  # header only: nothing today
    with pytest.raises(SystemExit):
        mhf("inbox", "codes", "--store", str(store), "--out", str(out), "--since", "last week")


def test_qof_counts_the_elements_recorded_in_the_contract_year(
    demo: DemoExport, mhf: Callable, tmp_path: Path
):
    from mhf_tui.services.contract_year import ContractYear

    store = tmp_path / "store"
    year = ContractYear.containing(demo.review_day)
    r = mhf("inbox", "qof", "--store", str(store), "--year", year.label, "--json",
            "--passphrase-stdin", stdin=STDIN)  # fmt: skip
    assert r.code == 0, r.err
    report = json.loads(r.out)
    [mine] = [p for p in report["patients"] if p["nhs_number"] == FOCUS_NHS]
    day = demo.review_day.isoformat()
    assert {k: mine[k] for k in ("bmi", "blood_pressure", "alcohol", "smoking")} == dict.fromkeys(
        ("bmi", "blood_pressure", "alcohol", "smoking"), day
    )
    assert mine["glucose"] == "" and mine["cholesterol"] == "" and not mine["all_six"]
    assert report["totals"]["bmi"] >= 1 and report["contract_year"] == year.label
    r = mhf("inbox", "qof", "--store", str(store), "--year", year.previous.label, "--json",
            "--passphrase-stdin", stdin=STDIN)  # fmt: skip
    [before] = [p for p in json.loads(r.out)["patients"] if p["nhs_number"] == FOCUS_NHS]
    assert before["bmi"] == ""
    with pytest.raises(SystemExit):
        mhf("inbox", "qof", "--store", str(store), "--year", "2026-27")
    r = mhf("inbox", "qof", "--store", str(store), "--passphrase-stdin", stdin=STDIN)
    assert r.code == 0 and "Totals:" in r.out


def test_text_outside_latin1_is_kept_with_a_unicode_font_or_shown_as_a_stand_in(tmp_path: Path):
    from mhf_tui.sync import letter_pdf
    from mhf_tui.sync.letters import Letter

    letter = Letter(
        patient_id="p", nhs_number="9990000018", name="ŻÓŁĆ, Łucja", born="1980-01-01",
        address="", practice="Test Surgery (C82001)", facilitator="Sam", service="MHF",
        device="d", period="2026-01-01 to 2026-01-02", risks=["Alert note: ␛[31m"],
        sections=[("Notes", ["Ça va — \u2018quoted\u2019 ✓ " + "long " * 400 + "x" * 300])],
    )  # fmt: skip
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter_pdf.render(letter))
    text = " ".join(pdf_text(path).split())
    assert "Notes" in text and text.count("long") == 400  # nothing cut off, however long
    assert text.replace(" ", "").count("x" * 300) == 1  # an unbroken word is wrapped, not cut
    if letter_pdf._unicode_font() is not None:
        assert "ŻÓŁĆ, Łucja" in text and "\u2018quoted\u2019 ✓" in text
        assert "<U+241B>[31m" in text  # no glyph for the ESC stand-in: its code point
    else:
        assert "????, ?ucja" in text and "?[31m" in text
