"""Adding a patient. The services validate (NHS number check digit, ODS code, dates, possible
duplicates); their messages are shown in the form, next to what was typed, and nothing is
saved until they pass."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static

from mhf_tui.ui.messages import ServiceFailed
from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.ui.app import MhfApp

TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("family_name", "Family name", ""),
    ("given_name", "Given name", ""),
    ("date_of_birth", "Date of birth", "YYYY-MM-DD"),
    ("nhs_number", "NHS number", "10 digits (leave empty if not registered)"),
    ("care_cluster", "Care cluster", "e.g. 8 (optional)"),
    ("phone", "Phone", "optional"),
    ("alert_note", "Alert note", "optional, shown with the alerts"),
)
FLAGS: tuple[tuple[str, str], ...] = (
    ("smi_register", "SMI register"),
    ("alert_risk", "Alert: risk"),
    ("alert_safeguarding", "Alert: safeguarding"),
    ("alert_lone_worker", "Alert: lone worker"),
    ("alert_do_not_text", "Alert: do not text"),
)


class NewPatientScreen(MhfScreen):
    CATEGORY = "Caseload"
    HELP_TITLE = "New patient"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (("tab", "next field; space ticks a box"),)
    BINDINGS = [
        *MhfScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save", id="patient_save", tooltip="add the patient"),
    ]
    app: MhfApp

    def __init__(self) -> None:
        super().__init__(id="new-patient")
        self.allow_duplicate = False

    def compose(self) -> ComposeResult:
        yield Static("New patient", classes="screen-title")
        yield Static("", id="form-status")
        with VerticalScroll(id="settings-body"):
            for name, label, placeholder in TEXT_FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(id=f"f-{name}", placeholder=placeholder)
                if name == "nhs_number":
                    with Horizontal(classes="field-row"):
                        yield Label("Practice", classes="field-label")
                        yield Select([], prompt="Choose the practice", id="f-practice")
            for name, label in FLAGS:
                yield Checkbox(label, id=f"f-{name}")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-family_name", Input).focus()

        def practices(session: Session) -> list[Any]:
            from mhf_tui.services.practices import list_practices

            return list_practices(session)

        self.db_call("load the practices", practices, self.show_practices)

    def show_practices(self, practices: list[Any]) -> None:
        select = self.query_one("#f-practice", Select)
        select.set_options((literal(f"{p.ods_code} {p.name}"), p.ods_code) for p in practices)
        if len(practices) == 1:
            select.value = practices[0].ods_code

    def on_input_changed(self) -> None:
        self.allow_duplicate = False

    def set_status(self, text: str, *, error: bool) -> None:
        status = self.query_one("#form-status", Static)
        status.update(Text(text, style="bold red" if error else ""))

    def action_save(self) -> None:
        values = {
            name: self.query_one(f"#f-{name}", Input).value.strip() for name, _l, _p in TEXT_FIELDS
        }
        practice = self.query_one("#f-practice", Select).value
        if not isinstance(practice, str):
            self.set_status("Choose the practice.", error=True)
            return
        flags = {name: self.query_one(f"#f-{name}", Checkbox).value for name, _l in FLAGS}
        actor = self.app.caseload.actor if self.app.caseload else ""
        allow = self.allow_duplicate
        finder = self.app.finder

        def write(session: Session) -> uuid.UUID:
            from mhf_tui.services.patients import PatientCreate, add_patient

            # Built here, so a field that fails its check is reported like any refusal.
            data = PatientCreate(
                family_name=values["family_name"],
                given_name=values["given_name"],
                date_of_birth=values["date_of_birth"],
                practice_ods=practice,
                nhs_number=values["nhs_number"] or None,
                care_cluster=values["care_cluster"] or None,
                phone=values["phone"],
                alert_note=values["alert_note"],
                **flags,
            )
            patient = add_patient(session, actor=actor, data=data, allow_possible_duplicate=allow)
            if finder is not None:
                finder.refresh_patient(session, patient.id)
            return patient.id

        self.set_status("Saving…", error=False)
        self.db_call("add the patient", write, self.added)

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        text = message.message
        if text.lower().startswith("possible duplicate"):
            self.allow_duplicate = True
            text = text.split(";")[0] + ". Check the caseload; ctrl+s again adds anyway."
        self.set_status(text, error=True)
        self.notify(text, title="Not saved", severity="error", markup=False)

    def added(self, patient_id: uuid.UUID) -> None:
        from mhf_tui.ui.screens import navigation

        self.notify("Patient added.")
        self.app.pop_screen()
        navigation.open_patient(self.app, patient_id)
