"""Issue 15 flows in the app: record yesterday's home visit (contact form and quick note),
edit an alert, the details, the consent and the status, with the same validation and audit
as the CLI; the demo passphrase on the lock screen."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select
from textual.widgets import Input, Static, TextArea

from tests.functional.conftest import type_text, unlock, wait_for
from tests.functional.screen_text import screen_text
from tests.functional.test_ui_issue15_bugs import open_record


def contacts_of(app, patient_id):
    from mhf_tui.services.contacts import list_contacts

    with app.caseload.session() as s:
        return list_contacts(s, patient_id=patient_id)


def audit_of(app, patient_id):
    from mhf_tui.db.tables import AuditEvent

    with app.caseload.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.patient_id == str(patient_id))).all()
        return [(r.action, r.entity, r.detail) for r in rows]


def yesterday_at(hour: int, minute: int) -> datetime:
    day = datetime.now().astimezone().date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


async def test_record_yesterdays_home_visit_with_an_outcome_and_a_note(seeded, make_app):
    from mhf_tui.services.notes import current_notes
    from mhf_tui.ui.screens.contact_form import ContactFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.bob)
        await pilot.press("2", "c")  # Contacts tab, record a contact
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        form = app.screen
        await pilot.press("enter", "down", "down", "down", "down", "enter")  # Home visit
        await pilot.press("tab")
        await type_text(pilot, "yesterday 14:30")
        await pilot.press("tab")
        await type_text(pilot, "twenty")  # refused, with the other problems, at once
        await pilot.press("tab")
        await type_text(pilot, "home")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Settled; agreed weekly calls")
        await pilot.press("tab")
        await type_text(pilot, "31/02")
        await pilot.press("ctrl+s")
        status = str(form.query_one("#contact-status", Static).render())
        assert "minutes must be a whole number" in status and "follow-up: type a date" in status
        assert app.focused is form.query_one("#cf-minutes")  # the first refused field
        assert contacts_of(app, seeded.bob) == []
        form.query_one("#cf-minutes", Input).value = ""
        await type_text(pilot, "20")
        form.query_one("#cf-follow_up", Input).value = ""
        form.query_one("#contact-note", TextArea).focus()
        await type_text(pilot, "Home visit: calmer, sleeping better.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        (contact,) = contacts_of(app, seeded.bob)
        assert contact.mode == "home_visit"
        assert contact.occurred_at == yesterday_at(14, 30)
        assert (contact.duration_minutes, contact.location) == (20, "home")
        assert contact.outcome == "Settled; agreed weekly calls"
        with app.caseload.session() as s:
            (note,) = current_notes(s, patient_id=seeded.bob)
        assert note.contact_id == contact.id and note.text.startswith("Home visit: calmer")
        await wait_for(pilot, lambda: len(patient.record.contacts) == 1)
        assert ("create", "contact") in [(a, e) for a, e, _d in audit_of(app, seeded.bob)]


async def test_quick_note_records_the_contact_details_too(seeded, make_app):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        app.call_later(navigation.quick_note, app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        await wait_for(pilot, lambda: note.loaded)
        await type_text(pilot, "Visited at home.")
        await pilot.press("tab", "enter", "down", "down", "down", "down", "enter", "tab")
        await type_text(pilot, "yesterday 9:15")
        await pilot.press("tab")
        await type_text(pilot, "20")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Plan agreed")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not note)
        (contact,) = contacts_of(app, seeded.bob)
        assert (contact.mode, contact.duration_minutes, contact.outcome) == (
            "home_visit", 20, "Plan agreed"
        )  # fmt: skip
        assert contact.occurred_at == yesterday_at(9, 15)


async def test_edit_an_alert_from_the_summary_tab(seeded, make_app):
    from mhf_tui.ui.screens.patient_edit import AlertsScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.alice)
        banner = patient.query_one("#patient-alerts", Static)
        assert "SAFEGUARDING" not in str(banner.render())
        await pilot.press("1", "a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
        await pilot.press("tab", "space")  # risk (kept), safeguarding: ticked
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Sister is the safe contact")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: "SAFEGUARDING" in str(banner.render()))
        shown = str(banner.render())
        assert "RISK" in shown and "Sister is the safe contact" in shown
        updates = [d for a, e, d in audit_of(app, seeded.alice) if a == "update"]
        assert updates == ["fields=alert_note,alert_safeguarding"]  # names, never values


async def test_edit_details_refuses_bad_fields_then_saves(seeded, make_app):
    from mhf_tui.services.patients import get_patient
    from mhf_tui.ui.screens.patient_form import EditDetailsScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.bob, tab="summary")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDetailsScreen))
        form = app.screen
        await wait_for(pilot, lambda: bool(form.initial))
        assert form.query_one("#f-family_name", Input).value == "O'Neil"
        form.query_one("#f-postcode", Input).value = "not a postcode"
        form.query_one("#f-phone", Input).value = "07700 900123"
        await pilot.press("ctrl+s")
        assert "Postcode:" in str(form.query_one("#form-status", Static).render())
        assert app.focused is form.query_one("#f-postcode")
        form.query_one("#f-postcode", Input).value = "ls1 4ap"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        with app.caseload.session() as s:
            bob = get_patient(s, patient_id=seeded.bob)
        assert (bob.phone, bob.postcode) == ("07700 900123", "LS1 4AP")


async def test_consent_and_status_from_the_summary_tab(seeded, make_app):
    from mhf_tui.services.patients import get_patient
    from mhf_tui.ui.screens.patient_edit import ConsentScreen, StatusScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.bob, tab="summary")
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen))
        form = app.screen
        await pilot.press("space", "tab")  # objects to sharing, with a reason
        await type_text(pilot, "Prefers to tell the GP himself")
        form.query_one("#c-on", Input).value = "tomorrow"
        await pilot.press("ctrl+s")  # refused by the service: no decision in the future
        status = form.query_one("#modal-status", Static)
        await wait_for(pilot, lambda: "in the future" in str(status.render()))
        form.query_one("#c-on", Input).value = "yesterday"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusScreen))
        await pilot.press("ctrl+s")  # the first choice: on hold
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: patient.record.patient.status == "on_hold")
        with app.caseload.session() as s:
            bob = get_patient(s, patient_id=seeded.bob)
        assert not bob.share_with_practice
        assert bob.share_objection_reason == "Prefers to tell the GP himself"
        actions = [a for a, _e, _d in audit_of(app, seeded.bob)]
        assert "consent" in actions and "update" in actions
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusScreen))
        app.screen.query_one("#s-change").value = "discharge"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: patient.record.patient.status == "discharged")
        assert "discharge" in [a for a, _e, _d in audit_of(app, seeded.bob)]


async def test_demo_lock_screen_shows_the_passphrase(seeded, make_app):
    from tests.functional.conftest import PASSPHRASE

    app = make_app(seeded.home, demo_passphrase=PASSPHRASE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.caseload is not None)  # demo unlocks by itself
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.screen.id == "lock")
        hint = app.screen.query_one("#demo-hint", Static)
        assert PASSPHRASE in str(hint.render())


async def test_phq9_shows_each_question_and_the_scale_and_takes_a_past_date(seeded, make_app):
    from datetime import date

    from mhf_tui.services.outcomes import list_outcomes
    from mhf_tui.ui.widgets.outcomes_tab import OutcomeEntry

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob, tab="outcomes")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, OutcomeEntry))
        entry = app.screen
        await type_text(pilot, "12")
        shown = str(entry.query_one("#outcome-text", Static).render())
        assert "1. Little interest or pleasure in doing things  → 1 Several days" in shown
        assert "2. Feeling down, depressed, or hopeless  → 2 More than half the days" in shown
        assert "9. Thoughts that you would be better off dead or of hurting yourself" in shown
        text = screen_text(app)
        assert "Over the last 2 weeks, how often have you been bothered by any of the" in text
        assert "0 Not at all · 1 Several days" in text
        assert "2 More than half the days · 3 Nearly every day" in text
        await type_text(pilot, "0000000")
        await pilot.press("tab")
        await type_text(pilot, "27/2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, OutcomeEntry))
        with app.caseload.session() as s:
            await wait_for(pilot, lambda: bool(list_outcomes(s, patient_id=seeded.bob)))
            (row,) = list_outcomes(s, patient_id=seeded.bob)
        assert (row.measure, row.total, row.taken_on) == ("phq9", 3, date(2026, 2, 27))


async def test_sync_screen_sets_a_practice_key(seeded, make_app):
    import pyrage

    from mhf_tui.db.tables import Practice
    from mhf_tui.ui.screens.practice_key import PracticeKeyScreen
    from mhf_tui.ui.screens.sync import SyncScreen

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen) and bool(app.screen.rows))
        sync = app.screen
        row = next(i for i, r in enumerate(sync.rows) if r.ods_code == "Z99990")
        sync.query_one("#sync-table").move_cursor(row=row)
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, PracticeKeyScreen))
        dialog = app.screen
        await type_text(pilot, "not-a-key")
        await pilot.press("enter")
        status = dialog.query_one("#practice-key-status", Static)
        await wait_for(pilot, lambda: "age" in str(status.render()))
        dialog.query_one(Input).value = recipient
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is sync)
        with app.caseload.session() as s:
            practice = s.exec(select(Practice).where(Practice.ods_code == "Z99990")).one()
        assert practice.recipient == recipient
        await wait_for(pilot, lambda: next(r for r in sync.rows if r.ods_code == "Z99990")
                       .has_recipient)  # fmt: skip


async def test_a_pasted_tab_in_the_location_is_refused_on_the_form_not_a_crash(seeded, make_app):
    from textual import events

    from mhf_tui.ui.screens.contact_form import ContactFormScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, seeded.bob)
        await pilot.press("2", "c")  # Contacts tab, record a contact
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        form = app.screen
        await pilot.press("enter", "down", "down", "down", "down", "enter")  # Home visit
        location = form.query_one("#cf-location", Input)
        location.focus()
        location.post_message(events.Paste("12 High Street\tFlat 2"))  # as a terminal sends it
        await wait_for(pilot, lambda: "\t" in location.value)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "control characters" in str(
            form.query_one("#contact-status", Static).render()))  # fmt: skip
        assert app.is_running and app.screen is form
        assert contacts_of(app, seeded.bob) == []
