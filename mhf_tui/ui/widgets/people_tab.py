"""The patient's People tab: carers, next of kin, advocates and others, with the patient's
consent to contact and to sharing. `a` adds, `e` edits the highlighted person, `x` removes
them (after a yes/no)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from mhf_tui.ui.widgets.person_form import PersonEntry, PersonForm
from mhf_tui.ui.widgets.record_tab import LoadingTab
from mhf_tui.ui.widgets.safe import literal
from mhf_tui.ui.widgets.tables import cursor_item, refill, row_table

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.related_people import RelatedPersonPublic


class PeopleTab(LoadingTab[list["RelatedPersonPublic"]]):
    DEFAULT_CSS = "PeopleTab #people-table { height: 1fr; }"
    BINDINGS = [
        Binding("a", "add", "Add", id="person_add",
                tooltip="add a carer, next of kin, advocate or other"),
        Binding("e", "edit", "Edit", id="person_edit", tooltip="edit the highlighted person"),
        Binding("x", "remove", "Remove", id="person_remove",
                tooltip="remove the highlighted person"),
    ]  # fmt: skip
    PALETTE: ClassVar[tuple[tuple[str, str], ...]] = (("Person: add", "add"),)
    PANE = "people"
    LOADING = "load the people"

    def compose(self) -> ComposeResult:
        yield row_table(
            "people-table",
            (
                ("Name", 18),
                ("Role", 11),
                ("Relationship", 13),
                ("Phone", 13),
                ("Contact", 7),
                ("Share", 5),
            ),
        )
        yield Static("a add · e edit · x remove", classes="hint")

    def loader(self) -> Callable[[Session], list[RelatedPersonPublic]]:
        pid = self.patient_id

        def load(session: Session) -> list[RelatedPersonPublic]:
            from mhf_tui.services.related_people import list_related_people

            return list_related_people(session, patient_id=pid)

        return load

    def show(self, people: list[RelatedPersonPublic]) -> None:
        table = self.table
        rows = [
            (
                literal(p.name),
                Text(p.role_label),
                literal(p.relationship or p.organisation),
                literal(p.phone),
                Text("yes" if p.consent_to_contact else "no"),
                Text("yes" if p.consent_to_share else "no"),
            )
            for p in people
        ]
        refill(table, rows, cursor=table.cursor_row)

    def selected(self) -> RelatedPersonPublic | None:
        person = cursor_item(self.table, self.data or [])
        if person is None:
            self.app.notify("No one to choose: press a to add a person.", severity="warning")
        return person

    def action_add(self) -> None:
        pid = self.patient_id

        def write(session: Session, actor: str, entry: PersonEntry) -> None:
            from mhf_tui.services.related_people import add_related_person

            add_related_person(session, actor=actor, patient_id=pid, data=entry.person)

        entered = self.write_answer("add the person", "Person added.", write)
        self.when_editable(
            "add a person",
            lambda: self.app.push_screen(PersonForm(None, today=self.app.today()), entered),
        )

    def action_edit(self) -> None:
        current = self.selected()
        if current is None:
            return

        def write(session: Session, actor: str, entry: PersonEntry) -> None:
            from mhf_tui.services.fields import parse_model
            from mhf_tui.services.related_people import RelatedPersonUpdate, edit_related_person

            typed = entry.person.model_dump()
            changes = {k: v for k, v in typed.items() if v != getattr(current, k, None)}
            update = parse_model(RelatedPersonUpdate, changes)
            edit_related_person(session, actor=actor, person_id=current.id, update=update)

        self.app.push_screen(
            PersonForm(current, today=self.app.today()),
            self.write_answer("save the person", "Person updated.", write),
        )

    def action_remove(self) -> None:
        from mhf_tui.ui.widgets.confirm import confirm_remove

        current = self.selected()
        if current is None:
            return

        def write(session: Session, actor: str, _remove: bool) -> None:
            from mhf_tui.services.related_people import remove_related_person

            remove_related_person(session, actor=actor, person_id=current.id)

        self.app.push_screen(
            confirm_remove(current.name),
            self.write_answer("remove the person", "Person removed.", write),
        )
