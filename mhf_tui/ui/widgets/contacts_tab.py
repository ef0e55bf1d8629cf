"""The patient's Contacts tab: every contact, newest first; `c` records one (the contact
form), `d` marks the highlighted contact's follow-up done."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from mhf_tui.ui.messages import DataChanged
from mhf_tui.ui.screens.base import ServiceCalls
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

#: "done" must fit whole: a cut "d" read as an open follow-up
FOLLOW_UP_WIDTH = 16


def follow_up_label(on: date | None, done: bool) -> Text:
    if on is None:
        return Text("")
    if done:
        return Text(f"{on:%d %b %y} done", style="italic")
    return Text(f"{on:%d %b %y} open")


class ContactsTab(ServiceCalls, Widget):
    CATEGORY = "Contact"
    DEFAULT_CSS = """
    ContactsTab { height: 1fr; }
    ContactsTab .hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("c", "record", "Contact", id="contact_record",
                tooltip="record a contact (mode, when, minutes, outcome, note)"),
        Binding("d", "follow_up_done", "Done", id="contact_follow_up_done",
                tooltip="mark the highlighted contact's follow-up done"),
    ]  # fmt: skip
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(id="contacts-tab")
        self.patient_id = patient_id
        self.contacts: list[Any] = []
        self.patient_title = ""

    def compose(self) -> ComposeResult:
        yield DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
        yield Static("c record a contact · d follow-up done", classes="hint")

    def on_mount(self) -> None:
        extra = max(0, self.app.size.width - 80)
        table = self.query_one("#contacts-table", DataTable)
        table.add_column("When", width=15)
        table.add_column("Mode", width=16)
        table.add_column("Reason / outcome", width=19 + extra)
        table.add_column("Follow-up", width=FOLLOW_UP_WIDTH)

    def show(self, contacts: list[Any], patient_title: str) -> None:
        self.contacts = contacts
        self.patient_title = patient_title
        table = self.query_one("#contacts-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for c in contacts:
            about = c.reason or c.outcome
            mode = c.mode_label + (f" {c.duration_minutes}m" if c.duration_minutes else "")
            table.add_row(
                Text(f"{c.occurred_at.astimezone():%d %b %y %H:%M}"),
                Text(mode),
                literal(about.splitlines()[0] if about else ""),
                follow_up_label(c.follow_up_on, c.follow_up_done),
            )
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def action_record(self) -> None:
        from mhf_tui.ui.screens.contact_form import ContactFormScreen

        self.app.push_screen(ContactFormScreen(self.patient_id, self.patient_title))

    def action_follow_up_done(self) -> None:
        table = self.query_one("#contacts-table", DataTable)
        if not 0 <= table.cursor_row < len(self.contacts):
            return
        contact = self.contacts[table.cursor_row]
        if contact.follow_up_on is None or contact.follow_up_done:
            self.notify("No open follow-up on this contact.", severity="warning")
            return
        actor = self.app.caseload.actor if self.app.caseload else ""
        pid = self.patient_id

        def write(session: Session) -> None:
            from mhf_tui.services.followups import complete_contact_follow_up

            complete_contact_follow_up(session, actor=actor, contact_id=contact.id)

        def done(_: None) -> None:
            self.notify("Follow-up done.")
            self.app.post_message(DataChanged(pid))

        self.db_call("mark the follow-up done", write, done)
