"""Adding a patient, and editing one's details (`e` on the Summary tab, palette "Patient:
edit details"). The services validate (NHS number check digit, ODS code, dates, possible
duplicates): every field's problem is shown at once, next to what was typed, the first
refused field gets the focus, and nothing is saved until all pass. `escape` with typing in
the form asks before discarding it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static

from mhf_tui.ui.forms import mark_refused, save_key
from mhf_tui.ui.messages import DataChanged, ServiceFailed
from mhf_tui.ui.screens.base import MhfScreen
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.patients import PatientRead
    from mhf_tui.services.practices import PracticeRead
    from mhf_tui.ui.app import MhfApp

#: a form's values by field name: text, a choice, or a ticked box
Values = dict[str, str | bool]

#: (field, label, placeholder); a placeholder starting "choose" makes a Select
NEW_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("family_name", "Family name", ""),
    ("given_name", "Given name", ""),
    ("date_of_birth", "Date of birth", "YYYY-MM-DD"),
    ("nhs_number", "NHS number", "10 digits (leave empty if not registered)"),
    ("practice_ods", "Practice", "choose the practice"),
    ("care_cluster", "Care cluster", "e.g. 8 (optional)"),
    ("phone", "Phone", "optional"),
    ("alert_note", "Alert note", "optional, shown with the alerts"),
)
EDIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("family_name", "Family name", ""),
    ("given_name", "Given name", ""),
    ("date_of_birth", "Date of birth", "YYYY-MM-DD"),
    ("nhs_number", "NHS number", "10 digits (empty if not registered)"),
    ("practice_ods", "Practice", "choose the practice"),
    ("sex", "Sex", "choose"),
    ("gender_identity", "Gender identity", "optional"),
    ("pronouns", "Pronouns", "optional"),
    ("phone", "Phone", "optional"),
    ("phone_alt", "Second phone", "optional"),
    ("preferred_contact", "Preferred contact", "choose"),
    ("address", "Address", "optional"),
    ("postcode", "Postcode", "optional"),
    ("usual_gp", "Usual GP", "optional"),
    ("care_cluster", "Care cluster", "0-21, optional"),
    ("interpreter_needs", "Interpreter", "optional"),
    ("accessibility_needs", "Accessibility", "optional"),
)
REQUIRED = ("family_name", "given_name", "date_of_birth", "practice_ods")
SELECT_CHOICES: dict[str, list[tuple[str, str]]] = {
    "sex": [(s, s) for s in ("female", "male", "other", "unknown")],
    "preferred_contact": [
        ("not recorded", ""),
        *((c.replace("_", " "), c) for c in ("phone", "text", "letter", "email", "in_person")),
    ],
}
FLAGS: tuple[tuple[str, str], ...] = (
    ("smi_register", "SMI register"),
    ("alert_risk", "Alert: risk"),
    ("alert_safeguarding", "Alert: safeguarding"),
    ("alert_lone_worker", "Alert: lone worker"),
    ("alert_do_not_text", "Alert: do not text"),
)
EDIT_FLAGS: tuple[tuple[str, str], ...] = (
    ("smi_register", "SMI register"),
    ("raised_cv_risk", "Raised cardiovascular risk"),
)


class PatientFormScreen(MhfScreen):
    """A form of labelled fields (ids `f-<field>`) checked all at once on `ctrl+s`."""

    CATEGORY = "Patient"
    HELP_EXTRA: ClassVar[tuple[tuple[str, str], ...]] = (
        ("tab", "next field; space ticks a box; escape asks before discarding typing"),
    )
    FIELDS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    CHECKS: ClassVar[tuple[tuple[str, str], ...]] = ()
    TITLE_TEXT = ""
    app: MhfApp

    def __init__(self, screen_id: str) -> None:
        super().__init__(id=screen_id)
        self.allow_duplicate = False
        self.initial: Values = {}

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE_TEXT, classes="screen-title", id="form-title")
        yield Static("", id="form-status")
        with VerticalScroll(id="settings-body", classes="patient-form"):
            for name, label, placeholder in self.FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield self._field(name, placeholder)
            for name, label in self.CHECKS:
                yield Checkbox(label, id=f"f-{name}")
        yield Footer(compact=True)

    def _field(self, name: str, placeholder: str) -> Widget:
        if name in SELECT_CHOICES:
            return Select(SELECT_CHOICES[name], allow_blank=False, id=f"f-{name}")
        if placeholder.startswith("choose"):
            return Select([], prompt=placeholder.capitalize(), id=f"f-{name}")
        return Input(id=f"f-{name}", placeholder=placeholder)

    def on_mount(self) -> None:
        self.query_one(f"#f-{self.FIELDS[0][0]}").focus()

        def practices(session: Session) -> list[PracticeRead]:
            from mhf_tui.services.practices import list_practices

            return list_practices(session)

        self.db_call("load the practices", practices, self.show_practices)

    def show_practices(self, practices: list[PracticeRead]) -> None:
        select = self.query_one("#f-practice_ods", Select)
        select.set_options((literal(f"{p.ods_code} {p.name}"), p.ods_code) for p in practices)
        self.fill(practices)
        self.initial = self.values()

    def fill(self, practices: list[PracticeRead]) -> None:
        """The values the form starts with: a new patient's only practice is chosen."""
        if len(practices) == 1:
            self.query_one("#f-practice_ods", Select).value = practices[0].ods_code

    def values(self) -> Values:
        out: Values = {}
        for name, _label, _placeholder in self.FIELDS:
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                out[name] = widget.value if isinstance(widget.value, str) else ""
            else:
                out[name] = self.query_one(f"#f-{name}", Input).value.strip()
        for name, _label in self.CHECKS:
            out[name] = self.query_one(f"#f-{name}", Checkbox).value
        return out

    def on_input_changed(self) -> None:
        self.allow_duplicate = False

    def set_status(self, text: str, *, error: bool) -> None:
        status = self.query_one("#form-status", Static)
        status.update(Text(text, style="bold" if error else ""))
        status.set_class(error, "error")

    def checked(self) -> Values | None:
        """The values, or None after marking every refused field and focusing the first."""
        from mhf_tui.services.patients import check_patient_fields
        from mhf_tui.services.validation import FieldErrors

        values = self.values()
        try:
            check_patient_fields(values, required=REQUIRED, today=self.app.today())
        except FieldErrors as exc:
            self.mark(exc.errors)
            lines = [f"{self._label(name)}: {message}" for name, message in exc.errors.items()]
            self.set_status("\n".join(lines), error=True)
            return None
        self.mark({})
        return values

    def _label(self, name: str) -> str:
        return next((label for n, label, _p in self.FIELDS if n == name), name)

    def mark(self, errors: dict[str, str]) -> None:
        mark_refused(((name, self.query_one(f"#f-{name}")) for name, _l, _p in self.FIELDS), errors)

    def save_patient(self, action: str, write: Callable[[Session, bool], uuid.UUID],
                     then: Callable[[uuid.UUID], None]) -> None:  # fmt: skip
        """Run `write(session, allow_possible_duplicate)` in a worker, then bring the
        caseload filter's copy of the patient it returns up to date."""
        allow, finder = self.allow_duplicate, self.app.finder

        def unit(session: Session) -> uuid.UUID:
            patient_id = write(session, allow)
            if finder is not None:
                finder.refresh_patient(session, patient_id)
            return patient_id

        self.set_status("Saving…", error=False)
        self.db_call(action, unit, then)

    @property
    def actor(self) -> str:
        return self.app.caseload.actor if self.app.caseload else ""

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        text = message.message
        if text.lower().startswith("possible duplicate"):
            self.allow_duplicate = True
            text = text.split(";")[0] + ". Check the caseload; ctrl+s again saves anyway."
            self.mark({"family_name": text})
        elif "NHS number" in text:
            self.mark({"nhs_number": text})
        self.set_status(text, error=True)
        self.notify(text, title="Not saved", severity="error", markup=False)

    def action_back(self) -> None:
        from mhf_tui.ui.widgets.dialogs import confirm_discard

        confirm_discard(
            self, self.is_mounted and bool(self.initial) and self.values() != self.initial
        )


class NewPatientScreen(PatientFormScreen):
    HELP_TITLE = "New patient"
    TITLE_TEXT = "New patient"
    FIELDS = NEW_FIELDS
    CHECKS = FLAGS
    BINDINGS = [*MhfScreen.BINDINGS, save_key("patient_save", "add the patient")]

    def __init__(self) -> None:
        super().__init__("new-patient")

    def action_save(self) -> None:
        values = self.checked()
        if values is None:
            return
        actor = self.actor

        def write(session: Session, allow: bool) -> uuid.UUID:
            from mhf_tui.services.patients import PatientCreate, add_patient

            # Built here, so a rule across fields is reported like any refusal.
            data = PatientCreate.check(
                {
                    **values,
                    "nhs_number": values["nhs_number"] or None,
                    "care_cluster": values["care_cluster"] or None,
                }
            )
            return add_patient(session, actor=actor, data=data, allow_possible_duplicate=allow).id

        self.save_patient("add the patient", write, self.added)

    def added(self, patient_id: uuid.UUID) -> None:
        from mhf_tui.ui.screens import navigation

        self.notify("Patient added.")
        self.app.pop_screen()
        navigation.open_patient(self.app, patient_id)


class EditDetailsScreen(PatientFormScreen):
    """Change a patient's details; saved with `edit_patient` (audited by field name)."""

    HELP_TITLE = "Edit patient details"
    TITLE_TEXT = "Edit details"
    FIELDS = EDIT_FIELDS
    CHECKS = EDIT_FLAGS
    BINDINGS = [*MhfScreen.BINDINGS, save_key("details_save", "save the changes")]

    def __init__(self, patient: PatientRead) -> None:
        super().__init__("edit-patient")
        self.patient = patient

    def fill(self, practices: list[PracticeRead]) -> None:
        p = self.patient
        self.query_one("#form-title", Static).update(
            Text("Edit details · ") + literal(p.display_name)
        )
        for name, _label, _placeholder in self.FIELDS:
            value = getattr(p, name)
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                widget.value = value or ("" if name == "preferred_contact" else Select.BLANK)
            elif isinstance(widget, Input):
                widget.value = "" if value is None else str(value)
        for name, _label in self.CHECKS:
            self.query_one(f"#f-{name}", Checkbox).value = bool(getattr(p, name))

    def action_save(self) -> None:
        values = self.checked()
        if values is None:
            return
        changes = {k: v for k, v in values.items() if v != self.initial.get(k)}
        if not changes:
            self.notify("Nothing changed.")
            self.app.pop_screen()
            return
        actor, pid = self.actor, self.patient.id

        def write(session: Session, allow: bool) -> uuid.UUID:
            from mhf_tui.services.patients import edit_patient

            edit_patient(session, actor=actor, patient_id=pid, changes=changes,
                         allow_possible_duplicate=allow)  # fmt: skip
            return pid

        self.save_patient("save the details", write, self.saved)

    def saved(self, _: uuid.UUID) -> None:
        self.notify("Details saved.")
        self.app.post_message(DataChanged(self.patient.id))
        self.app.pop_screen()
