"""Small forms over one patient, opened from the Summary tab: alerts (`a`), consent (`k`:
sharing with the practice, contact with carers) and status (`s`: on hold, active,
discharge, reopen). Each saves through the same service as the CLI, so the validation and
the audit event are the same; a refusal is shown in the form and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from mhf_tui.ui.forms import FormModal, save_key
from mhf_tui.ui.screens.base import MhfModal
from mhf_tui.ui.widgets.safe import literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from mhf_tui.services.patients import PatientRead

ALERTS = (
    ("alert_risk", "Risk"),
    ("alert_safeguarding", "Safeguarding"),
    ("alert_lone_worker", "Lone worker"),
    ("alert_do_not_text", "Do not text"),
)
CARER_CHOICES = (("not recorded", "none"), ("consents", "yes"), ("does not consent", "no"))
STATUS_CHOICES = {
    "active": (("Put on hold", "on_hold"), ("Discharge", "discharge")),
    "on_hold": (("Make active again", "active"), ("Discharge", "discharge")),
    "discharged": (("Reopen", "reopen"),),
}


class PatientModal(FormModal):
    """Title, fields, a status line; `ctrl+s` runs `write` in a worker."""

    CATEGORY = "Patient"
    TITLE = ""
    STATUS_ID = "modal-status"
    STATUS_TEXT = "ctrl+s save · escape cancel"

    def __init__(self, patient: PatientRead) -> None:
        super().__init__(classes="patient-modal")
        self.patient = patient
        self.patient_id = patient.id

    def dialog_title(self) -> Text:
        return Text(f"{self.TITLE} · ") + literal(self.patient.display_name)

    def save(self, action: str, write: Callable[[Session], None]) -> None:
        self.set_status("Saving…")
        self.db_call(action, write, self.saved)

    def saved_notice(self) -> str:
        return f"{self.TITLE} saved."


def _row(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field-row")


class AlertsScreen(PatientModal):
    TITLE = "Alerts"
    BINDINGS = [*MhfModal.BINDINGS, save_key("alerts_save", "save the alerts")]

    def fields(self) -> ComposeResult:
        for name, label in ALERTS:
            yield Checkbox(label, getattr(self.patient, name), id=f"a-{name}")
        yield _row("Alert note", Input(self.patient.alert_note, id="a-alert_note"))

    def on_mount(self) -> None:
        self.query_one(Checkbox).focus()

    def action_save(self) -> None:
        changes: dict[str, object] = {
            name: self.query_one(f"#a-{name}", Checkbox).value for name, _label in ALERTS
        }
        changes["alert_note"] = self.query_one("#a-alert_note", Input).value
        actor, pid = self.actor, self.patient.id

        def write(session: Session) -> None:
            from mhf_tui.services.patients import edit_patient

            edit_patient(session, actor=actor, patient_id=pid, changes=changes)

        self.save("save the alerts", write)


class ConsentScreen(PatientModal):
    TITLE = "Consent"
    BINDINGS = [*MhfModal.BINDINGS, save_key("consent_save", "save the consent")]

    def fields(self) -> ComposeResult:
        p = self.patient
        yield Checkbox("Shares with the practice", p.share_with_practice, id="c-share")
        yield _row(
            "Reason if objecting",
            Input(p.share_objection_reason, id="c-reason", placeholder="needed to object"),
        )
        carer = {True: "yes", False: "no", None: "none"}[p.carer_contact_consent]
        yield _row(
            "Carer contact",
            Select(CARER_CHOICES, value=carer, allow_blank=False, id="c-carer"),
        )
        yield _row("Decided on", Input(id="c-on", placeholder="today, 30/11, 2026-11-30"))

    def on_mount(self) -> None:
        self.query_one("#c-share").focus()

    def action_save(self) -> None:
        from mhf_tui.errors import ValidationError
        from mhf_tui.services.when import parse_day

        p = self.patient
        today = self.app.today()
        try:
            on = parse_day(self.query_one("#c-on", Input).value, "decided on", today=today,
                           towards="past") or today  # fmt: skip
        except ValidationError as exc:
            self.set_status(str(exc), error=True)
            self.query_one("#c-on").focus()
            return
        share = self.query_one("#c-share", Checkbox).value
        reason = self.query_one("#c-reason", Input).value
        carer_value = self.query_one("#c-carer", Select).value
        carer = {"yes": True, "no": False}.get(str(carer_value))
        sharing_changed = share != p.share_with_practice or (
            not share and reason.strip() != p.share_objection_reason
        )
        carer_changed = carer != p.carer_contact_consent
        actor, pid = self.actor, p.id

        def write(session: Session) -> None:
            from mhf_tui.services.consent import set_carer_contact, set_sharing

            if sharing_changed:
                set_sharing(session, patient_id=pid, actor=actor, share=share, on=on,
                            reason="" if share else reason, today=today)  # fmt: skip
            if carer_changed:
                set_carer_contact(session, patient_id=pid, actor=actor, consent=carer,
                                  on=on if carer is not None else None, today=today)  # fmt: skip

        if not (sharing_changed or carer_changed):
            self.dismiss(False)
            return
        self.save("save the consent", write)


class StatusScreen(PatientModal):
    TITLE = "Status"
    BINDINGS = [*MhfModal.BINDINGS, save_key("status_save", "change the status")]

    def fields(self) -> ComposeResult:
        status = self.patient.status
        yield Static(Text(f"Now: {status.replace('_', ' ')}"))
        choices = STATUS_CHOICES.get(status, ())
        yield _row("Change to", Select(choices, value=choices[0][1], allow_blank=False,
                                       id="s-change"))  # fmt: skip
        yield _row("On (discharge)", Input(id="s-on", placeholder="today, 30/11, 2026-11-30"))
        yield _row("Died on", Input(id="s-died", placeholder="only if the patient died"))

    def on_mount(self) -> None:
        self.query_one("#s-change").focus()

    def action_save(self) -> None:
        from mhf_tui.errors import ValidationError
        from mhf_tui.services.when import parse_day

        today = self.app.today()
        change = str(self.query_one("#s-change", Select).value)
        try:
            on = parse_day(self.query_one("#s-on", Input).value, "discharge date",
                           today=today, towards="past") or today  # fmt: skip
            died = parse_day(self.query_one("#s-died", Input).value, "date of death",
                             today=today, towards="past")  # fmt: skip
        except ValidationError as exc:
            self.set_status(str(exc), error=True)
            return
        actor, pid = self.actor, self.patient.id

        def write(session: Session) -> None:
            from mhf_tui.services import patients, retention

            if change == "discharge":
                retention.discharge(session, patient_id=pid, actor=actor, on=on, died_on=died)
            elif change == "reopen":
                retention.reopen(session, patient_id=pid, actor=actor)
            else:
                patients.edit_patient(
                    session, actor=actor, patient_id=pid, changes={"status": change}
                )

        self.save("change the status", write)
