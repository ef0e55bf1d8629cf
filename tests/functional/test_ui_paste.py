"""Attack: pasting text that holds ESC into a note. Textual's parser used to type the part
after the ESC as keys and paste the part before it at the end, and the scrambled text was
saved. The bytes a terminal sends for the paste go through the app's input parser; the
note must read in the pasted order, with ESC shown (and stored) as ␛."""

from __future__ import annotations

import sys

import pytest
from textual import events
from textual.widgets import TextArea

from mhf_tui.ui.paste import PasteSafeParser
from tests.functional.conftest import type_text, unlock, wait_for

PASTED = "Phoned at 10. \x1b]0;pwned\x07Said \x1b[2Jfeeling better."
SHOWN = "Phoned at 10. ␛]0;pwned␇Said ␛[2Jfeeling better."
TERMINAL = f"\x1b[200~{PASTED}\x1b[201~"


def _parse(*chunks: str) -> list[events.Event]:
    parser = PasteSafeParser()
    out = [event for chunk in chunks for event in parser.feed(chunk)]
    return out + list(parser.feed(""))


def test_the_paste_arrives_whole_and_in_order():
    assert [(type(e), getattr(e, "text", None)) for e in _parse(TERMINAL)] == [
        (events.Paste, SHOWN)
    ]


@pytest.mark.parametrize("cut", range(1, len(TERMINAL)))
def test_a_read_boundary_anywhere_changes_nothing(cut):
    """The terminal's bytes may be split between two reads at any point."""
    pastes = [e.text for e in _parse(TERMINAL[:cut], TERMINAL[cut:]) if isinstance(e, events.Paste)]
    assert "".join(pastes) == SHOWN


def test_typing_around_a_paste_and_the_escape_key_still_work():
    got = _parse("ab" + TERMINAL + "c", "\x1b")
    keys = [e.key for e in got if isinstance(e, events.Key)]
    assert keys == ["a", "b", "c", "escape"]
    assert [e.text for e in got if isinstance(e, events.Paste)] == [SHOWN]


async def test_a_pasted_escape_is_stored_as_shown(seeded, make_app):
    from mhf_tui.services.notes import current_notes
    from mhf_tui.ui.screens.dashboard import DashboardScreen
    from mhf_tui.ui.screens.quick_note import QuickNoteScreen

    app = make_app(seeded.home)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("n")
        await type_text(pilot, "o'neil")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuickNoteScreen))
        note = app.screen
        await wait_for(pilot, lambda: note.loaded)
        area = note.query_one(TextArea)
        for event in _parse(TERMINAL):  # what the driver hands the app
            app.post_message(event)
        await wait_for(pilot, lambda: area.text == SHOWN)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        with app.caseload.session() as s:
            assert [n.text for n in current_notes(s, patient_id=seeded.bob)] == [SHOWN]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux terminal driver")
def test_the_app_reads_the_terminal_through_the_paste_safe_parser(tmp_path):
    from mhf_tui.paths import DataDir
    from mhf_tui.ui.app import MhfApp
    from mhf_tui.ui.paste import PasteSafeDriver

    assert MhfApp(DataDir(tmp_path)).driver_class is PasteSafeDriver
