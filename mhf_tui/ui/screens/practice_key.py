"""Register a practice's age recipient (its public key, `age1…`, from `mhf inbox init` at
the practice) from the Sync screen (`k`, palette "Sync: set practice key"), so the app need
not be closed for `mhf sync recipient`. Saved by the same service as the CLI (checked as an
age recipient, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from mhf_tui.ui.forms import FormModal, save_key
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session


class PracticeKeyScreen(FormModal):
    CATEGORY = "Sync"
    HELP_TITLE = "Practice key"
    BINDINGS = [*MhfModal.BINDINGS, save_key("practice_key_save", "save the key")]
    STATUS_ID = "practice-key-status"

    def __init__(self, ods: str, name: str) -> None:
        super().__init__(id="practice-key")
        self.ods = ods
        self.practice_name = name

    def dialog_title(self) -> Text:
        return Text("Practice key · ") + literal(f"{self.ods} {self.practice_name}")

    def fields(self) -> ComposeResult:
        yield Static("Paste the practice's age public key (age1…), then enter.")
        yield Input(id="practice-key-input", placeholder="age1…")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        recipient = self.query_one(Input).value.strip()
        actor, ods = self.actor, self.ods

        def write(session: Session) -> None:
            from mhf_tui.sync.status import set_recipient

            set_recipient(session, ods=ods, recipient=recipient, actor=actor)

        self.db_call("set the practice key", write, self.saved)

    def saved_notice(self) -> str:
        return f"{self.ods}: sync files will be encrypted to this key."
