"""Schema migrations run on unlock, after an encrypted backup, and lose nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from mhf_tui.db.migrations import LATEST, migrate, schema_version
from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import Note, Patient, Practice
from mhf_tui.paths import DataDir
from mhf_tui.vault.engine import make_engine
from mhf_tui.vault.vault import create_vault, unlock_data_key
from tests.unit.vault.conftest import PASS


def test_v1_database_with_data_migrates_without_loss(tmp_path):
    data = DataDir(tmp_path / "h")
    key, _recovery = create_vault(data, PASS)
    engine = make_engine(data.db, key)
    assert migrate(engine, target=1) == [1]
    from mhf_tui.db.session import unit_of_work

    with unit_of_work(engine) as s:
        practice = Practice(ods_code="A99001", name="Synthetic Surgery")
        s.add(practice)
        s.flush()
        patient = Patient(
            nhs_number="9990000018",
            family_name="Testperson",
            given_name="Alex",
            date_of_birth=date(1980, 1, 2),
            practice_id=practice.id,
        )
        s.add(patient)
        s.flush()
        note = Note(patient_id=patient.id, lineage_id=patient.id, text="walked to the allotment")
        s.add(note)
    engine.dispose()

    caseload = Caseload.open(data, PASS)
    try:
        assert schema_version(caseload.engine) == LATEST
        with caseload.session() as s:
            notes = list(s.exec(text("SELECT text FROM note")))
            assert [n[0] for n in notes] == ["walked to the allotment"]
            hits = list(s.exec(text("SELECT rowid FROM note_fts WHERE note_fts MATCH 'allotment'")))
            assert len(hits) == 1
            assert s.exec(text("SELECT count(*) FROM patient")).one()[0] == 1
        assert caseload.integrity_problems() == []
    finally:
        caseload.close()
    backups = list(data.backups.glob("*.mhfbackup"))
    assert len(backups) == 1, "an automatic backup is taken before migrating"


def test_fresh_vault_is_at_latest_and_opening_again_migrates_nothing(tmp_path):
    data = DataDir(tmp_path / "h")
    key, _ = create_vault(data, PASS)
    Caseload.open_with_key(data, key).close()
    assert not list(data.backups.glob("*"))  # nothing to protect on a brand-new vault
    caseload = Caseload.open_with_key(data, unlock_data_key(data, PASS))
    assert schema_version(caseload.engine) == LATEST
    caseload.close()
    assert not list(data.backups.glob("*"))


def test_notes_are_append_only_at_the_database_level(tmp_path):
    import pytest
    from sqlalchemy.exc import DatabaseError

    data = DataDir(tmp_path / "h")
    key, _ = create_vault(data, PASS)
    caseload = Caseload.open_with_key(data, key)
    with caseload.session() as s:
        practice = Practice(ods_code="A99001", name="Synthetic Surgery")
        s.add(practice)
        s.flush()
        patient = Patient(
            family_name="Example",
            given_name="Sam",
            date_of_birth=date(1990, 5, 5),
            practice_id=practice.id,
        )
        s.add(patient)
        s.flush()
        s.add(Note(patient_id=patient.id, lineage_id=patient.id, text="first"))
    with pytest.raises(DatabaseError, match="append-only"), caseload.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE note SET text = 'rewritten'")
    caseload.close()
