"""The care plan and person forms at 80x24 (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from tests.functional.conftest import PASSPHRASE, unlock, wait_for

SIZE = (80, 24)
PLAN = {
    "review_on": "2026-06-01",
    "needs": ["housing"],
    "goals": [{"goal": "Walk to the shops twice a week", "target_on": "2026-05-31"}],
    "actions": [{"action": "Refer to the walking group", "owner": "facilitator",
                 "due": "2026-03-10"}],
    "early_warning_signs": "Stops answering the phone; sleeping in the day.",
    "what_helps": "A walk with his sister.",
    "crisis_contacts": [{"name": "Ann Sister", "relationship": "sister",
                         "phone": "07700 900123"}],
    "crisis_services": ["Samaritans"],
}  # fmt: skip


def _seed_plan(seeded) -> None:
    from mhf_tui.db.store import Caseload
    from mhf_tui.services.care_plans import CarePlanUpdate, edit_care_plan
    from mhf_tui.services.fields import parse_model

    caseload = Caseload.open(seeded.home, PASSPHRASE)
    try:
        with caseload.session() as s:
            update = parse_model(CarePlanUpdate, PLAN)
            edit_care_plan(s, actor="Test Facilitator", patient_id=seeded.bob, update=update)
    finally:
        caseload.close()


async def _open(pilot, app, patient_id, tab_key, form_key, form_type):
    from mhf_tui.ui.screens import navigation

    await unlock(pilot)
    navigation.open_patient(app, patient_id)
    await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
    await pilot.press(tab_key)
    await pilot.pause()
    await pilot.press(form_key)
    await wait_for(pilot, lambda: isinstance(app.screen, form_type))
    await pilot.pause()


def test_care_plan_form_at_the_crisis_plan(snap_compare, seeded, make_app):
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm

    _seed_plan(seeded)
    app = make_app(seeded.home)

    async def run_before(pilot):
        await _open(pilot, app, seeded.bob, "4", "c", CarePlanForm)
        app.screen.query_one("#careplan-warning").cursor_blink = False
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_care_plan_form_new(snap_compare, seeded, make_app):
    from mhf_tui.ui.widgets.care_plan_form import CarePlanForm

    app = make_app(seeded.home)

    async def run_before(pilot):
        await _open(pilot, app, seeded.bob, "4", "e", CarePlanForm)
        app.screen.query_one("#careplan-review").cursor_blink = False

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_care_plan_tab(snap_compare, seeded, make_app):
    from mhf_tui.ui.widgets.care_plan_tab import CarePlanTab

    _seed_plan(seeded)
    app = make_app(seeded.home)

    async def run_before(pilot):
        from mhf_tui.ui.screens import navigation

        await unlock(pilot)
        navigation.open_patient(app, seeded.bob)
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("4")
        tab = app.screen.query_one(CarePlanTab)
        await wait_for(pilot, lambda: tab.plan is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_person_form(snap_compare, seeded, make_app):
    from mhf_tui.ui.widgets.person_form import PersonForm

    app = make_app(seeded.home)

    async def run_before(pilot):
        await _open(pilot, app, seeded.bob, "8", "a", PersonForm)
        await pilot.press(*"Ann Smith", "tab", *"sister", "tab", *"07700 900123")
        app.screen.focused.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
