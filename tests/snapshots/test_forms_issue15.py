"""The contact form at 80x24 (issue 15), filled in as for yesterday's home visit."""

from __future__ import annotations

from tests.functional.conftest import unlock, wait_for

SIZE = (80, 24)


def test_contact_form(snap_compare, seeded, make_app):
    from textual.widgets import Input, TextArea

    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.contact_form import ContactFormScreen

    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        navigation.open_patient(app, seeded.alice, tab="contacts")
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.pause()
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen))
        for widget in app.screen.query(Input):
            widget.cursor_blink = False
        app.screen.query_one(TextArea).cursor_blink = False
        await pilot.press("enter", "down", "down", "down", "down", "enter", "tab")
        await pilot.press(*"yesterday 14:30", "tab", "2", "0", "tab", *"home", "tab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
