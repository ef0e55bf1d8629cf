"""A discharged patient's Reviews and Outcomes tabs refuse a new review or score before
anything is typed, with the reason in a notification (the record stays readable)."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable

from tests.functional.conftest import unlock, wait_for


async def test_discharged_patient_refuses_new_review_and_outcome(seeded, make_app) -> None:
    from mhf_tui.services.retention import discharge
    from mhf_tui.ui.screens import navigation
    from mhf_tui.ui.screens.patient import PatientScreen
    from mhf_tui.ui.screens.review_form import ReviewFormScreen
    from mhf_tui.ui.widgets.outcomes_tab import OutcomeEntry, OutcomesTab
    from mhf_tui.ui.widgets.reviews_tab import ReviewsTab

    def refusals() -> int:
        return sum("discharged" in n.message for n in app._notifications)

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        with app.caseload.session() as s:
            discharge(s, patient_id=seeded.bob, actor=app.caseload.actor, on=date(2026, 3, 1))

        navigation.open_patient(app, seeded.bob, tab="reviews")
        await wait_for(pilot, lambda: bool(app.screen.query(ReviewsTab)))
        patient_screen = app.screen
        assert isinstance(patient_screen, PatientScreen)
        reviews = patient_screen.query_one(ReviewsTab)
        await wait_for(pilot, lambda: reviews.data is not None)
        reviews.query_one(DataTable).focus()
        await pilot.pause()
        await pilot.press("p")
        await wait_for(pilot, lambda: refusals() == 1)
        await wait_for(pilot, lambda: app.screen is patient_screen)
        assert not any(isinstance(s, ReviewFormScreen) for s in app.screen_stack)

        await pilot.press("7")
        outcomes = patient_screen.query_one(OutcomesTab)
        await wait_for(pilot, lambda: outcomes.data is not None)
        outcomes.query_one(DataTable).focus()
        await pilot.pause()
        await pilot.press("q")
        await wait_for(pilot, lambda: refusals() == 2)
        await pilot.pause()
        assert not isinstance(app.screen, OutcomeEntry)
        await pilot.press("o")
        await wait_for(pilot, lambda: refusals() == 3)
        assert app.screen is patient_screen
