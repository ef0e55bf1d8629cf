"""App-wide behaviour: help and palette generated from the bindings, remapped keys, service
errors shown as notifications, quitting keeps drafts."""

from __future__ import annotations

from textual.widgets import Input, Static

from mhf_tui.config import Settings
from tests.functional.conftest import PASSPHRASE, type_text, unlock, wait_for


async def test_help_lists_every_app_key_with_the_users_remapping(seeded, make_app):
    from mhf_tui.ui.keys import APP_KEYS
    from mhf_tui.ui.screens.help import HelpScreen

    app = make_app(seeded.home, settings=Settings(keys={"quick_note": "ctrl+e"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for key in APP_KEYS:
            assert key.help in text
        assert "^e" in text  # the remapped quick note key
        assert "amend the highlighted note" in text  # a screen's own key
        await pilot.press("escape")
        await pilot.press("ctrl+e")
        from mhf_tui.ui.screens.quick_note import PatientPicker

        assert isinstance(app.screen, PatientPicker)


async def test_palette_offers_actions_and_patients_by_name(seeded, make_app):
    from mhf_tui.ui.commands import MhfCommands
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        provider = MhfCommands(app.screen)
        titles = [t for t, _cb, _help in provider._entries()]
        assert "Note: quick note (when not typing)" in titles
        assert "App: lock now" in titles
        assert "Dashboard: reload the dashboard" in titles
        hits = [hit async for hit in provider.search("parker")]
        labels = [str(hit.text) for hit in hits]
        assert any(label.startswith("Patient: open PARKER, Alice") for label in labels)
        quick = next(h for h in hits if str(h.text).startswith("Note: quick note for PARKER"))
        app.call_later(quick.command)  # as the palette does, on the app's loop
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        assert app.screen.patient_id == seeded.alice


async def test_service_error_is_shown_and_nothing_is_saved(seeded, make_app):
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        app.call_later(navigation.quick_note, app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        await wait_for(pilot, lambda: note.loaded)
        await type_text(pilot, "Call back")
        await pilot.press("tab", "enter", "down", "enter")  # mode: face to face
        await pilot.press(*["tab"] * 6)  # to the follow-up
        await type_text(pilot, "31/02/2026")  # no such date
        await pilot.press("ctrl+s")
        status = note.query_one("#note-status", Static)
        await wait_for(pilot, lambda: "follow-up: type a date" in str(status.render()))
        assert app.screen is note  # still open, text kept
        assert not note.finished
        assert app.screen.focused is note.query_one("#cf-follow_up")
        note.query_one("#cf-follow_up", Input).value = "2026-03-30"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not note)


async def test_quit_keeps_the_unsaved_note_as_a_draft(seeded, make_app):
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.drafts import list_drafts
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        app.call_later(navigation.quick_note, app, seeded.bob)
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        await wait_for(pilot, lambda: app.screen.loaded)
        await type_text(pilot, "Half written")
        await pilot.press("ctrl+q")
    caseload = Caseload.open(seeded.home, PASSPHRASE)
    try:
        with caseload.session() as s:
            assert [(d.patient_id, d.text) for d in list_drafts(s)] == [
                (seeded.bob, "Half written")
            ]
    finally:
        caseload.close()


async def test_high_contrast_theme_from_settings_and_no_color(seeded, make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(seeded.home, settings=Settings(theme="mhf-high-contrast"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.screen.id == "lock")
        assert app.theme == "mhf-high-contrast"
        assert app.no_color
