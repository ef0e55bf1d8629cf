"""Sync: each practice with its last export and acknowledgement.

A placeholder list until the sync feature adds its actions (export, load ack) here; this
module is theirs to extend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp


def _practices(session: Session) -> list[Any]:
    from mhf_tui.services.practices import list_practices

    return list_practices(session)


def _when(value: Any) -> str:
    return f"{value.astimezone():%d %b %Y %H:%M}" if value else "never"


class SyncScreen(MhfScreen):
    CATEGORY = "Sync"
    HELP_TITLE = "Sync"
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="sync")

    def compose(self) -> ComposeResult:
        yield Static("Sync with practices", classes="screen-title")
        yield DataTable(id="sync-table", cursor_type="row", zebra_stripes=True)
        yield Static(
            "Export files per practice with `mhf sync export`; load acks with `mhf sync ack`.",
            classes="hint",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("ODS", width=6)
        table.add_column("Practice", width=24)
        table.add_column("Pts", width=5)
        table.add_column("Last export", width=17)
        table.add_column("Last ack", width=17)
        table.focus()
        self.db_call("load the practices", _practices, self.show)

    def show(self, practices: list[Any]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for p in practices:
            export = _when(p.last_export_at)
            if p.last_export_number:
                export = f"#{p.last_export_number} {export}"
            table.add_row(
                Text(p.ods_code),
                literal(p.name),
                Text(str(p.patient_count)),
                Text(export),
                Text(_when(p.last_ack_at)),
            )

    def rebuild(self) -> SyncScreen:
        return SyncScreen()
