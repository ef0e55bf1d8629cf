"""The patient's Contacts tab: every contact, newest first; `c` records one (the contact
form), `d` marks the highlighted contact's follow-up done."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from mhf_tui.ui.widgets.record_tab import RecordTab
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table, spare_width

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.contacts import ContactRead

#: "done" must fit whole: a cut "d" read as an open follow-up
FOLLOW_UP_WIDTH = 16


def follow_up_label(on: date | None, done: bool) -> Text:
    if on is None:
        return Text("")
    if done:
        return Text(f"{on:%d %b %y} done", style="italic")
    return Text(f"{on:%d %b %y} open")


class ContactsTab(RecordTab):
    CATEGORY = "Contact"
    BINDINGS = [
        Binding("c", "record", "Contact", id="contact_record",
                tooltip="record a contact (mode, when, minutes, outcome, note)"),
        Binding("d", "follow_up_done", "Done", id="contact_follow_up_done",
                tooltip="mark the highlighted contact's follow-up done"),
    ]  # fmt: skip
    PANE = "contacts"

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(patient_id)
        self.contacts: list[ContactRead] = []
        self.patient_title = ""

    def compose(self) -> ComposeResult:
        yield row_table(
            "contacts-table",
            (
                ("When", 15),
                ("Mode", 16),
                ("Reason / outcome", 19 + spare_width(self.app.size)),
                ("Follow-up", FOLLOW_UP_WIDTH),
            ),
        )
        yield Static("c record a contact · d follow-up done", classes="hint")

    def show(self, contacts: list[ContactRead], patient_title: str) -> None:
        self.contacts = contacts
        self.patient_title = patient_title
        table = self.table
        refill(table, map(_contact_cells, contacts), cursor=table.cursor_row)

    def action_record(self) -> None:
        from mhf_tui.ui.screens.contact_form import ContactFormScreen

        self.app.push_screen(ContactFormScreen(self.patient_id, self.patient_title))

    def action_follow_up_done(self) -> None:
        contact = cursor_item(self.table, self.contacts)
        if contact is None:
            return
        if contact.follow_up_on is None or contact.follow_up_done:
            self.notify("No open follow-up on this contact.", severity="warning")
            return
        actor = self.actor

        def write(session: Session) -> None:
            from mhf_tui.services.followups import complete_contact_follow_up

            complete_contact_follow_up(session, actor=actor, contact_id=contact.id)

        self.db_call("mark the follow-up done", write, self.saved("Follow-up done."))


def _contact_cells(c: ContactRead) -> tuple[Text, ...]:
    about = c.reason or c.outcome
    mode = c.mode_label + (f" {c.duration_minutes}m" if c.duration_minutes else "")
    return (
        Text(f"{c.occurred_at.astimezone():%d %b %y %H:%M}"),
        Text(mode),
        literal(about.splitlines()[0] if about else ""),
        follow_up_label(c.follow_up_on, c.follow_up_done),
    )
