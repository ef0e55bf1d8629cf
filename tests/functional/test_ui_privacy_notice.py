"""The privacy notice is shown in Help, from the copy shipped in the package, which must be
the same text as docs/privacy-notice.md."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, TabbedContent

from tests.functional.conftest import unlock, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_packaged_privacy_notice_matches_the_docs() -> None:
    from mhf_tui.ui.screens.help import privacy_notice

    assert privacy_notice() == (ROOT / "docs" / "privacy-notice.md").read_text(encoding="utf-8")


def screen_text(app) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_help_shows_the_privacy_notice(seeded, make_app) -> None:
    from mhf_tui.ui.screens.help import HelpScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("p")
        await pilot.pause()
        help_screen = app.screen
        assert help_screen.query_one(TabbedContent).active == "help-privacy"
        notice = help_screen.query_one("#privacy-notice", Markdown)
        await wait_for(pilot, lambda: bool(notice.children))
        await pilot.pause()
        shown = screen_text(app)
        assert "Privacy notice: mhf" in shown
        assert "only on the facilitator's laptop" in shown
        await pilot.press("k")
        await pilot.pause()
        assert help_screen.query_one(TabbedContent).active == "help-keys"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
