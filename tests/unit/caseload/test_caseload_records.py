"""Directory, signposting, contacts and follow-ups, care plans, related people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from mhf_tui.db.store import Caseload
from mhf_tui.errors import ValidationError
from mhf_tui.services.care_plans import (
    ActionCreate,
    CarePlanCreate,
    GoalCreate,
    care_plan_history,
    current_care_plan,
    save_care_plan,
)
from mhf_tui.services.contacts import ContactCreate, add_contact, list_contacts
from mhf_tui.services.csv_input import CsvImportError
from mhf_tui.services.directory import (
    ServiceCreate,
    add_service,
    export_services_csv,
    find_service,
    import_services_csv,
    list_services,
)
from mhf_tui.services.fields import parse_model
from mhf_tui.services.followups import complete_contact_follow_up, follow_ups_due
from mhf_tui.services.notes import current_notes
from mhf_tui.services.patients import PatientRead
from mhf_tui.services.related_people import (
    RelatedPersonCreate,
    RelatedPersonUpdate,
    add_related_person,
    edit_related_person,
    list_related_people,
)
from mhf_tui.services.signposting import advance_signposting, list_signposting, signpost

from .conftest import ACTOR

MakePatient = Callable[..., PatientRead]


def test_new_caseloads_carry_the_national_directory_with_dates(caseload: Caseload) -> None:
    with caseload.session() as session:
        services = {s.name: s for s in list_services(session)}
    assert services["Samaritans"].phone == "116 123"
    assert services["Shout 85258"].text_number == "85258"
    assert "mental health option" in services["NHS 111 mental health option"].notes
    assert all(s.national for s in services.values())
    checked = [s for s in services.values() if s.checked_on]
    assert len(checked) >= 8
    assert services["Samaritans"].checked_on is not None


def test_directory_csv_round_trip_and_all_or_nothing(caseload: Caseload) -> None:
    with caseload.session() as session:
        exported = export_services_csv(session, actor=ACTOR)
        again = import_services_csv(session, actor=ACTOR, text=exported)
    assert (again.added, again.updated) == (0, 0)
    bad = (
        "name,category,phone,area\n"
        "Leicester Recovery College,peer_support,0116 496 0999,Leicester\n"
        "Broken,not_a_category,,\n"
        ",crisis,,\n"
    )
    with caseload.session() as session, pytest.raises(CsvImportError) as err:
        import_services_csv(session, actor=ACTOR, text=bad)
    assert [p.split(":")[0] for p in err.value.problems] == ["line 3", "line 4"]
    with caseload.session() as session:
        assert not [s for s in list_services(session) if s.area == "Leicester"]
        result = import_services_csv(
            session, actor=ACTOR, text=bad.splitlines()[0] + "\n" + bad.splitlines()[1] + "\n"
        )
        assert result.added == 1
        assert find_service(session, name_or_id="leicester rec").area == "Leicester"


def test_signposting_status_flow(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        service = add_service(
            session,
            actor=ACTOR,
            data=ServiceCreate(name="Welfare Rights", category="debt", how_to_refer="self,gp"),
        )
        item = signpost(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            service_id=service.id,
            follow_up_on=date.today() + timedelta(days=7),
        )
        assert item.status == "suggested" and item.is_open
        item = advance_signposting(session, actor=ACTOR, signposting_id=item.id, status="referred")
        with pytest.raises(ValidationError, match="can move to"):
            advance_signposting(session, actor=ACTOR, signposting_id=item.id, status="suggested")
        item = advance_signposting(
            session, actor=ACTOR, signposting_id=item.id, status="attended", outcome_note="went"
        )
        item = advance_signposting(session, actor=ACTOR, signposting_id=item.id, status="closed")
        assert item.follow_up_on is None and item.next_statuses == ()
        with pytest.raises(ValidationError):
            advance_signposting(session, actor=ACTOR, signposting_id=item.id, status="referred")
        assert [s.status for s in list_signposting(session, patient_id=patient.id)] == ["closed"]


def test_contact_with_note_and_follow_ups_due(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    today = date.today()
    with caseload.session() as session:
        contact, note = add_contact(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=ContactCreate(mode="F2F", duration_minutes=30, follow_up_on=today),
            note_text="Seen at the surgery",
        )
        add_contact(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=ContactCreate(mode="phone", follow_up_on=today - timedelta(days=3)),
        )
        save_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=CarePlanCreate(review_on=today + timedelta(days=5)),
        )
    assert contact.mode == "face_to_face" and note is not None
    assert note.contact_id == contact.id
    with caseload.session() as session:
        assert len(list_contacts(session, patient_id=patient.id)) == 2
        assert current_notes(session, patient_id=patient.id, contact_id=contact.id)[0].id == note.id
        due_today = follow_ups_due(session, today=today)
        due_week = follow_ups_due(session, today=today, within_days=7)
    assert [(f.kind, f.overdue) for f in due_today] == [("contact", True), ("contact", False)]
    assert [f.kind for f in due_week] == ["contact", "contact", "care_plan_review"]
    with caseload.session() as session:
        complete_contact_follow_up(session, actor=ACTOR, contact_id=contact.id)
        assert len(follow_ups_due(session, today=today)) == 1


def test_contact_mode_and_time_are_validated(caseload: Caseload, make_patient: MakePatient) -> None:
    from datetime import UTC, datetime

    patient = make_patient(1)
    with caseload.session() as session:
        with pytest.raises(ValidationError, match="mode"):
            add_contact(session, actor=ACTOR, patient_id=patient.id, data=ContactCreate(mode="x"))
        with pytest.raises(ValidationError, match="future"):
            add_contact(
                session,
                actor=ACTOR,
                patient_id=patient.id,
                data=ContactCreate(mode="phone", occurred_at=datetime(2999, 1, 1, tzinfo=UTC)),
            )


def test_care_plans_are_versioned(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        first = save_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=CarePlanCreate(
                goals=[GoalCreate(goal="Walk daily")],
                actions=[
                    ActionCreate(action="Join the walking group", owner="patient", due="2030-01-01")
                ],
                crisis_plan="Call 111, mental health option",
            ),
        )
        second = save_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=CarePlanCreate(
                goals=[GoalCreate(goal="Walk daily", id=first.goals[0].id, status="achieved")]
            ),
            expected_version=1,
        )
        with pytest.raises(ValidationError, match="changed meanwhile"):
            save_care_plan(
                session,
                actor=ACTOR,
                patient_id=patient.id,
                data=CarePlanCreate(),
                expected_version=1,
            )
        current = current_care_plan(session, patient_id=patient.id)
        history = care_plan_history(session, patient_id=patient.id)
    assert current is not None and current.id == second.id and current.version == 2
    assert current.goals[0].status == "achieved" and current.goals[0].id == first.goals[0].id
    assert [h.version for h in history] == [1, 2]
    assert history[0].actions[0].due == date(2030, 1, 1)
    assert history[0].crisis_plan == "Call 111, mental health option"


def test_related_people(caseload: Caseload, make_patient: MakePatient) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        carer = add_related_person(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            data=RelatedPersonCreate(name="Sam Smith", relationship="partner", role="carer"),
        )
        with pytest.raises(ValidationError, match="email"):
            parse_model(RelatedPersonUpdate, {"email": "nope"})
        edit_related_person(
            session,
            actor=ACTOR,
            person_id=carer.id,
            update=RelatedPersonUpdate(consent_to_contact=True, phone="07700 900456"),
        )
        people = list_related_people(session, patient_id=patient.id)
    assert people[0].consent_to_contact and people[0].phone == "07700 900456"


def test_a_discharged_record_takes_corrections_but_no_additions(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    from mhf_tui.services.notes import add_note, amend_note
    from mhf_tui.services.patients import edit_patient
    from mhf_tui.services.retention import RecordReadOnly

    patient = make_patient(1)
    with caseload.session() as session:
        note = add_note(session, actor=ACTOR, patient_id=patient.id, text="before discharge")
        edit_patient(session, actor=ACTOR, patient_id=patient.id, changes={"status": "discharged"})
    with caseload.session() as session:
        with pytest.raises(RecordReadOnly):
            add_note(session, actor=ACTOR, patient_id=patient.id, text="after")
        with pytest.raises(RecordReadOnly):
            add_contact(
                session, actor=ACTOR, patient_id=patient.id, data=ContactCreate(mode="phone")
            )
        with pytest.raises(RecordReadOnly):
            save_care_plan(session, actor=ACTOR, patient_id=patient.id, data=CarePlanCreate())
        amended = amend_note(session, actor=ACTOR, note_id=note.id, text="corrected")
    assert amended.version == 2
