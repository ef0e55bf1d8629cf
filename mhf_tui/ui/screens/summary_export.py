"""Export a patient's summary (subject access) from the record: an output path and a file
passphrase typed twice, written age-encrypted in a thread worker.

The UI offers no plaintext option: the summary is special category data leaving the vault,
and a readable copy is a deliberate act done with the CLI's `--plaintext`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from mhf_tui.ui.messages import ServiceFailed
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.screens.lock import new_passphrase
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.summary_render import ExportResult
    from mhf_tui.ui.app import MhfApp


def default_summary_path(exports: Path, patient_id: uuid.UUID) -> Path:
    """`<exports>/summary-<short id>.html.age`, numbered if that file is already there
    (the service never overwrites)."""
    short = str(patient_id)[:8]
    path = exports / f"summary-{short}.html.age"
    n = 2
    while path.exists():
        path = exports / f"summary-{short}-{n}.html.age"
        n += 1
    return path


class SummaryExportScreen(MhfModal[Path]):
    """Dismisses with the written file's path, or None if cancelled."""

    CATEGORY = "Summary"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="summary_cancel"),
        Binding(
            "ctrl+s", "export", "Export", id="summary_write", tooltip="write the encrypted summary"
        ),
    ]
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID, patient_name: str) -> None:
        super().__init__(id="summary-export")
        self.patient_id = patient_id
        self.patient_name = patient_name
        self.writing = False

    def compose(self) -> ComposeResult:
        default = default_summary_path(self.app.data.exports, self.patient_id)
        with Vertical(classes="dialog"):
            title = Text("Export summary (subject access) for ")
            title.append_text(literal(self.patient_name))
            yield Static(title, classes="dialog-title")
            yield Static(
                Text(
                    "Everything held about this patient, as an HTML file encrypted with age "
                    "to a passphrase (open with `age -d`). Give the passphrase separately."
                )
            )
            yield Static(Text("Save to"))
            yield Input(str(default), id="summary-path")
            yield Static(Text("File passphrase (at least 10 characters)"))
            yield Input(password=True, id="summary-passphrase")
            yield Static(Text("Repeat it"))
            yield Input(password=True, id="summary-passphrase-again")
            yield Static("", id="summary-status", classes="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#summary-passphrase", Input).focus()

    @on(Input.Submitted, "#summary-path, #summary-passphrase")
    def next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#summary-passphrase-again")
    def again_entered(self) -> None:
        self.action_export()

    def _status(self, message: str) -> None:
        self.query_one("#summary-status", Static).update(Text(message))

    def action_export(self) -> None:
        if self.writing:
            return
        raw_path = self.query_one("#summary-path", Input).value.strip()
        if not raw_path:
            self._status("Give a file to save to.")
            self.query_one("#summary-path", Input).focus()
            return
        passphrase = new_passphrase(
            self.query_one("#summary-passphrase", Input),
            self.query_one("#summary-passphrase-again", Input),
            self._status,
        )
        if passphrase is None:
            return
        caseload = self.app.caseload
        if caseload is None:
            return
        out = Path(raw_path).expanduser()
        exports = self.app.data.exports
        actor, pid = caseload.actor, self.patient_id

        def write(session: Session) -> ExportResult:
            from mhf_tui.services.summary_render import export_summary

            if out.parent == exports:
                exports.mkdir(mode=0o700, parents=True, exist_ok=True)
            return export_summary(
                session, patient_id=pid, actor=actor, out=out, passphrase=passphrase
            )

        self.writing = True
        self._status("Writing the summary…")
        self.db_call("export the summary", write, self._written)

    def _written(self, result: ExportResult) -> None:
        self.writing = False
        self.dismiss(result.path)

    def on_service_failed(self, message: ServiceFailed) -> None:
        """Keep the dialog open with the reason, so the path can be corrected."""
        message.stop()
        self.writing = False
        self._status(message.message)
