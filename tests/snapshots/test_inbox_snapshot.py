"""The practice inbox screen at 80x24 after importing a file: the risk-flagged patient first,
the letter's text beside the list, the devices below (update with `--snapshot-update`)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from mhf_tui.ui.inbox_app import InboxApp, InboxScreen
from tests.functional.conftest import wait_for
from tests.unit.sync.conftest import STORE_PASS
from tests.unit.sync.inbox_world import build_small_inbox


def test_inbox_after_import(snap_compare, tmp_path: Path):
    inbox = build_small_inbox(tmp_path)
    app = InboxApp(inbox.store, inbox.letters)

    async def run_before(pilot):
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#passphrase")))
        app.screen.query_one("#passphrase", Input).value = STORE_PASS
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        app.screen.query_one("#import-path", Input).value = str(inbox.waiting)
        app.screen.query_one("#import-path", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        table = app.screen.query_one("#patients", DataTable)
        await wait_for(
            pilot, lambda: table.row_count == 2 and "RISK" in str(table.get_row_at(0)[0])
        )
        preview = app.screen.query_one("#preview", Static)
        await wait_for(pilot, lambda: "PHQ-9 item 9" in str(preview.render()))
        status = app.screen.query_one("#inbox-status", Static)
        await wait_for(pilot, lambda: "Imported" in str(status.render()))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
