"""Care plans and related people in the services: every save an audited version, due
actions and the review date as follow-ups, and schema 3 migrating an older caseload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from mhf_tui.db.store import Caseload
from mhf_tui.db.tables import AuditEvent, Patient, Practice
from mhf_tui.services.care_plans import (
    CarePlanUpdate,
    GoalCreate,
    add_goal,
    care_plan_history,
    edit_care_plan,
)
from mhf_tui.services.fields import parse_model
from mhf_tui.services.followups import follow_ups_due
from mhf_tui.services.patients import PatientRead

from .conftest import ACTOR

MakePatient = Callable[..., PatientRead]


def test_each_save_is_an_audited_version_and_nothing_is_overwritten(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    with caseload.session() as session:
        plan, goal = add_goal(
            session, actor=ACTOR, patient_id=patient.id, goal=GoalCreate(goal="Sleep better")
        )
        edit_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            update=parse_model(CarePlanUpdate, {"what_helps": "Music", "version": 1}),
        )
        history = care_plan_history(session, patient_id=patient.id)
        events = session.exec(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.entity == "care_plan")
        ).all()
    assert [(p.version, p.what_helps) for p in history] == [(1, ""), (2, "Music")]
    assert history[1].goals[0].id == goal.id == plan.goals[0].id
    assert [tuple(e) for e in events] == [("create", "version=1"), ("amend", "version=2")]


def test_due_actions_and_the_review_date_are_follow_ups(
    caseload: Caseload, make_patient: MakePatient
) -> None:
    patient = make_patient(1)
    today = date.today()
    document = {
        "review_on": (today + timedelta(days=3)).isoformat(),
        "actions": [
            {"action": "Book GP appointment", "due": (today - timedelta(days=1)).isoformat()},
            {"action": "Done already", "due": today.isoformat(), "done": True},
            {"action": "Next month", "due": (today + timedelta(days=30)).isoformat()},
        ],
    }
    with caseload.session() as session:
        edit_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            update=parse_model(CarePlanUpdate, document),
        )
        due_today = follow_ups_due(session, today=today)
        due_week = follow_ups_due(session, today=today, within_days=7)
    assert [(f.kind, f.label, f.overdue) for f in due_today] == [
        ("care_plan_action", "Action: Book GP appointment", True)
    ]
    assert [f.kind for f in due_week] == ["care_plan_action", "care_plan_review"]
    # done in the next version: the older version's open action is no longer listed
    actions = [{**a, "done": True} for a in document["actions"]]
    with caseload.session() as session:
        edit_care_plan(
            session,
            actor=ACTOR,
            patient_id=patient.id,
            update=parse_model(CarePlanUpdate, {"actions": actions}),
        )
        assert follow_ups_due(session, today=today) == []


def test_migration_3_copies_early_warning_signs_written_before_it(tmp_path: Path) -> None:
    """A schema-2 caseload keeps its plan and people; its early warning signs move to the
    crisis plan's field, and its people gain consent to sharing (not given)."""
    from mhf_tui.db.migrations import migrate, schema_version
    from mhf_tui.db.session import unit_of_work
    from mhf_tui.paths import DataDir
    from mhf_tui.vault.engine import make_engine
    from mhf_tui.vault.vault import create_vault

    data = DataDir(tmp_path / "h")
    key, _recovery = create_vault(data, "correct horse battery staple")
    engine = make_engine(data.db, key)
    migrate(engine, target=2)
    with unit_of_work(engine) as s:
        practice = Practice(ods_code="Z99901", name="Riverside Surgery")
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
        pid = patient.id.hex
    with unit_of_work(engine) as s:
        # version 1 creates today's tables: take the new columns away to get schema 2's
        for column in ("needs", "early_warning_signs", "what_helps", "crisis_contacts",
                       "crisis_services"):  # fmt: skip
            s.exec(text(f"ALTER TABLE care_plan DROP COLUMN {column}"))
        for column in ("consent_to_share", "consent_on", "consent_recorded_by"):
            s.exec(text(f"ALTER TABLE related_person DROP COLUMN {column}"))
        s.exec(
            text(
                "INSERT INTO care_plan (id, created_at, updated_at, change_seq, patient_id, "
                "lineage_id, version, goals, actions, crisis_plan, contingency_plan, "
                "relapse_signatures, author) VALUES ('c1', '2024-01-01 00:00:00', "
                "'2024-01-01 00:00:00', 1, :pid, 'c1', 1, '[]', '[]', 'Call 111', '', "
                "'Stops eating', 'A Facilitator')"
            ).bindparams(pid=pid)
        )
        s.exec(
            text(
                "INSERT INTO related_person (id, created_at, updated_at, change_seq, "
                "patient_id, name, relationship, role, organisation, phone, email, "
                "consent_to_contact, notes) VALUES ('r1', '2024-01-01 00:00:00', "
                "'2024-01-01 00:00:00', 2, :pid, 'Ann', 'sister', 'carer', '', '', '', 1, '')"
            ).bindparams(pid=pid)
        )
    assert migrate(engine)[0] == 3
    assert schema_version(engine) >= 3
    with unit_of_work(engine) as s:
        plan = s.exec(
            text("SELECT crisis_plan, early_warning_signs, needs, crisis_contacts FROM care_plan")
        ).one()
        person = s.exec(
            text("SELECT name, consent_to_contact, consent_to_share FROM related_person")
        ).one()
    engine.dispose()
    assert tuple(plan) == ("Call 111", "Stops eating", "[]", "[]")
    assert tuple(person) == ("Ann", 1, 0)
