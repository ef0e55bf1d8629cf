"""Every theme, with and without NO_COLOR, keeps text at WCAG AA (4.5:1) on the dashboard
(its highlighted overdue line included), the caseload, a patient's record and the forms,
measured from what the compositor renders (tests/functional/contrast.py)."""

from __future__ import annotations

import pytest

from mhf_tui.config import THEMES, Settings
from tests.functional.conftest import unlock, wait_for
from tests.functional.contrast import low_contrast
from tests.functional.test_ui_issue15_bugs import open_record


async def screens(pilot, seeded):
    """Yield a name for each screen shown, as a facilitator would reach it."""
    from textual.widgets import OptionList

    from mhf_tui.ui.screens.contact_form import ContactFormScreen
    from mhf_tui.ui.screens.patient_form import NewPatientScreen
    from mhf_tui.ui.widgets.patient_table import PatientTable

    app = pilot.app
    await unlock(pilot)
    await wait_for(pilot, lambda: bool(app.screen.lines))
    options = app.screen.query_one(OptionList)
    overdue = next(i for i in range(options.option_count)
                   if "overdue" in str(options.get_option_at_index(i).prompt))  # fmt: skip
    options.highlighted = overdue
    await pilot.pause(0.1)
    yield "dashboard, an overdue line highlighted"
    options.highlighted = overdue + 1
    await pilot.pause(0.1)
    yield "dashboard"
    await pilot.press("slash", "c", "8")
    await wait_for(pilot, lambda: app.screen.query_one(PatientTable).row_count > 0)
    yield "caseload filtered"
    await pilot.press("down")
    yield "caseload, a row highlighted"
    await pilot.press("f7")
    await wait_for(pilot, lambda: isinstance(app.screen, NewPatientScreen))
    await pilot.press("ctrl+s")  # every field refused, marked
    await pilot.pause(0.1)
    yield "new patient form, errors shown"
    await pilot.press("escape", "y")
    patient = await open_record(pilot, seeded.alice)
    yield "patient record, notes"
    for tab in ("1", "2", "4", "5", "6", "7", "8"):
        await pilot.press(tab)
        await pilot.pause(0.1)
        yield f"patient record, tab {patient.active_tab}"
    await pilot.press("2", "c")
    await wait_for(pilot, lambda: isinstance(app.screen, ContactFormScreen))
    await pilot.press("ctrl+s")  # mode refused, marked
    await pilot.pause(0.1)
    yield "contact form, errors shown"


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("theme", THEMES)
async def test_text_contrast_is_aa(seeded, make_app, monkeypatch, theme, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(seeded.home, settings=Settings(theme=theme))
    failures = []
    async with app.run_test(size=(80, 24)) as pilot:
        async for where in screens(pilot, seeded):
            for depth in ("truecolor", "256"):
                for low in low_contrast(app, depth=depth):
                    failures.append(f"{where}: {low}")
    assert failures == [], "\n".join(dict.fromkeys(failures))
