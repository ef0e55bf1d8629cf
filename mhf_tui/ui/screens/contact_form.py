"""Record a contact (`c` on the Contacts tab, palette "Contact: record"): mode, when
(default now, or `yesterday 14:30`), minutes, location, reason, outcome, follow-up, and an
optional note saved with it in the same unit of work. Every refused field is marked at once
and the first is focused; nothing is written until all pass."""

from __future__ import annotations

import uuid
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label, TextArea

from mhf_tui.ui.forms import FormModal, save_key
from mhf_tui.ui.widgets.contact_fields import ContactFields
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session


class ContactFormScreen(FormModal):
    CATEGORY = "Contact"
    HELP_TITLE = "Record a contact"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("tab", "next field; when takes now, 14:30, yesterday 14:30, 30/11 9:00 or ISO"),
    )
    BINDINGS = [
        save_key("contact_save", "save the contact (and its note)", priority=True),
        Binding("escape", "cancel", "Cancel", id="contact_cancel",
                tooltip="close without saving (asks first if anything was typed)"),
    ]  # fmt: skip
    FRAME_ID = "contact-dialog"
    STATUS_ID = "contact-status"
    STATUS_TEXT = "ctrl+s save · escape cancel"

    def __init__(self, patient_id: uuid.UUID, title: str = "") -> None:
        super().__init__(id="contact-form")
        self.patient_id: uuid.UUID = patient_id
        self.title_text = title

    def dialog_title(self) -> Text:
        return Text("Record a contact · ") + literal(self.title_text)

    def fields(self) -> ComposeResult:
        yield ContactFields()
        yield Label("Note (optional)", id="contact-note-label")
        yield TextArea(id="contact-note", soft_wrap=True, tab_behavior="focus")

    def on_mount(self) -> None:
        self.query_one("#cf-mode").focus()

    def action_save(self) -> None:
        data = self.query_one(ContactFields).checked(partial(self.set_status, error=True))
        if data is None:
            return
        note = self.query_one("#contact-note", TextArea).text
        actor, pid = self.actor, self.patient_id

        def write(session: Session) -> None:
            from mhf_tui.services.contacts import add_contact

            add_contact(session, actor=actor, patient_id=pid, data=data, note_text=note)

        self.set_status("Saving…")
        self.db_call("record the contact", write, self.saved)

    def saved_notice(self) -> str:
        return "Contact recorded."

    def action_cancel(self) -> None:
        from mhf_tui.ui.widgets.dialogs import confirm_discard

        typed = not self.query_one(ContactFields).is_blank() or bool(
            self.query_one("#contact-note", TextArea).text.strip()
        )
        confirm_discard(self, typed)
