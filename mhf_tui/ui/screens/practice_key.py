"""Register a practice's age recipient (its public key, `age1…`, from `mhf inbox init` at
the practice) from the Sync screen (`k`, palette "Sync: set practice key"), so the app need
not be closed for `mhf sync recipient`. Saved by the same service as the CLI (checked as an
age recipient, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static

from mhf_tui.ui.messages import ServiceFailed
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp


class PracticeKeyScreen(MhfModal[bool]):
    CATEGORY = "Sync"
    HELP_TITLE = "Practice key"
    BINDINGS = [
        *MhfModal.BINDINGS,
        Binding("ctrl+s", "save", "Save", id="practice_key_save", tooltip="save the key"),
    ]
    app: MhfApp

    def __init__(self, ods: str, name: str) -> None:
        super().__init__(id="practice-key")
        self.ods = ods
        self.practice_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text("Practice key · ") + literal(f"{self.ods} {self.practice_name}"),
                classes="dialog-title",
            )
            yield Static("Paste the practice's age public key (age1…), then enter.")
            yield Input(id="practice-key-input", placeholder="age1…")
            yield Static("", id="practice-key-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        recipient = self.query_one(Input).value.strip()
        actor = self.app.caseload.actor if self.app.caseload else ""
        ods = self.ods

        def write(session: Session) -> None:
            from mhf_tui.sync.status import set_recipient

            set_recipient(session, ods=ods, recipient=recipient, actor=actor)

        self.db_call("set the practice key", write, self.saved)

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        status = self.query_one("#practice-key-status", Static)
        status.update(Text(message.message))
        status.add_class("error")

    def saved(self, _: None) -> None:
        self.notify(f"{self.ods}: sync files will be encrypted to this key.")
        self.dismiss(True)
