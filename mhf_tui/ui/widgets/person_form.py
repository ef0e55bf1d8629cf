"""The related-person form: a carer, next of kin, advocate or other, and the patient's
consent to contacting them and to sharing with them (with the date it was given).

Returns a validated `RelatedPersonCreate` in a `PersonEntry` (the People tab adds it, or
applies it as an edit).
`ctrl+s` saves; `esc` asks before discarding changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static

from mhf_tui.errors import MhfError
from mhf_tui.ui.widgets.confirm import close_unless_changed
from mhf_tui.ui.widgets.safe import clean

if TYPE_CHECKING:
    from mhf_tui.services.related_people import RelatedPersonCreate, RelatedPersonPublic

TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", ""),
    ("relationship", "Relationship", "e.g. mother, partner, friend"),
    ("phone", "Phone", "UK number"),
    ("email", "Email", "optional"),
    ("organisation", "Organisation", "optional (advocacy service...)"),
)


@dataclass(frozen=True)
class PersonEntry:
    """What the form returns: the person as typed, validated."""

    person: RelatedPersonCreate


class PersonForm(ModalScreen[PersonEntry | None]):
    DEFAULT_CSS = """
    PersonForm #person-dialog { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; }
    PersonForm #person-body { height: auto; max-height: 17; }
    PersonForm .person-row { height: 1; }
    PersonForm #person-body > .person-row:first-of-type, PersonForm #consent-row { margin-top: 1; }
    PersonForm .person-label { width: 16; }
    PersonForm .person-row Input, PersonForm .person-row Select { width: 1fr; }
    PersonForm Checkbox { margin: 0 0 0 16; }
    PersonForm #person-consent-contact { margin: 1 0 0 16; }
    PersonForm #person-status { height: auto; max-height: 2; color: $text-error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="person_save", tooltip="save this person"),
        Binding("escape", "cancel", "Cancel", id="person_cancel"),
    ]

    def __init__(self, person: RelatedPersonPublic | None, *, today: date) -> None:
        super().__init__(id="person-form")
        self.person = person
        self.today = today
        self.initial: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        from mhf_tui.services.related_people import ROLE_LABELS

        p = self.person
        title = "Edit person" if p else "Add a carer, next of kin, advocate..."
        with Vertical(id="person-dialog"):
            yield Static(Text(title), classes="dialog-title")
            with VerticalScroll(id="person-body"):
                with Horizontal(classes="person-row"):
                    yield Label("Role", classes="person-label")
                    yield Select(
                        [(label, role) for role, label in ROLE_LABELS.items()],
                        value=p.role if p else "carer",
                        allow_blank=False,
                        id="person-role",
                        compact=True,
                    )
                for name, label, placeholder in TEXT_FIELDS:
                    with Horizontal(classes="person-row"):
                        yield Label(label, classes="person-label")
                        value = clean(str(getattr(p, name))) if p else ""
                        yield Input(
                            value, placeholder=placeholder, id=f"person-{name}", compact=True
                        )
                yield Checkbox(
                    "Patient consents to us contacting them",
                    bool(p and p.consent_to_contact),
                    id="person-consent-contact",
                    compact=True,
                )
                yield Checkbox(
                    "Patient consents to sharing information with them",
                    bool(p and p.consent_to_share),
                    id="person-consent-share",
                    compact=True,
                )
                with Horizontal(classes="person-row", id="consent-row"):
                    yield Label("Consent given", classes="person-label")
                    yield Input(
                        (p.consent_on if p and p.consent_on else self.today).isoformat(),
                        placeholder="YYYY-MM-DD",
                        id="person-consent-on",
                        compact=True,
                    )
            yield Static("", id="person-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.initial = self.collect()
        self.query_one("#person-name", Input).focus()

    @on(Checkbox.Changed)
    def consent_changed(self) -> None:
        """A consent given or withdrawn now is dated today, unless a date was typed."""
        when = self.query_one("#person-consent-on", Input)
        if when.value == self.initial.get("consent_on"):
            when.value = self.today.isoformat()

    def collect(self) -> dict[str, object]:
        values: dict[str, object] = {
            name: self.query_one(f"#person-{name}", Input).value for name, _l, _p in TEXT_FIELDS
        }
        values["role"] = self.query_one("#person-role", Select).value
        values["consent_to_contact"] = self.query_one("#person-consent-contact", Checkbox).value
        values["consent_to_share"] = self.query_one("#person-consent-share", Checkbox).value
        values["consent_on"] = self.query_one("#person-consent-on", Input).value
        return values

    def action_save(self) -> None:
        from mhf_tui.services import related_people
        from mhf_tui.services.fields import parse_model

        try:
            person = parse_model(related_people.RelatedPersonCreate, self.collect())
        except MhfError as exc:
            self.query_one("#person-status", Static).update(Text("Not saved: " + str(exc)))
            return
        self.dismiss(PersonEntry(person))

    def action_cancel(self) -> None:
        close_unless_changed(self, changed=self.collect() != self.initial, what="form")
