"""Discharge, retention dates (Records Management Code of Practice 2021, Appendix II,
mental health records) and purge with secure deletion."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import (
    AuditEvent,
    CarePlan,
    Contact,
    Draft,
    Note,
    Patient,
    Practice,
    RelatedPerson,
)
from mhf_tui.db.tables.reviews import OutcomeMeasure
from mhf_tui.errors import ValidationError
from mhf_tui.services.audit import patient_access_history, verify_chain
from mhf_tui.services.retention import (
    RecordReadOnly,
    RetentionPolicy,
    discharge,
    due_for_destruction,
    ensure_editable,
    patient_retention,
    purge_due,
    reopen,
    retention_dates,
    scrub_free_space,
    set_policy,
)
from tests.unit.ig.conftest import (
    ACTOR,
    PASS,
    add_note_versions,
    add_patient,
    at,
    decrypted_database,
    nhs_number,
)


def test_retention_twenty_years_after_care_ended() -> None:
    dates = retention_dates(care_ended_on=date(2001, 3, 15), died_on=None)
    assert dates.destroy_after == date(2021, 3, 15)
    assert dates.rule == "20 years after care ended"


def test_retention_ten_years_after_death_when_sooner() -> None:
    dates = retention_dates(care_ended_on=date(2010, 1, 1), died_on=date(2012, 6, 1))
    assert dates.destroy_after == date(2022, 6, 1)  # not 2030
    assert dates.rule == "10 years after death"


def test_retention_after_care_when_that_is_sooner_than_after_death() -> None:
    dates = retention_dates(care_ended_on=date(1990, 1, 1), died_on=date(2015, 2, 2))
    assert dates.destroy_after == date(2010, 1, 1)  # the earlier of 2010 and 2025
    assert dates.rule.startswith("20 years after care ended")


def test_retention_death_while_in_care_counts_from_death() -> None:
    dates = retention_dates(care_ended_on=None, died_on=date(2020, 2, 29))
    assert dates.care_ended_on == date(2020, 2, 29)
    assert dates.destroy_after == date(2030, 2, 28)  # no 29 February in 2030


def test_record_in_use_is_never_due() -> None:
    assert retention_dates(care_ended_on=None, died_on=None).destroy_after is None


def test_policy_can_be_raised_but_not_below_the_code_minimum(caseload: Caseload) -> None:
    with pytest.raises(ValidationError, match="minimum"):
        RetentionPolicy(years_after_care=8).validate()
    with pytest.raises(ValidationError, match="minimum"):
        RetentionPolicy(years_after_death=8).validate()
    with caseload.session() as s:
        set_policy(s, actor=ACTOR, policy=RetentionPolicy(years_after_care=25))
    dates = retention_dates(
        care_ended_on=date(2000, 1, 1),
        died_on=None,
        policy=RetentionPolicy(years_after_care=25),
    )
    assert dates.destroy_after == date(2025, 1, 1)


def test_discharge_makes_the_record_read_only_and_reopen_restarts_retention(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 10, "Readonly", "Rita")
        ensure_editable(p)
        discharge(s, patient_id=p.id, actor=ACTOR, on=date(2020, 5, 1))
        with pytest.raises(RecordReadOnly, match="read-only"):
            ensure_editable(p)
        ensure_editable(p, correction=True)  # rectification stays possible
        assert patient_retention(s, p).destroy_after == date(2040, 5, 1)
        reopen(s, patient_id=p.id, actor=ACTOR)
        ensure_editable(p)
        assert patient_retention(s, p).destroy_after is None
        actions = [e.action for e in patient_access_history(s, patient_id=p.id)]
    assert actions[-2:] == ["discharge", "reopen"]


def test_death_makes_the_record_read_only_and_cannot_be_reopened(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 11, "Died", "Dora")
        discharge(s, patient_id=p.id, actor=ACTOR, on=date(2021, 1, 2), died_on=date(2021, 1, 1))
        with pytest.raises(RecordReadOnly):
            ensure_editable(p)
        with pytest.raises(ValidationError, match="cannot be reopened"):
            reopen(s, patient_id=p.id, actor=ACTOR)
        assert patient_retention(s, p).destroy_after == date(2031, 1, 1)


def test_later_activity_after_discharge_moves_the_start_of_retention(
    caseload: Caseload, practice: Practice
) -> None:
    with caseload.session() as s:
        p = add_patient(s, practice, 12, "Late", "Lenny")
        discharge(s, patient_id=p.id, actor=ACTOR, on=date(2020, 1, 1))
        add_note_versions(s, p, ["seen again after discharge"], written=date(2021, 7, 1))
        assert patient_retention(s, p).care_ended_on == date(2021, 7, 1)
        assert patient_retention(s, p).destroy_after == date(2041, 7, 1)


def test_review_lists_only_records_past_their_date(caseload: Caseload, practice: Practice) -> None:
    with caseload.session() as s:
        active = add_patient(s, practice, 20, "Active", "Ann")
        old = add_patient(s, practice, 21, "Oldcare", "Olly")
        recent = add_patient(s, practice, 22, "Recent", "Rob")
        dead = add_patient(s, practice, 23, "Deceased", "Dee")
        discharge(s, patient_id=old.id, actor=ACTOR, on=date(2000, 1, 1))
        discharge(s, patient_id=recent.id, actor=ACTOR, on=date(2019, 1, 1))
        discharge(s, patient_id=dead.id, actor=ACTOR, on=date(2012, 1, 1), died_on=date(2012, 1, 1))
        due = due_for_destruction(s, today=date(2025, 6, 1))
    assert [d.patient_id for d in due] == [old.id, dead.id]  # 2020-01-01, then 2022-01-01
    assert active.id not in {d.patient_id for d in due}


def _fill_record(caseload: Caseload, practice: Practice, serial: int, marker: str) -> uuid.UUID:
    """A patient whose every kind of row carries `marker`."""
    with caseload.session() as s:
        p = add_patient(
            s, practice, serial, f"Fam{marker}", f"Giv{marker}", address=f"1 {marker} Road"
        )
        add_note_versions(
            s,
            p,
            [f"note {marker} one", f"note {marker} two"],
            error_last=True,
            written=date(1999, 12, 1),
        )
        s.add(
            Contact(
                patient_id=p.id,
                mode="phone",
                reason=f"reason {marker}",
                occurred_at=at(date(1999, 12, 1)),
            )
        )
        s.add(RelatedPerson(patient_id=p.id, name=f"Carer {marker}"))
        s.add(CarePlan(patient_id=p.id, lineage_id=uuid.uuid4(), crisis_plan=f"crisis {marker}"))
        s.add(Draft(patient_id=p.id, text=f"draft {marker}"))
        s.add(
            OutcomeMeasure(
                patient_id=p.id,
                measure="gbo",
                taken_on=date(2000, 1, 1),
                total=5,
                goal_text=f"goal {marker}",
            )
        )
        return p.id


def test_purge_removes_the_rows_and_the_strings_from_the_database_file(
    caseload: Caseload, practice: Practice
) -> None:
    gone = _fill_record(caseload, practice, 30, "zqxpurgedmarker")
    kept = _fill_record(caseload, practice, 31, "zqxkeptmarker")
    with caseload.session() as s:
        discharge(s, patient_id=gone, actor=ACTOR, on=date(2000, 1, 1))
    # Positive control: the decryption really shows the text before the purge.
    caseload.engine.dispose()
    raw = caseload.engine.raw_connection()  # outside any transaction, as a checkpoint must be
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    assert b"zqxpurgedmarker" in decrypted_database(caseload.data.db, caseload.key)

    with caseload.session() as s:
        report = purge_due(s, actor=ACTOR, today=date(2025, 1, 1))
    scrub_free_space(caseload.engine)

    assert report.patients == 1
    assert report.rows["note"] == 2 and report.rows["patient"] == 1
    with caseload.session() as s:
        assert s.get(Patient, gone) is None
        for table in (Note, Contact, RelatedPerson, CarePlan, Draft, OutcomeMeasure):
            rows = s.exec(select(table).where(table.patient_id == gone)).all()
            assert rows == [], table.__name__
        hits = s.execute(
            text("SELECT count(*) FROM note_fts WHERE note_fts MATCH 'zqxpurgedmarker'")
        ).scalar_one()
        assert hits == 0
        assert s.get(Patient, kept) is not None
        assert verify_chain(s).ok
        tombstone = s.exec(select(AuditEvent).where(AuditEvent.action == "purge")).one()
        history = patient_access_history(s, patient_id=gone)
    assert tombstone.patient_id == ""
    assert json.loads(tombstone.detail)["patients"] == 1
    # The purged patient's audit events remain (who did what, when) with no patient data.
    assert [e.action for e in history][:2] == ["create", "discharge"]
    for event in [*history, tombstone]:
        blob = " ".join([event.actor, event.entity, event.entity_id, event.detail])
        assert "zqxpurgedmarker" not in blob and nhs_number(30) not in blob

    wal = Path(str(caseload.data.db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    plain = decrypted_database(caseload.data.db, caseload.key)
    assert b"zqxpurgedmarker" not in plain
    assert nhs_number(30).encode() not in plain
    assert b"zqxkeptmarker" in plain  # the rest of the caseload is intact


def test_cli_purge_needs_confirm_then_purges(caseload: Caseload, practice: Practice, mhf) -> None:
    gone = _fill_record(caseload, practice, 40, "zqxclimarker")
    with caseload.session() as s:
        discharge(s, patient_id=gone, actor=ACTOR, on=date(2001, 1, 1))
    home = str(caseload.data.root)
    caseload.close()
    r = mhf(
        "retention",
        "review",
        "--home",
        home,
        "--passphrase-stdin",
        "--json",
        "--today",
        "2030-01-01",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    due = json.loads(r.out)["due"]
    assert [d["nhs_number"] for d in due] == [nhs_number(40)]
    r = mhf("retention", "purge", "--home", home, "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 1 and "--confirm" in r.err
    r = mhf(
        "retention",
        "purge",
        "--home",
        home,
        "--passphrase-stdin",
        "--confirm",
        "--today",
        "2030-01-01",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0, r.err
    assert "Purged 1 record(s)" in r.out
    r = mhf(
        "retention",
        "review",
        "--home",
        home,
        "--passphrase-stdin",
        "--json",
        "--today",
        "2030-01-01",
        stdin=f"{PASS}\n",
    )
    assert json.loads(r.out)["due"] == []
    r = mhf("check", "--home", home, "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0, r.out + r.err


def test_cli_retention_policy_can_be_raised_not_lowered(caseload: Caseload, mhf) -> None:
    home = str(caseload.data.root)
    caseload.close()
    r = mhf("retention", "policy", "--home", home, "--passphrase-stdin", stdin=f"{PASS}\n")
    assert r.code == 0 and "20 years after care ended, or 10 years after death" in r.out
    r = mhf(
        "retention",
        "policy",
        "--home",
        home,
        "--passphrase-stdin",
        "--after-care",
        "8",
        stdin=f"{PASS}\n",
    )
    assert r.code == 1 and "minimum" in r.err
    r = mhf(
        "retention",
        "policy",
        "--home",
        home,
        "--passphrase-stdin",
        "--after-care",
        "25",
        stdin=f"{PASS}\n",
    )
    assert r.code == 0 and "25 years after care ended, or 10 years" in r.out
