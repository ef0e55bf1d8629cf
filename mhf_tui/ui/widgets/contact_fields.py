"""A contact's fields, as one block shared by the contact form and the quick note: mode,
when (default now; `yesterday 14:30`, `30/11 9:00` or ISO), minutes, location, reason,
outcome and a follow-up day. Parsing and checking live in `services.contacts`; this widget
only holds the typed text and marks the fields the service refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from mhf_tui.ui.forms import mark_refused

if TYPE_CHECKING:
    from mhf_tui.services.contacts import ContactCreate

#: (label, value) as Select wants them
MODES = (
    ("Face to face", "face_to_face"),
    ("Phone", "phone"),
    ("Video", "video"),
    ("Home visit", "home_visit"),
    ("Did not attend", "dna"),
    ("Cancelled", "cancelled"),
)
MODE_VALUES = frozenset(value for _, value in MODES)
#: text fields: (name, label, placeholder), in tab order after the mode
TEXT_FIELDS = (
    ("when", "When", "now · yesterday 14:30 · 30/11 9:00"),
    ("minutes", "Minutes", "e.g. 20"),
    ("location", "Location", "e.g. home, surgery"),
    ("reason", "Reason", "optional"),
    ("outcome", "Outcome", "optional"),
    ("follow_up", "Follow-up", "a day: 9/3, tomorrow or 2026-03-09"),
)


class ContactFields(Widget):
    DEFAULT_CSS = """
    ContactFields { height: auto; }
    ContactFields Horizontal { height: 1; margin-bottom: 0; }
    ContactFields Label { width: 10; color: $text; }
    ContactFields .cf-narrow-label { width: 9; margin-left: 1; }
    ContactFields #cf-mode { width: 22; }
    ContactFields #cf-minutes { width: 8; }
    ContactFields Input { width: 1fr; background: $boost; }
    ContactFields Input:focus { background: $surface-lighten-1; }
    """

    def compose(self) -> ComposeResult:
        inputs = {
            name: Input(id=f"cf-{name}", placeholder=placeholder, compact=True)
            for name, _label, placeholder in TEXT_FIELDS
        }
        with Horizontal():
            yield Label("Mode")
            yield Select(MODES, prompt="choose", id="cf-mode", compact=True)
            yield Label("When", classes="cf-narrow-label")
            yield inputs["when"]
        with Horizontal():
            yield Label("Minutes")
            yield inputs["minutes"]
            yield Label("Location", classes="cf-narrow-label")
            yield inputs["location"]
        for name in ("reason", "outcome", "follow_up"):
            with Horizontal():
                yield Label(dict((n, lab) for n, lab, _p in TEXT_FIELDS)[name])
                yield inputs[name]

    def values(self) -> dict[str, str]:
        mode = self.query_one("#cf-mode", Select).value
        out = {"mode": mode if isinstance(mode, str) else ""}
        for name, _label, _placeholder in TEXT_FIELDS:
            out[name] = self.query_one(f"#cf-{name}", Input).value
        return out

    def load(self, values: Mapping[str, object]) -> None:
        mode = values.get("mode")
        if mode in MODE_VALUES:
            self.query_one("#cf-mode", Select).value = str(mode)
        for name, _label, _placeholder in TEXT_FIELDS:
            if values.get(name):
                self.query_one(f"#cf-{name}", Input).value = str(values[name])

    def is_blank(self) -> bool:
        return not any(self.values().values())

    def mark(self, refused: Mapping[str, str]) -> None:
        """Mark the refused fields (clearing the others) and focus the first of them."""
        names = ("mode", *(n for n, _l, _p in TEXT_FIELDS))
        mark_refused(((name, self.query_one(f"#cf-{name}")) for name in names), refused)

    def checked(self, refused: Callable[[str], None]) -> ContactCreate | None:
        """The contact as typed, checked by the service; None once the refused fields are
        marked and `refused` has been told why."""
        from mhf_tui.errors import ValidationError
        from mhf_tui.services.contacts import contact_from_form
        from mhf_tui.services.validation import FieldErrors

        try:
            data = contact_from_form(self.values(), now=datetime.now().astimezone())
        except FieldErrors as exc:
            self.mark(exc.errors)
            refused("; ".join(exc.errors.values()))
            return None
        except ValidationError as exc:  # a rule of the contact itself: refused, not a crash
            self.mark({})
            refused(str(exc))
            return None
        self.mark({})
        return data
