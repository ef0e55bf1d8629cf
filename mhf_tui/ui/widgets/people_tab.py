"""The patient's People tab: carers, next of kin, advocates and others, with the patient's
consent to contact and to sharing. `a` adds, `e` edits the highlighted person, `x` removes
them (after a yes/no)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from mhf_tui.ui.messages import DataChanged
from mhf_tui.ui.screens.base import ServiceCalls
from mhf_tui.ui.widgets.person_form import PersonEntry, PersonForm
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.related_people import RelatedPersonPublic
    from mhf_tui.ui.app import MhfApp


class PeopleTab(ServiceCalls, Widget):
    DEFAULT_CSS = """
    PeopleTab { height: 1fr; }
    PeopleTab #people-table { height: 1fr; }
    PeopleTab .hint { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "add", "Add", id="person_add",
                tooltip="add a carer, next of kin, advocate or other"),
        Binding("e", "edit", "Edit", id="person_edit", tooltip="edit the highlighted person"),
        Binding("x", "remove", "Remove", id="person_remove",
                tooltip="remove the highlighted person"),
    ]  # fmt: skip
    PALETTE: ClassVar[tuple[tuple[str, str], ...]] = (("Person: add", "add"),)
    PANE = "people"
    app: MhfApp

    def __init__(self, patient_id: uuid.UUID) -> None:
        super().__init__(id="people-tab")
        self.patient_id = patient_id
        self.people: list[RelatedPersonPublic] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="people-table", cursor_type="row", zebra_stripes=True)
        yield Static("a add · e edit · x remove", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#people-table", DataTable)
        table.add_column("Name", width=18)
        table.add_column("Role", width=11)
        table.add_column("Relationship", width=13)
        table.add_column("Phone", width=13)
        table.add_column("Contact", width=7)
        table.add_column("Share", width=5)
        self.reload()

    def reload(self) -> None:
        """Called by the Patient screen after something changed."""
        pid = self.patient_id

        def load(session: Session) -> list[RelatedPersonPublic]:
            from mhf_tui.services.related_people import list_related_people

            return list_related_people(session, patient_id=pid)

        self.db_call("load the people", load, self.show)

    def show(self, people: list[RelatedPersonPublic]) -> None:
        self.people = people
        table = self.query_one("#people-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for p in people:
            table.add_row(
                literal(p.name),
                Text(p.role_label),
                literal(p.relationship or p.organisation),
                literal(p.phone),
                Text("yes" if p.consent_to_contact else "no"),
                Text("yes" if p.consent_to_share else "no"),
            )
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def selected(self) -> RelatedPersonPublic | None:
        row = self.query_one("#people-table", DataTable).cursor_row
        if not 0 <= row < len(self.people):
            self.app.notify("No one to choose: press a to add a person.", severity="warning")
            return None
        return self.people[row]

    def _actor(self) -> str:
        return self.app.caseload.actor if self.app.caseload else ""

    def _done(self, message: str) -> None:
        self.app.notify(message)
        self.app.post_message(DataChanged(self.patient_id))

    def action_add(self) -> None:
        actor, pid = self._actor(), self.patient_id

        def entered(entry: PersonEntry | None) -> None:
            if entry is None:
                return

            def write(session: Session) -> None:
                from mhf_tui.services.related_people import add_related_person

                add_related_person(session, actor=actor, patient_id=pid, data=entry.person)

            self.db_call("add the person", write, lambda _: self._done("Person added."))

        def editable(session: Session) -> None:
            from mhf_tui.services.retention import ensure_patient_editable

            ensure_patient_editable(session, patient_id=pid)

        def ask(_: object) -> None:
            self.app.push_screen(PersonForm(None, today=self.app.today()), entered)

        # refuse a closed record before the details are typed, not after
        self.db_call("add a person", editable, ask)

    def action_edit(self) -> None:
        current = self.selected()
        if current is None:
            return
        actor = self._actor()

        def entered(entry: PersonEntry | None) -> None:
            if entry is None:
                return
            typed = entry.person.model_dump()
            changes = {k: v for k, v in typed.items() if v != getattr(current, k, None)}

            def write(session: Session) -> None:
                from mhf_tui.services.fields import parse_model
                from mhf_tui.services.related_people import (
                    RelatedPersonUpdate,
                    edit_related_person,
                )

                update = parse_model(RelatedPersonUpdate, changes)
                edit_related_person(session, actor=actor, person_id=current.id, update=update)

            self.db_call("save the person", write, lambda _: self._done("Person updated."))

        self.app.push_screen(PersonForm(current, today=self.app.today()), entered)

    def action_remove(self) -> None:
        from mhf_tui.ui.widgets.confirm import confirm_remove

        current = self.selected()
        if current is None:
            return
        actor = self._actor()

        def answered(remove: bool | None) -> None:
            if not remove:
                return

            def write(session: Session) -> None:
                from mhf_tui.services.related_people import remove_related_person

                remove_related_person(session, actor=actor, person_id=current.id)

            self.db_call("remove the person", write, lambda _: self._done("Person removed."))

        self.app.push_screen(confirm_remove(current.name), answered)
