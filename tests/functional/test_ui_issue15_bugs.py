"""The rough edges of issue 15, each reproduced as a facilitator hits it at 80x24."""

from __future__ import annotations

from textual.widgets import Input, Static

from mhf_tui.config import Settings
from tests.functional.conftest import type_text, unlock, wait_for
from tests.functional.screen_text import screen_text

TAB_ORDER = ("summary", "contacts", "notes", "careplan", "signposting", "reviews", "outcomes",
             "people")  # fmt: skip


async def open_record(pilot, patient_id, tab=None):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen

    app = pilot.app
    navigation.open_patient(app, patient_id, tab=tab)
    await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.record is not None)
    await pilot.pause(0.2)
    return screen


async def test_tab_keys_work_from_every_tab_and_from_the_notes_search(seeded, make_app):
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.alice)
        assert patient.active_tab == "notes"  # where a record opens
        for start in TAB_ORDER:
            for n, tab in enumerate(TAB_ORDER, start=1):
                await pilot.press(str(TAB_ORDER.index(start) + 1))
                await pilot.pause(0.05)
                await pilot.press(str(n))
                await pilot.pause(0.05)
                assert patient.active_tab == tab, f"{n} from {start}"
                assert not isinstance(app.focused, Input)
        search = patient.query_one("#note-search-input", Input)
        await pilot.press("3", "f")
        assert app.focused is search
        await pilot.press("4")  # an empty search box lets the tab keys through
        await pilot.pause(0.05)
        assert patient.active_tab == "careplan" and search.value == ""
        await pilot.press("3", "f")
        await type_text(pilot, "mood 2")  # once typing, digits are text
        assert search.value == "mood 2" and patient.active_tab == "notes"
        await pilot.press("escape")  # back to the list, where digits switch tab again
        await pilot.press("1")
        await pilot.pause(0.05)
        assert patient.active_tab == "summary"


async def test_help_and_palette_list_every_tabs_keys(seeded, make_app):
    from mhf_tui.ui.commands import MhfCommands
    from mhf_tui.ui.screens.help import HelpScreen
    from mhf_tui.ui.widgets.outcomes_tab import OutcomeEntry

    app = make_app(seeded.home, settings=Settings(keys={"outcome_gad7": "ctrl+g"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.alice)
        entries = {t: h for t, _cb, h in MhfCommands(patient)._entries()}
        for title in (
            "Patient: start or carry on the SMI physical health check",
            "Patient: start a review from a template",
            "Patient: add a PHQ-9",
            "Patient: score a care-plan goal 0-10",
            "Note: amend the highlighted note",
            "Contact: record a contact (mode, when, minutes, outcome, note)",
            "Patient: edit the alerts (risk, safeguarding, lone worker, do not text)",
        ):
            assert title in entries, title
        assert entries["Patient: add a GAD-7"] == "key ^g (Outcomes tab)"  # remapped
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for what in ("start or carry on the SMI physical health check", "add a PHQ-9",
                     "score a care-plan goal", "record a contact", "edit the alerts"):  # fmt: skip
            assert what in text, what
        assert "^g" in text
        await pilot.press("escape")
        # the palette's entry switches to the Outcomes tab and runs the remapped action
        run = next(cb for t, cb, _h in MhfCommands(patient)._entries() if t.endswith("GAD-7"))
        app.call_later(run)
        await wait_for(pilot, lambda: isinstance(app.screen, OutcomeEntry))
        assert patient.active_tab == "outcomes"


async def test_a_done_follow_up_reads_done(seeded, make_app):
    from mhf_tui.services.contacts import ContactCreate, add_contact
    from mhf_tui.services.followups import complete_contact_follow_up

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        with app.caseload.session() as s:
            phone = ContactCreate(mode="phone", follow_up_on="2026-03-01")
            done, _ = add_contact(s, actor="t", patient_id=seeded.bob, data=phone)
            video = ContactCreate(mode="video", follow_up_on="2026-03-09")
            add_contact(s, actor="t", patient_id=seeded.bob, data=video)
            complete_contact_follow_up(s, actor="t", contact_id=done.id)
        await open_record(pilot, seeded.bob, tab="contacts")
        lines = screen_text(app).splitlines()
        phone = next(line for line in lines if "Phone" in line)
        video = next(line for line in lines if "Video" in line)
        assert "01 Mar 26 done" in phone
        assert "09 Mar 26 open" in video


async def test_new_patient_form_shows_every_error_and_focuses_the_first(seeded, make_app):
    from mhf_tui.ui.screens.caseload import CaseloadScreen
    from mhf_tui.ui.screens.patient_form import NewPatientScreen
    from mhf_tui.ui.widgets.dialogs import ConfirmScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f3", "f7")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPatientScreen))
        form = app.screen
        await wait_for(pilot, lambda: bool(form.initial))
        await pilot.press("tab")  # family name left empty
        await type_text(pilot, "Robin")
        await pilot.press("tab")
        await type_text(pilot, "1990-13-06")
        await pilot.press("tab")
        await type_text(pilot, "9990000019")
        form.query_one("#f-practice_ods").focus()
        await pilot.press("ctrl+s")
        status = str(form.query_one("#form-status", Static).render())
        assert "Family name: family name is required" in status
        assert "Date of birth: date of birth must be a date" in status
        assert "NHS number: NHS number fails the Modulus 11" in status
        assert "Practice: practice is required" in status
        assert app.focused is form.query_one("#f-family_name")
        await pilot.press("escape")  # typed data: asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.screen is form
        assert form.query_one("#f-given_name", Input).value == "Robin"
        await pilot.press("escape", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPatientScreen))
        await wait_for(pilot, lambda: bool(app.screen.initial))
        await pilot.press("escape")  # nothing typed: no question
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))


async def test_smoking_choices_fit_at_80_columns(seeded, make_app):
    from mhf_tui.ui.screens.review_form import ReviewFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.alice, tab="reviews")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.loaded)
        form.inputs["smoking_status"].focus()
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "3 Never smoked" in " ".join(text.split())


async def test_tab_from_the_signposting_follow_up_keeps_the_focus_in_the_dialog(seeded, make_app):
    from mhf_tui.ui.screens.signposting import ServicePicker

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob, tab="signposting")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicePicker))
        picker = app.screen
        await wait_for(pilot, lambda: bool(picker.services))
        await type_text(pilot, "samaritans")
        await pilot.press("enter")
        assert app.focused.id == "signpost-follow-up"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.screen is picker
        assert app.focused.id == "service-filter"
        await pilot.press("shift+tab")
        assert app.focused.id == "signpost-follow-up"


async def test_settings_auto_lock_zero_explains_the_real_limit(seeded, make_app):
    from mhf_tui.ui.screens.settings import SettingsScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("#auto-lock", Input).value = "0"
        await pilot.press("ctrl+s")
        status = str(app.screen.query_one("#settings-status", Static).render())
        assert "more than 0 and at most 240 minutes" in status
        assert "between 0 and" not in status
        assert not seeded.home.config.exists()
