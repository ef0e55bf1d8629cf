"""A malformed review template in the data dir's templates/ folder is named in a
notification after unlock, and the app still opens."""

from __future__ import annotations

from tests.functional.conftest import unlock, wait_for


async def test_malformed_user_template_is_named_after_unlock(seeded, make_app) -> None:
    from mhf_tui.ui.screens.dashboard import DashboardScreen

    seeded.home.templates.mkdir(exist_ok=True)
    (seeded.home.templates / "broken_check.toml").write_text(
        'id = "broken_check"\ntitle = = "no value"\n', encoding="utf-8"
    )
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await wait_for(
            pilot, lambda: any("broken_check.toml" in n.message for n in app._notifications)
        )
        (note,) = [n for n in app._notifications if "broken_check.toml" in n.message]
        assert note.title == "Could not load the review templates"
        assert note.severity == "error"
        assert "fixed or removed" in note.message
        assert isinstance(app.screen, DashboardScreen)
        assert app.caseload is not None


async def test_valid_templates_raise_no_notification(seeded, make_app) -> None:
    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: not any(w.group == "templates" for w in app.workers))
        await pilot.pause()
        assert not any("template" in n.message for n in app._notifications)
