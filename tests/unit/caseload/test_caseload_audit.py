"""The audit chain detects an edited event even when the attacker holds the key and
removes the append-only trigger first."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from mhf_tui.db.store import Caseload
from mhf_tui.services.audit import text_digest, verify_chain
from mhf_tui.services.notes import add_note, search_notes
from mhf_tui.services.patients import PatientRead, get_patient_record

from .conftest import ACTOR

MakePatient = Callable[..., PatientRead]


def test_every_write_and_view_is_in_the_chain(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        add_note(session, actor=ACTOR, patient_id=patient.id, text="hello")
        get_patient_record(session, actor=ACTOR, patient_id=patient.id)
        search_notes(session, actor=ACTOR, query="hello")
    with caseload.session() as session:
        rows = session.connection().execute(
            text("SELECT action, entity, detail FROM audit_event ORDER BY seq")
        )
        events = [tuple(r) for r in rows]
        report = verify_chain(session)
    assert ("create", "practice", "") in events
    assert ("create", "patient", "") in events
    # the event vouches for the note's text (a hash: `mhf check` compares it)
    assert ("create", "note", text_digest("hello")) in events
    assert ("view", "patient", "") in events
    assert ("search", "note", "hits=1") in events
    assert report.ok and report.events == len(events)
    assert all("hello" not in str(e) for e in events)


def test_tampered_event_is_named(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        add_note(session, actor=ACTOR, patient_id=patient.id, text="one")
        add_note(session, actor=ACTOR, patient_id=patient.id, text="two")
        target = int(
            session.connection()
            .execute(text("SELECT seq FROM audit_event WHERE entity = 'note' ORDER BY seq"))
            .first()[0]  # type: ignore[index]
        )
    with caseload.session() as session:
        conn = session.connection()
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(
            text("UPDATE audit_event SET actor = 'someone else' WHERE seq = :s"), {"s": target}
        )
    with caseload.session() as session:
        report = verify_chain(session)
    assert not report.ok
    assert report.first_broken_seq == target
    assert f"event {target}" in report.problem


def test_removed_event_is_named(caseload: Caseload, make_patient: MakePatient) -> None:
    make_patient(1)
    make_patient(2)
    with caseload.session() as session:
        conn = session.connection()
        last = int(conn.execute(text("SELECT max(seq) FROM audit_event")).scalar_one())
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": last - 1})
    with caseload.session() as session:
        report = verify_chain(session)
    assert report.first_broken_seq == last - 1
    assert "missing" in report.problem
