"""The Sync screen, driven by keys: status per practice, export with progress, load an ack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import DataTable, Static

from mhf_tui.config import Settings
from mhf_tui.paths import DataDir
from mhf_tui.sync.device import load_device
from tests.functional.conftest import type_text, unlock, wait_for
from tests.unit.sync.conftest import ODS, PASS, World
from tests.unit.sync.helpers import do_import


def _status(app) -> str:
    return str(app.screen.query_one("#sync-status", Static).render())


async def test_export_and_load_ack_from_the_sync_screen(world: World, tmp_path: Path):
    from mhf_tui.ui.app import create_app
    from mhf_tui.ui.screens.sync import SyncScreen

    with world.caseload.session() as s:
        fingerprint = load_device(s).fingerprint
    world.caseload.close()
    app = create_app(DataDir(world.home), settings=Settings(), today=lambda: date(2026, 3, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, PASS)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        shown = str(screen.query_one("#sync-fingerprint", Static).render())
        assert fingerprint in shown  # what the practice enrols
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == ODS and row[2] == "yes" and row[3] != "0" and row[4] == "never"
        assert table.virtual_size.width <= 80  # fits the 80-column terminal, no side scroll

        await pilot.press("e")
        await wait_for(pilot, lambda: "Wrote" in _status(app))
        sync_file = world.home / "exports" / f"{ODS}-1.mhfsync"
        assert sync_file.is_file()
        await wait_for(pilot, lambda: str(table.get_row_at(0)[4]).startswith("#1 "))

        summary = do_import(world, sync_file, tmp_path / "store")
        await pilot.press("a")
        await type_text(pilot, summary.ack_path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "acknowledgement recorded" in _status(app))
        await wait_for(pilot, lambda: str(table.get_row_at(0)[5]).startswith("#1 "))
        assert str(table.get_row_at(0)[3]) == "0"

        await pilot.press("e")
        await wait_for(pilot, lambda: "nothing new" in _status(app))

        await pilot.press("down", "e")
        await wait_for(pilot, lambda: "no sync key" in _status(app))


async def test_sync_screen_with_no_practices_says_how_to_add_one(tmp_path: Path):
    """A new caseload has no practices: the screen explains, rather than failing."""
    from mhf_tui.services.setup import initialise_caseload
    from mhf_tui.ui.app import create_app
    from mhf_tui.ui.screens.sync import SyncScreen

    home = DataDir(tmp_path / "home")
    caseload, _recovery = initialise_caseload(home, PASS, facilitator="New Facilitator")
    caseload.close()
    app = create_app(home, settings=Settings(), today=lambda: date(2026, 3, 2))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot, PASS)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
        await wait_for(pilot, lambda: "No practices yet" in _status(app))
        assert app.screen.query_one(DataTable).row_count == 0
