"""The inbox screen, driven by keys: unlock, import a sync file by typing its path, see the
risk-flagged patient first with the letter text, write the letters, mark one filed."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import DataTable, Input, Static

from mhf_tui.db.tables.letters import LetterRecord
from mhf_tui.sync.practice_store import PracticeStore
from mhf_tui.ui.inbox_app import InboxApp, InboxScreen
from tests.functional.conftest import wait_for
from tests.unit.sync.conftest import STORE_PASS
from tests.unit.sync.inbox_world import RISKY_NHS, build_small_inbox


def _cells(table: DataTable, row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


def _text(app: InboxApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_import_see_risk_first_write_and_file(tmp_path: Path):
    inbox = build_small_inbox(tmp_path)
    app = InboxApp(inbox.store, inbox.letters)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: pilot.app.screen.query("#passphrase"))
        await pilot.press(*"wrong passphrase")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Wrong passphrase" in _text(app, "#gate-status"))
        app.screen.query_one("#passphrase", Input).value = STORE_PASS
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        table = app.screen.query_one("#patients", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        assert _cells(table, 0)[2] == "ABLE, Bob"  # nothing risky yet: by name
        assert "Devices: Sam's laptop" in _text(app, "#devices")

        await pilot.press("i")
        await pilot.pause()
        await pilot.press(*str(inbox.waiting))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Imported" in _text(app, "#inbox-status"))
        await wait_for(pilot, lambda: table.row_count == 2 and "RISK" in _cells(table, 0)[0])
        assert _cells(table, 0)[1:3] == [f"{RISKY_NHS[:3]} {RISKY_NHS[3:6]} {RISKY_NHS[6:]}",
                                         "RISKY, Ann"]  # fmt: skip
        preview = _text(app, "#preview")
        assert "PHQ-9 item 9" in preview and "answered 2" in preview and "2026-03-02" in preview

        await pilot.press("w")
        await wait_for(pilot, lambda: "2 letter(s) written" in _text(app, "#inbox-status"))
        assert len(list(inbox.letters.glob("*.pdf"))) == 2
        await wait_for(pilot, lambda: _cells(table, 0)[3] == "written")
        await pilot.press("m")
        await wait_for(pilot, lambda: "1 letter(s) marked filed" in _text(app, "#inbox-status"))
        await wait_for(pilot, lambda: table.row_count == 1)

    store = PracticeStore.open(inbox.store, STORE_PASS)
    try:
        with store.session() as s:
            filed = [r for r in s.exec(select(LetterRecord)) if r.filed_at is not None]
            assert [r.file_name.split("-")[0] for r in filed] == [RISKY_NHS]
    finally:
        store.close()
