"""The main screens at 80x24, as SVG snapshots (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from tests.functional.conftest import unlock, wait_for

SIZE = (80, 24)


def first_patient(app):
    return app.finder.search("")[0].id


def test_lock_screen(snap_compare, seeded, make_app):
    app = make_app(seeded.home)

    async def run_before(pilot):
        await wait_for(pilot, lambda: app.screen.id == "lock")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dashboard(snap_compare, seeded, make_app):
    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        await wait_for(pilot, lambda: bool(app.screen.lines))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_caseload(snap_compare, seeded, make_app):
    from mhf_tui.ui.widgets.patient_table import PatientTable

    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        await pilot.press("slash")
        await pilot.press("c", "8")
        await wait_for(pilot, lambda: app.screen.query_one(PatientTable).row_count > 0)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_patient(snap_compare, seeded, make_app):
    from mhf_tui.ui.screens import navigation

    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        navigation.open_patient(app, first_patient(app))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_quick_note(snap_compare, seeded, make_app):
    from textual.widgets import TextArea

    from mhf_tui.ui.screens import navigation

    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        navigation.open_patient(app, first_patient(app))
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.press("n")
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", False))
        app.screen.query_one(TextArea).cursor_blink = False
        await pilot.press(*"Seen today, [bold] stays literal.")
        status = app.screen.query_one("#note-status")
        await wait_for(pilot, lambda: "Draft saved" in str(status.render()))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_caseload_and_patient_at_120x40(snap_compare, seeded, make_app):
    """Wider terminals get wider lists, not a different layout."""
    from mhf_tui.ui.screens import navigation

    app = make_app(seeded.home)

    async def run_before(pilot):
        await unlock(pilot)
        await pilot.press("slash")
        await pilot.press("c", "8")
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "record", None) is not None)
        await pilot.pause()
        assert navigation.current_patient(app) is not None

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
