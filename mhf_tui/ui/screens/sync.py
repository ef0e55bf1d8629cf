"""Sync: this device's fingerprint (which each practice enrols before it accepts a file),
per-practice status (last export, last ack, items waiting), writing a practice's sync file
with a progress bar, and loading the ack a practice sends back.

Export and ack loading run in thread workers (`db_call`); the exporter reports progress
from its thread through `call_from_thread`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, ProgressBar, Static

from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.dialogs import TextPrompt
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.sync.ack import AckResult
    from mhf_tui.sync.export import ExportResult
    from mhf_tui.sync.status import PracticeSyncStatus
    from mhf_tui.ui.app import MhfApp
    from mhf_tui.ui.messages import ServiceFailed


def _status(session: Session) -> tuple[str, list[PracticeSyncStatus]]:
    from mhf_tui.sync.device import load_device
    from mhf_tui.sync.status import sync_status

    return load_device(session).fingerprint, sync_status(session)


def _when(value: datetime | None) -> str:
    if not value:
        return "never"
    if value.tzinfo is None:  # read back from SQLite: UTC
        value = value.replace(tzinfo=UTC)
    return f"{value.astimezone():%d %b %H:%M}"


def _status_cells(r: PracticeSyncStatus) -> tuple[Text, ...]:
    export = _when(r.last_export_at)
    if r.last_export_number:
        export = f"#{r.last_export_number} {export}"
    ack = _when(r.last_ack_at)
    if r.last_acked_number:
        ack = f"#{r.last_acked_number} {ack}"
    return (
        Text(r.ods_code),
        literal(r.name),
        Text("yes" if r.has_recipient else "NO", style="" if r.has_recipient else "bold"),
        Text(str(r.waiting)),
        Text(export),
        Text(ack),
    )


class SyncScreen(MhfScreen):
    CATEGORY = "Sync"
    HELP_TITLE = "Sync"
    BINDINGS = [
        Binding(
            "e", "export", "Export", id="sync_export",
            tooltip="write the sync file for the highlighted practice",
        ),
        Binding("a", "load_ack", "Load ack", id="sync_ack", tooltip="record a practice's ack file"),
        Binding("r", "reload", "Refresh", id="sync_refresh", tooltip="reload the sync status"),
        Binding("k", "set_key", "Key", id="sync_practice_key",
                tooltip="set practice key: the highlighted practice's age recipient"),
    ]  # fmt: skip
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="sync")
        self.rows: list[PracticeSyncStatus] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static("Sync with practices", classes="screen-title")
        yield Static("", id="sync-fingerprint")
        yield row_table(
            "sync-table",
            (
                ("ODS", 6),
                ("Practice", 16),
                ("Key", 3),
                ("Wait", 5),
                ("Last export", 16),
                ("Last ack", 16),
            ),
        )
        yield ProgressBar(id="sync-progress", total=100, show_eta=False)
        yield Static("", id="sync-status")
        yield Static(
            "e export the highlighted practice · a load an ack file · files go to exports/",
            classes="hint",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.query_one(ProgressBar).display = False
        self.action_reload()

    def action_set_key(self) -> None:
        from mhf_tui.ui.screens.practice_key import PracticeKeyScreen

        practice = self._selected()
        if practice is not None:
            self.app.push_screen(
                PracticeKeyScreen(practice.ods_code, practice.name),
                lambda saved: self.action_reload() if saved else None,
            )

    def action_reload(self) -> None:
        self.db_call("load the sync status", _status, self.show)

    def show(self, loaded: tuple[str, list[PracticeSyncStatus]]) -> None:
        fingerprint, rows = loaded
        self.query_one("#sync-fingerprint", Static).update(
            Text(f"Device fingerprint (for the practice): {fingerprint}")
        )
        self.rows = rows
        table = self.query_one(DataTable)
        # stay on the practice row, or the last one if the list got shorter
        refill(table, map(_status_cells, rows), cursor=min(table.cursor_row, len(rows) - 1))
        if not rows and not str(self.query_one("#sync-status", Static).content).strip():
            self._say("No practices yet: add one with `mhf practice add`.")

    def _say(self, message: str) -> None:
        self.query_one("#sync-status", Static).update(Text(message))

    def _selected(self) -> PracticeSyncStatus | None:
        return cursor_item(self.query_one(DataTable), self.rows)

    def action_export(self) -> None:
        practice = self._selected()
        caseload = self.app.caseload
        if practice is None or caseload is None or self.busy:
            return
        if not practice.has_recipient:
            self._say(
                f"{practice.ods_code} has no sync key yet: the practice runs "
                f"`mhf inbox init`, then `mhf sync recipient {practice.ods_code} age1...`."
            )
            return
        from mhf_tui.sync.export import export_practice

        self.busy = True
        bar = self.query_one(ProgressBar)
        bar.update(progress=0)
        bar.display = True
        self._say(f"Exporting {practice.ods_code}...")
        ods, out_dir, actor = practice.ods_code, caseload.data.exports, caseload.actor

        def progress(fraction: float, _what: str) -> None:
            self.app.call_from_thread(bar.update, progress=round(fraction * 100))

        def run(session: Session) -> ExportResult:
            return export_practice(
                session, ods=ods, out_dir=out_dir, actor=actor, progress=progress
            )

        self.db_call("export the sync file", run, self.exported)

    def exported(self, result: ExportResult) -> None:
        self.busy = False
        self.query_one(ProgressBar).display = False
        if result.path is None:
            self._say(
                f"{result.practice_ods}: nothing new since the last acknowledged export; "
                "no file written."
            )
        else:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
            self._say(f"Wrote {result.path} ({counts}; withheld: {result.withheld_objection})")
        self.action_reload()

    def on_service_failed(self, message: ServiceFailed) -> None:
        """A failed export frees the screen; the app shows the message."""
        self.busy = False
        self.query_one(ProgressBar).display = False

    def action_load_ack(self) -> None:
        if self.app.caseload is None:
            return
        self.app.push_screen(
            TextPrompt("Load ack", "Path of the .mhfack file the practice sent back:"),
            self._load_ack,
        )

    def _load_ack(self, path_text: str | None) -> None:
        caseload = self.app.caseload
        if not path_text or caseload is None:
            return
        from mhf_tui.sync.ack import apply_ack, read_ack

        path, actor = Path(path_text.strip()).expanduser(), caseload.actor

        def run(session: Session) -> AckResult:
            return apply_ack(session, ack=read_ack(path), actor=actor)

        self.db_call("load the ack", run, self.acked)

    def acked(self, result: AckResult) -> None:
        state = "was already recorded" if result.already else "recorded"
        self._say(
            f"{result.practice_ods}-{result.number}: acknowledgement {state}; the next export "
            "carries only what changed after it."
        )
        self.action_reload()

    def rebuild(self) -> SyncScreen:
        return SyncScreen()
