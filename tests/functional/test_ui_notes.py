"""Quick notes, amendments, drafts across auto-lock, and literal display of typed text."""

from __future__ import annotations

from textual.widgets import DataTable, Static, TextArea

from tests.functional.conftest import PASSPHRASE, type_text, unlock, wait_for


def current(app, patient_id):
    from mhf_tui.services.notes import current_notes

    with app.caseload.session() as s:
        return current_notes(s, patient_id=patient_id)


async def test_quick_note_from_dashboard_for_a_named_patient(seeded, make_app):
    from mhf_tui.services.contacts import list_contacts
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens.dashboard import DashboardScreen
    from mhf_tui.ui.screens.quick_note import PatientPicker, QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, PatientPicker)
        await type_text(pilot, "o'neil")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        assert note.patient_id == seeded.bob
        await wait_for(pilot, lambda: note.loaded)
        await type_text(pilot, "Phoned back, feeling better. n is typed, not a shortcut.")
        await pilot.press("tab")  # contact mode
        await pilot.press("enter", "down", "down", "enter")  # open the select, pick "Phone"
        assert note.query_one("#cf-mode").value == "phone"
        await pilot.press("tab", "tab", "tab", "tab", "tab", "tab")  # when … outcome: follow-up
        await type_text(pilot, "2026-03-16")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        notes = current(app, seeded.bob)
        assert [n.text for n in notes] == [
            "Phoned back, feeling better. n is typed, not a shortcut."
        ]
        assert notes[0].kind == "phone_call"
        with app.caseload.session() as s:
            contacts = list_contacts(s, patient_id=seeded.bob)
            assert [(c.mode, str(c.follow_up_on)) for c in contacts] == [("phone", "2026-03-16")]
            assert notes[0].contact_id == contacts[0].id
            assert list_drafts(s) == []


async def test_quick_note_for_open_patient_with_ctrl_n_then_amend(seeded, make_app):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen
    from mhf_tui.ui.widgets.dialogs import AmendNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        patient = app.screen
        await wait_for(pilot, lambda: patient.record is not None)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        await type_text(pilot, "Frist draft")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: len(patient.record.notes) == 1)

        await pilot.press("3")  # notes tab
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AmendNoteScreen))
        area = app.screen.query_one(TextArea)
        area.select_all()
        await type_text(pilot, "First draft")
        await pilot.press("tab")
        await type_text(pilot, "typo")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is patient)
        await wait_for(pilot, lambda: patient.record.notes[0].version == 2)
        notes = current(app, seeded.bob)
        assert [(n.text, n.version, n.amend_reason) for n in notes] == [("First draft", 2, "typo")]
        table = patient.query_one("#notes-table", DataTable)
        assert "v2" in str(table.get_row_at(0)[3])


async def test_auto_lock_keeps_the_draft_and_unlock_restores_it(seeded, make_app):
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.lock import LockScreen
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home, auto_lock_seconds=600)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        navigation.open_patient(app, seeded.alice)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        await wait_for(pilot, lambda: app.screen.loaded)
        await type_text(pilot, "Unfinished thought")
        # a tiny timeout from now on (set late so a slow machine cannot lock mid-set-up),
        # then no keys for a while: auto-lock
        app.set_auto_lock(0.3)
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), timeout=10)
        assert app.caseload is None
        assert not any(isinstance(s, PatientScreen | QuickNoteScreen) for s in app.screen_stack)
        await wait_for(pilot, lambda: app.lock_settled.is_set())

        from mhf_tui.db.store import Caseload

        outside = Caseload.open(seeded.home, PASSPHRASE)
        try:
            with outside.session() as s:
                drafts = list_drafts(s)
        finally:
            outside.close()
        assert [(d.patient_id, d.text) for d in drafts] == [(seeded.alice, "Unfinished thought")]

        app.set_auto_lock(600)
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        await wait_for(pilot, lambda: note.query_one(TextArea).text == "Unfinished thought")
        assert isinstance(app.screen_stack[-2], PatientScreen)
        await type_text(pilot, ", now finished.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        texts = [n.text for n in current(app, seeded.alice)]
        assert "Unfinished thought, now finished." in texts
        with app.caseload.session() as s:
            assert list_drafts(s) == []


async def test_markup_and_escapes_in_a_note_are_shown_literally(seeded, make_app):
    from mhf_tui.services.notes import add_note
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen

    hostile = "[bold]x[/bold] \x1b[31mred\x1b[0m [link=http://example.org]y[/link]"
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        with app.caseload.session() as s:
            add_note(s, actor="t", patient_id=seeded.bob, text=hostile)
        navigation.open_patient(app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, PatientScreen))
        patient = app.screen
        await wait_for(pilot, lambda: patient.record is not None)
        preview = str(patient.query_one("#note-preview", Static).render())
        assert "[bold]x[/bold]" in preview
        assert "␛[31mred␛[0m" in preview
        assert "\x1b" not in preview
        assert "[link=http://example.org]y[/link]" in preview
        row = patient.query_one("#notes-table", DataTable).get_row_at(0)
        assert "[bold]x[/bold]" in str(row[2])
        screen_text = app.export_screenshot()
        assert "[bold]x[/bold]" in screen_text
        assert "\x1b" not in screen_text


async def test_escape_keeps_the_draft_and_the_dashboard_reopens_it(seeded, make_app):
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens.dashboard import DashboardScreen
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        dashboard = app.screen
        await pilot.press("n")
        await type_text(pilot, "o'neil")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        await wait_for(pilot, lambda: app.screen.loaded)
        await type_text(pilot, "Left for later")
        await pilot.press("escape")
        assert app.screen is dashboard
        await wait_for(pilot, lambda: any(line.draft_id for line in dashboard.lines.values()))
        with app.caseload.session() as s:
            assert [d.text for d in list_drafts(s)] == ["Left for later"]
        key = next(k for k, line in dashboard.lines.items() if line.draft_id)
        app.call_later(dashboard.open_line, key)
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        await wait_for(pilot, lambda: note.query_one(TextArea).text == "Left for later")
        note.query_one(TextArea).clear()  # emptied and closed: the draft goes
        await pilot.press("escape")
        await wait_for(pilot, lambda: not any(line.draft_id for line in dashboard.lines.values()))
        with app.caseload.session() as s:
            assert list_drafts(s) == []
        assert isinstance(app.screen, DashboardScreen)
