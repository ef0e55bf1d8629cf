"""The patient's Summary tab: who they are and what they agreed to; `e` edits the details,
`a` the alerts, `k` the consent, `s` the status (on hold, discharge, reopen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from mhf_tui.ui.widgets.safe import clean
from mhf_tui.ui.widgets.tables import day

if TYPE_CHECKING:
    from textual.screen import Screen

    from mhf_tui.services.patients import PatientRead
    from mhf_tui.ui.app import MhfApp

R = TypeVar("R")


def summary_text(p: PatientRead) -> Text:
    rows = [
        ("Born", day(p.date_of_birth)),
        ("Sex / gender", " / ".join(x for x in (p.sex, p.gender_identity) if x)),
        ("Pronouns", p.pronouns),
        ("Phone", " / ".join(x for x in (p.phone, p.phone_alt) if x)),
        ("Preferred contact", p.preferred_contact),
        ("Address", " ".join(x for x in (p.address, p.postcode) if x)),
        ("Usual GP", p.usual_gp),
        ("Interpreter", p.interpreter_needs),
        ("Accessibility", p.accessibility_needs),
        ("Status", p.status.replace("_", " ")),
        (
            "Sharing",
            "shared with the practice"
            if p.share_with_practice
            else f"objects ({p.share_objection_reason})",
        ),
        (
            "Carer contact",
            {True: "consents", False: "does not consent", None: "not recorded"}[
                p.carer_contact_consent
            ],
        ),
    ]
    text = Text()
    for label, value in rows:
        if value:
            text.append(f"{label:<18}", style="bold")
            text.append(clean(str(value)) + "\n")
    return text


class SummaryTab(Widget):
    CATEGORY = "Patient"
    DEFAULT_CSS = """
    SummaryTab { height: 1fr; }
    """
    BINDINGS = [
        Binding("e", "edit_details", "Edit", id="patient_edit_details",
                tooltip="edit details (name, date of birth, NHS number, phone, …)"),
        Binding("a", "alerts", "Alerts", show=False, id="patient_alerts",
                tooltip="edit the alerts (risk, safeguarding, lone worker, do not text)"),
        Binding("k", "consent", "Consent", show=False, id="patient_consent",
                tooltip="record consent: sharing with the practice, carer contact"),
        Binding("s", "status", "Status", show=False, id="patient_status",
                tooltip="change the status: on hold, active, discharge, reopen"),
    ]  # fmt: skip
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="summary-tab")
        self.patient: PatientRead | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="pane-scroll"):
            yield Static("", id="summary-text")
        yield Static("e edit details · a alerts · k consent · s status", classes="hint")

    def show(self, patient: PatientRead) -> None:
        self.patient = patient
        self.query_one("#summary-text", Static).update(summary_text(patient))

    def _edit(self, form: Callable[[PatientRead], Screen[R]]) -> None:
        """Open the form for `form` on the patient shown (none yet: nothing to edit)."""
        if self.patient is not None:
            self.app.push_screen(form(self.patient))

    def action_edit_details(self) -> None:
        from mhf_tui.ui.screens.patient_form import EditDetailsScreen

        self._edit(EditDetailsScreen)

    def action_alerts(self) -> None:
        from mhf_tui.ui.screens.patient_edit import AlertsScreen

        self._edit(AlertsScreen)

    def action_consent(self) -> None:
        from mhf_tui.ui.screens.patient_edit import ConsentScreen

        self._edit(ConsentScreen)

    def action_status(self) -> None:
        from mhf_tui.ui.screens.patient_edit import StatusScreen

        self._edit(StatusScreen)
