"""At 60x20 every tab of a record and the footer's `f1 Help` stay on screen (shorter tab
labels below 80 columns)."""

from __future__ import annotations

from tests.functional.conftest import unlock, wait_for
from tests.functional.screen_text import screen_text
from tests.functional.test_ui_issue15_bugs import open_record

SHORT = ("Summ", "Cont", "Notes", "Plan", "Sign", "Revw", "Outc", "People")


async def test_every_tab_and_f1_at_60x20(seeded, make_app):
    from mhf_tui.ui.widgets.patient_table import PatientTable

    app = make_app(seeded.home)
    async with app.run_test(size=(60, 20)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: bool(app.screen.lines))
        assert "f1 Help" in screen_text(app).splitlines()[-1]
        await pilot.press("slash", "c", "8")
        await wait_for(pilot, lambda: app.screen.query_one(PatientTable).row_count > 0)
        assert "f1 Help" in screen_text(app).splitlines()[-1]
        patient = await open_record(pilot, seeded.alice)
        for key in "12345678":
            await pilot.press(key)
            await pilot.pause(0.2)
            lines = screen_text(app).splitlines()
            tab_bar = next(line for line in lines if "Notes" in line and "People" in line)
            assert tab_bar.split() == list(SHORT), patient.active_tab
            assert "f1 Help" in lines[-1], patient.active_tab
    async with make_app(seeded.home).run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        patient = await open_record(pilot, seeded.alice)
        text = screen_text(pilot.app)
        assert "Summary  Contacts  Notes  Care plan  Signposting  Reviews  Outcomes  People" in text
