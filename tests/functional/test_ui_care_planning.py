"""The Care plan and People tabs at 80x24, from the keyboard: a care plan with a crisis plan
written and edited, a goal scored, a carer added, edited and removed."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.functional.conftest import PASSPHRASE, TODAY, type_text, unlock, wait_for


async def open_record(pilot, patient_id, key):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen

    navigation.open_patient(pilot.app, patient_id)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PatientScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.record is not None)
    await pilot.press(key)
    await pilot.pause()
    return screen


def plan_of(app, patient_id):
    from mhf_tui.services.care_plans import care_plan_history

    with app.caseload.session() as s:
        return care_plan_history(s, patient_id=patient_id)


def people_of(app, patient_id):
    from mhf_tui.services.related_people import list_related_people

    with app.caseload.session() as s:
        return list_related_people(s, patient_id=patient_id)


async def until_screen(pilot, kind):
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()
    return pilot.app.screen


async def test_crisis_plan_written_then_the_plan_edited(seeded, make_app):
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm
    from mhf_tui.ui.widgets.care_plan_tab import CarePlanTab

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, seeded.bob, "4")
        tab = screen.query_one(CarePlanTab)
        assert "No care plan yet" in str(tab.query_one("#careplan-text").render())
        # c: the form opens at the crisis plan
        await pilot.press("c")
        await until_screen(pilot, CarePlanForm)
        assert app.focused.id == "careplan-warning"
        await type_text(pilot, "Stops answering the phone")
        await pilot.press("tab")
        await type_text(pilot, "A walk with his sister")
        await pilot.press("tab")  # who to contact: name, relationship, phone
        await type_text(pilot, "Ann Sister")
        await pilot.press("tab")
        await type_text(pilot, "sister")
        await pilot.press("tab")
        await type_text(pilot, "07700 900123")
        await pilot.press("tab", "tab")  # past "+ contact" to the crisis services
        await pilot.press("down", "down", "down", "space")  # the fourth: Samaritans
        await pilot.press("ctrl+s")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: tab.plan is not None)
        (first,) = plan_of(app, seeded.bob)
        assert first.early_warning_signs == "Stops answering the phone"
        assert first.what_helps == "A walk with his sister"
        assert [(c.name, c.relationship, c.phone) for c in first.crisis_contacts] == [
            ("Ann Sister", "sister", "07700 900123")
        ]
        assert [s.name for s in first.crisis_services] == ["Samaritans"]
        shown = str(tab.query_one("#careplan-text").render())
        assert "Call Ann Sister (sister)  07700 900123" in shown
        assert "Service Samaritans  116 123" in shown

        # e: edit from the top: a review date and a goal; the crisis plan is kept
        await pilot.press("e")
        form = await until_screen(pilot, CarePlanForm)
        assert app.focused.id == "careplan-review"
        await type_text(pilot, "2026-06-01")
        await pilot.press("tab")
        await type_text(pilot, "Walk to the shops twice a week")
        await pilot.press("tab")
        await type_text(pilot, "2026-05-31")
        await pilot.press("tab", "tab", "enter")  # past the status to "+ goal": a new row
        await pilot.pause()
        await type_text(pilot, "Sleep before midnight")
        await pilot.press("ctrl+s")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: tab.plan is not None and tab.plan.version == 2)
        first, second = plan_of(app, seeded.bob)
        assert first.goals == [] and first.review_on is None  # version 1 kept as it was
        assert str(second.review_on) == "2026-06-01"
        assert [(g.goal, str(g.target_on), g.status) for g in second.goals] == [
            ("Walk to the shops twice a week", "2026-05-31", "active"),
            ("Sleep before midnight", "None", "active"),
        ]
        assert second.crisis_contacts == first.crisis_contacts
        assert form.plan is not None and form.plan.version == 1


async def test_a_bad_date_keeps_the_form_open_and_esc_asks_first(seeded, make_app):
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm
    from mhf_tui.ui.widgets.confirm import Confirm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob, "4")
        await pilot.press("e")
        form = await until_screen(pilot, CarePlanForm)
        await type_text(pilot, "31/02/2026")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "review_on: date must be a date as YYYY-MM-DD" in str(
            form.query_one("#careplan-status").render()
        )
        await pilot.press("escape")
        await until_screen(pilot, Confirm)
        await pilot.press("n")
        await until_screen(pilot, CarePlanForm)
        await pilot.press("escape")
        await until_screen(pilot, Confirm)
        await pilot.press("y")
        await until_screen(pilot, PatientScreen)
        assert plan_of(app, seeded.bob) == []


async def test_palette_care_plan_edit_from_another_tab(seeded, make_app):
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, seeded.bob, "2")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Care plan: edit")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until_screen(pilot, CarePlanForm)
        assert screen.active_tab == "careplan"


async def test_goal_added_in_the_plan_is_scored_for_a_patient_without_demo_data(seeded, make_app):
    from mhf_tui.services.outcomes import list_outcomes
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm
    from mhf_tui.ui.widgets.care_plan_tab import CarePlanTab
    from mhf_tui.ui.widgets.outcomes_tab import GoalScoreEntry

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, seeded.bob, "4")
        await pilot.press("e")
        await until_screen(pilot, CarePlanForm)
        await pilot.press("tab")
        await type_text(pilot, "Back to work part time")
        await pilot.press("ctrl+s")
        await until_screen(pilot, PatientScreen)
        tab = screen.query_one(CarePlanTab)
        await wait_for(pilot, lambda: tab.plan is not None)
        await pilot.press("7", "o")
        await until_screen(pilot, GoalScoreEntry)
        await pilot.press("enter")
        await type_text(pilot, "6")
        await pilot.press("enter")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: tab.plan is not None and tab.plan.goals[0].scores != [])
        with app.caseload.session() as s:
            (score,) = list_outcomes(s, patient_id=seeded.bob)
        assert (score.measure, score.total, score.goal_text, score.taken_on) == (
            "gbo",
            6,
            "Back to work part time",
            TODAY,
        )
        await pilot.press("4")
        await pilot.pause()
        assert "[ 6/10] Back to work part time" in str(tab.query_one("#careplan-text").render())


async def test_carer_added_edited_and_removed(seeded, make_app):
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.confirm import Confirm
    from mhf_tui.ui.widgets.people_tab import PeopleTab
    from mhf_tui.ui.widgets.person_form import PersonForm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, seeded.bob, "8")
        table = screen.query_one(PeopleTab).query_one(DataTable)
        assert app.focused is table
        await pilot.press("a")
        await until_screen(pilot, PersonForm)
        await type_text(pilot, "Ann Smith")
        await pilot.press("tab")
        await type_text(pilot, "sister")
        await pilot.press("tab")
        await type_text(pilot, "07700 900123")
        await pilot.press("tab", "tab", "tab", "space")  # consents to contact
        await pilot.press("tab", "tab")  # consent given: the date it was given
        await type_text(pilot, "2026-02-20")
        await pilot.press("ctrl+s")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: table.row_count == 1)
        (ann,) = people_of(app, seeded.bob)
        assert (ann.name, ann.role, ann.relationship, ann.phone) == (
            "Ann Smith",
            "carer",
            "sister",
            "07700 900123",
        )
        assert ann.consent_to_contact and not ann.consent_to_share
        assert str(ann.consent_on) == "2026-02-20"
        assert ann.consent_recorded_by == "Test Facilitator"

        await pilot.press("e")
        form = await until_screen(pilot, PersonForm)
        form.query_one("#person-consent-share").focus()
        await pilot.press("space", "ctrl+s")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: people_of(app, seeded.bob)[0].consent_to_share)
        assert people_of(app, seeded.bob)[0].consent_on == TODAY  # changed today
        assert str(table.get_row_at(0)[5]) == "yes"

        await pilot.press("x")
        await until_screen(pilot, Confirm)
        await pilot.press("y")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: table.row_count == 0)
        assert people_of(app, seeded.bob) == []


async def test_a_name_with_control_characters_is_refused(seeded, make_app):
    from mhf_tui.ui.widgets.person_form import PersonForm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob, "8")
        await pilot.press("a")
        form = await until_screen(pilot, PersonForm)
        form.query_one("#person-name").value = "Ann\x1b[2J"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "name: must be one line" in str(form.query_one("#person-status").render())
        assert people_of(app, seeded.bob) == []


async def test_add_a_crisis_plan_keystrokes_from_the_dashboard(seeded, make_app):
    """The README's (and the issue's) keystrokes for "add a crisis plan"."""
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.screen.id == "dashboard")
        await pilot.press("slash")
        await type_text(pilot, "9990000026")
        await pilot.pause(0.3)
        await pilot.press("enter")
        screen = await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: screen.record is not None)
        await pilot.press("4", "c")
        await until_screen(pilot, CarePlanForm)
        await type_text(pilot, "Stops eating")
        await pilot.press("tab")
        await type_text(pilot, "Talking to his sister")
        await pilot.press("tab")
        await type_text(pilot, "Ann")
        await pilot.press("tab", "tab")
        await type_text(pilot, "07700900123")
        await pilot.press("tab", "tab", "down", "space", "ctrl+s")  # the 2nd service
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: plan_of(app, seeded.bob) != [])
        (plan,) = plan_of(app, seeded.bob)
        assert (plan.early_warning_signs, plan.what_helps) == (
            "Stops eating",
            "Talking to his sister",
        )
        assert [(c.name, c.phone) for c in plan.crisis_contacts] == [("Ann", "07700900123")]
        assert [s.name for s in plan.crisis_services] == ["NHS 111 mental health option"]


async def test_unsaved_care_plan_survives_the_lock_as_a_draft(seeded, make_app):
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob, "4")
        await pilot.press("c")
        await until_screen(pilot, CarePlanForm)
        await type_text(pilot, "Stops eating")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.id == "lock" and app.lock_settled.is_set())
        await type_text(pilot, PASSPHRASE)  # typed, as after a real auto-lock
        await pilot.press("enter")
        screen = await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: screen.record is not None)
        await pilot.press("4", "e")
        form = await until_screen(pilot, CarePlanForm)
        assert "unsaved changes restored" in str(form.query_one(".dialog-title").render())
        assert form.query_one("#careplan-warning").text == "Stops eating"
        await pilot.press("ctrl+s")
        await until_screen(pilot, PatientScreen)
        await wait_for(pilot, lambda: plan_of(app, seeded.bob) != [])
        assert plan_of(app, seeded.bob)[0].early_warning_signs == "Stops eating"
        with app.caseload.session() as s:
            assert [d.kind for d in list_drafts(s)] == []
