from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, IntegrityError

from mhf_tui.db.store import Caseload
from mhf_tui.errors import ValidationError
from mhf_tui.services.drafts import find_draft, save_draft
from mhf_tui.services.notes import (
    add_note,
    amend_note,
    current_notes,
    mark_entered_in_error,
    note_history,
    resolve_note_id,
    search_notes,
)
from mhf_tui.services.patients import PatientRead

from .conftest import ACTOR

MakePatient = Callable[..., PatientRead]


def _note_rows(caseload: Caseload) -> int:
    with caseload.session() as session:
        return int(session.connection().execute(text("SELECT count(*) FROM note")).scalar_one())


def test_amend_makes_a_new_version_and_keeps_the_old(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        first = add_note(session, actor=ACTOR, patient_id=patient.id, text="Seen tody")
    with caseload.session() as session:
        second = amend_note(
            session, actor=ACTOR, note_id=first.id, text="Seen today", reason="typo"
        )
    assert second.version == 2
    assert second.replaces_id == first.id
    assert second.lineage_id == first.lineage_id
    assert second.first_written_at == first.written_at
    with caseload.session() as session:
        history = note_history(session, note_id=second.id)
        current = current_notes(session, patient_id=patient.id)
    assert [(n.version, n.text) for n in history] == [(1, "Seen tody"), (2, "Seen today")]
    assert [n.id for n in current] == [second.id]
    assert _note_rows(caseload) == 2


def test_only_the_current_version_can_be_amended(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        first = add_note(session, actor=ACTOR, patient_id=patient.id, text="one")
        amend_note(session, actor=ACTOR, note_id=first.id, text="two")
    with caseload.session() as session, pytest.raises(ValidationError, match="newer version"):
        amend_note(session, actor=ACTOR, note_id=first.id, text="three")


def test_entered_in_error_is_a_flagged_version_and_nothing_is_deleted(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        note = add_note(session, actor=ACTOR, patient_id=patient.id, text="wrong patient note")
    with caseload.session() as session, pytest.raises(ValidationError, match="reason"):
        mark_entered_in_error(session, actor=ACTOR, note_id=note.id, reason=" ")
    with caseload.session() as session:
        flagged = mark_entered_in_error(
            session, actor=ACTOR, note_id=note.id, reason="wrong patient"
        )
    assert flagged.entered_in_error and flagged.version == 2
    assert flagged.text == "wrong patient note"
    assert flagged.amend_reason == "wrong patient"
    with caseload.session() as session:
        assert [n.entered_in_error for n in note_history(session, note_id=note.id)] == [
            False,
            True,
        ]
        assert current_notes(session, patient_id=patient.id, include_entered_in_error=False) == []
        with pytest.raises(ValidationError, match="already"):
            mark_entered_in_error(session, actor=ACTOR, note_id=flagged.id, reason="again")
        with pytest.raises(ValidationError, match="entered in error"):
            amend_note(session, actor=ACTOR, note_id=flagged.id, text="fixed")
    assert _note_rows(caseload) == 2


def test_the_database_refuses_to_update_a_note(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        add_note(session, actor=ACTOR, patient_id=patient.id, text="original")
    with (
        pytest.raises((DatabaseError, IntegrityError), match="append-only"),
        caseload.session() as session,
    ):
        session.connection().execute(text("UPDATE note SET text = 'rewritten'"))
    with caseload.session() as session:
        assert current_notes(session, patient_id=patient.id)[0].text == "original"


def test_empty_note_and_unknown_kind_are_refused(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        with pytest.raises(ValidationError, match="empty"):
            add_note(session, actor=ACTOR, patient_id=patient.id, text="   \n")
        with pytest.raises(ValidationError, match="kind"):
            add_note(session, actor=ACTOR, patient_id=patient.id, text="x", kind="gossip")


def test_full_text_search_finds_a_word_in_the_current_version(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    a = make_patient(1)
    b = make_patient(2)
    with caseload.session() as session:
        add_note(session, actor=ACTOR, patient_id=a.id, text="Discussed the walking group")
        old = add_note(session, actor=ACTOR, patient_id=b.id, text="Mentioned allotment plans")
        add_note(session, actor=ACTOR, patient_id=b.id, text="Sleeping badly")
    with caseload.session() as session:
        amend_note(session, actor=ACTOR, note_id=old.id, text="Mentioned gardening plans")
    with caseload.session() as session:
        walking = search_notes(session, actor=ACTOR, query="walking")
        prefix = search_notes(session, actor=ACTOR, query="garden")
        superseded = search_notes(session, actor=ACTOR, query="allotment")
        only_b = search_notes(session, actor=ACTOR, query="sleeping", patient_id=b.id)
        only_a = search_notes(session, actor=ACTOR, query="sleeping", patient_id=a.id)
    assert [h.nhs_number for h in walking] == [a.nhs_number]
    assert walking[0].to_json()["text"] == "Discussed the walking group"
    assert [h.note.version for h in prefix] == [2]
    assert superseded == []
    assert len(only_b) == 1 and only_a == []


@pytest.mark.parametrize("query", ['"', "NEAR(", "a OR", "*", "col:x", "'; DROP TABLE note;--"])
def test_search_with_fts_syntax_characters_does_not_fail(
    caseload: Caseload, make_patient: MakePatient, query: str
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        add_note(session, actor=ACTOR, patient_id=patient.id, text="a note")
        search_notes(session, actor=ACTOR, query=query)


def test_note_ids_resolve_from_a_prefix(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        note = add_note(session, actor=ACTOR, patient_id=patient.id, text="x")
        assert resolve_note_id(session, ref=str(note.id)[:8]) == note.id
        assert resolve_note_id(session, ref=str(note.id)) == note.id
        with pytest.raises(ValidationError):
            resolve_note_id(session, ref="zz")


def test_saving_a_note_deletes_its_draft_in_the_same_unit_of_work(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        draft = save_draft(session, patient_id=patient.id, text="half")
        save_draft(session, patient_id=patient.id, text="half typed", draft_id=draft.id)
    with caseload.session() as session:
        found = find_draft(session, patient_id=patient.id)
        assert found is not None and found.text == "half typed"
        add_note(session, actor=ACTOR, patient_id=patient.id, text="done", draft_id=draft.id)
    with caseload.session() as session:
        assert find_draft(session, patient_id=patient.id) is None
