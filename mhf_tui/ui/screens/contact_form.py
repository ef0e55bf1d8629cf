"""Record a contact (`c` on the Contacts tab, palette "Contact: record"): mode, when
(default now, or `yesterday 14:30`), minutes, location, reason, outcome, follow-up, and an
optional note saved with it in the same unit of work. Every refused field is marked at once
and the first is focused; nothing is written until all pass."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, Static, TextArea

from mhf_tui.ui.messages import DataChanged, ServiceFailed
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.widgets.contact_fields import ContactFields
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp


class ContactFormScreen(MhfModal[bool]):
    CATEGORY = "Contact"
    HELP_TITLE = "Record a contact"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("tab", "next field; when takes now, 14:30, yesterday 14:30, 30/11 9:00 or ISO"),
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="contact_save", priority=True,
                tooltip="save the contact (and its note)"),
        Binding("escape", "cancel", "Cancel", id="contact_cancel",
                tooltip="close without saving (asks first if anything was typed)"),
    ]  # fmt: skip
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID, title: str = "") -> None:
        super().__init__(id="contact-form")
        self.patient_id = patient_id
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="contact-dialog"):
            yield Static(
                Text("Record a contact · ") + literal(self.title_text), classes="dialog-title"
            )
            yield ContactFields()
            yield Label("Note (optional)", id="contact-note-label")
            yield TextArea(id="contact-note", soft_wrap=True, tab_behavior="focus")
            yield Static("ctrl+s save · escape cancel", id="contact-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#cf-mode").focus()

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#contact-status", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    def action_save(self) -> None:
        from mhf_tui.services.contacts import contact_from_form
        from mhf_tui.services.validation import FieldErrors

        fields = self.query_one(ContactFields)
        try:
            data = contact_from_form(fields.values(), now=datetime.now().astimezone())
        except FieldErrors as exc:
            fields.mark(exc.errors)
            self.set_status("; ".join(exc.errors.values()), error=True)
            return
        fields.mark({})
        note = self.query_one("#contact-note", TextArea).text
        actor = self.app.caseload.actor if self.app.caseload else ""
        pid = self.patient_id

        def write(session: Session) -> None:
            from mhf_tui.services.contacts import add_contact

            add_contact(session, actor=actor, patient_id=pid, data=data, note_text=note)

        self.set_status("Saving…")
        self.db_call("record the contact", write, self.saved)

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        self.set_status(message.message, error=True)

    def saved(self, _: None) -> None:
        self.app.post_message(DataChanged(self.patient_id))
        self.notify("Contact recorded.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        from mhf_tui.ui.widgets.dialogs import confirm_discard

        typed = not self.query_one(ContactFields).is_blank() or bool(
            self.query_one("#contact-note", TextArea).text.strip()
        )
        confirm_discard(self, typed)
