from __future__ import annotations

from datetime import date

from sqlalchemy import text

from mhf_tui.db.store import Caseload
from mhf_tui.services.audit import verify_chain
from mhf_tui.services.demo import build_demo_caseload, demo_nhs_numbers
from mhf_tui.services.followups import follow_ups_due
from mhf_tui.services.patients import list_patients
from mhf_tui.services.validation import is_valid_nhs_number


def test_demo_nhs_numbers_are_valid_test_numbers() -> None:
    import random

    numbers = demo_nhs_numbers(random.Random(3), 5000)
    assert len(set(numbers)) == 5000
    assert all("9990000000" <= n <= "9999999999" and is_valid_nhs_number(n) for n in numbers)


def test_demo_caseload_is_realistic_and_in_range(caseload: Caseload) -> None:
    summary = build_demo_caseload(caseload, patients=120, seed=5)
    assert summary.patients == 120 and summary.notes > 0 and summary.contacts > 0
    assert summary.care_plans > 0 and summary.signposting > 0
    with caseload.session() as session:
        patients = list_patients(session)
        due = follow_ups_due(session)
        seqs = session.connection().execute(text("SELECT min(change_seq) FROM patient"))
        fts = session.connection().execute(text("SELECT count(*) FROM note_fts"))
        assert verify_chain(session).ok
        min_seq, fts_rows = seqs.scalar_one(), fts.scalar_one()
    assert len(patients) == 120
    assert all(p.nhs_number and p.nhs_number.startswith("999") for p in patients)
    assert all(is_valid_nhs_number(p.nhs_number or "") for p in patients)
    assert {p.practice_ods for p in patients} == {"Z99901", "Z99902", "Z99903", "Z99904"}
    assert [p.share_with_practice for p in patients].count(False) == 1
    assert any(p.alerts for p in patients)
    assert any(f.due_on == date.today() for f in due)
    assert any(f.overdue for f in due)
    assert min_seq > 0  # bulk rows get change_seq like ORM writes (the sync export needs it)
    assert fts_rows >= summary.notes  # notes are searchable


def test_same_seed_same_patients(caseload: Caseload, caseload_template, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from mhf_tui.paths import DataDir

    build_demo_caseload(caseload, patients=20, seed=9)
    other_root = tmp_path / "other"
    shutil.copytree(caseload_template.root, other_root)
    other = Caseload.open_with_key(DataDir(other_root), caseload_template.key)
    try:
        build_demo_caseload(other, patients=20, seed=9)
        with caseload.session() as s1, other.session() as s2:
            first = [(p.nhs_number, p.family_name) for p in list_patients(s1)]
            second = [(p.nhs_number, p.family_name) for p in list_patients(s2)]
    finally:
        other.close()
    assert first == second
